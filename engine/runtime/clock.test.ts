import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { ManualTime } from './clock.ts';

test('ManualTime.sleep removes its abort listener when the sleep ends', async () => {
  const time = new ManualTime(0);
  const abort = new AbortController();
  // Like a rate-limited source: many sleeps in a row on the run's one long-lived signal.
  for (let i = 0; i < 50; i++) {
    const slept = time.sleep(10, abort.signal);
    assert.equal(getEventListeners(abort.signal, 'abort').length, 1, 'one listener while sleeping');
    time.advance(10);
    await slept;
  }
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
  assert.equal(time.now(), 500);
});

test('ManualTime.sleep ends at once on abort and drops its timer', async () => {
  const time = new ManualTime(0);
  const abort = new AbortController();
  let woke = false;
  const slept = time.sleep(1000, abort.signal).then(() => { woke = true; });
  abort.abort();
  await slept;
  assert.equal(woke, true);
  assert.equal(time.now(), 0, 'no time had to pass');
  assert.equal(getEventListeners(abort.signal, 'abort').length, 0);
  // The cancelled timer must not fire into anything later.
  let fired = 0;
  time.after(2000, () => { fired++; });
  time.advance(5000);
  assert.equal(fired, 1);
  assert.equal(await time.sleep(5, abort.signal), undefined, 'an already aborted signal resolves at once');
});
