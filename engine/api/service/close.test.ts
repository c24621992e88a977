// Closing the studio service leaves no timer behind: a pending one keeps the host's process (and every
// test file that closes a service) alive until it fires, 15 s after close() once did.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemTimers, type TimerHandle, type Timers } from '../../runtime/clock.ts';
import { createStudioService } from '../service.ts';

/** System timers that count what is still pending: timers not yet fired or cancelled, sleeps not yet over. */
function countingTimers(): Timers & { pending: Set<string> } {
  const pending = new Set<string>();
  let next = 0;
  return {
    pending,
    after(ms, fn): TimerHandle {
      const id = `after ${ms} ms #${next++}`;
      pending.add(id);
      const handle = systemTimers.after(ms, () => { pending.delete(id); fn(); });
      return { cancel: () => { pending.delete(id); handle.cancel(); } };
    },
    async sleep(ms, signal) {
      const id = `sleep ${ms} ms #${next++}`;
      pending.add(id);
      try {
        await systemTimers.sleep(ms, signal);
      } finally {
        pending.delete(id);
      }
    },
  };
}

test('close() leaves no pending timer', async () => {
  const home = await mkdtemp(join(tmpdir(), 'streamlake-close-'));
  const timers = countingTimers();
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home, timers });
  await service.close();
  assert.deepEqual([...timers.pending], []);
  await rm(home, { recursive: true, force: true });
});
