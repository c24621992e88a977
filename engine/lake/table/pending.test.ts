import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, readdir, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManualTime } from '../../runtime/clock.ts';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { pendingDir, RESERVATION_MAX_MS } from './pending.ts';

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

test('a reservation keeps files pending across orphan scans until it is released', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(Date.now());
  const table = await openLake(dir, { clock: time }).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await table.append([{ id: 1 }]);
  const prepared = path.join(dir, 't', 'data', 'prepared-at-checkpoint.parquet');
  const reservation = await table.reservePending([prepared], 'pipeline/sink/checkpoint-7');
  await writeFile(prepared, 'rows written at prepare time, published later');
  // even an old file that the marker names explicitly is kept
  const old = new Date(Date.now() - 10 * 86_400_000);
  await utimes(prepared, old, old);
  time.advance(60_000);
  const first = await table.removeOrphans({ olderThanMs: 1, force: true });
  assert.deepEqual(first.removed, []);
  assert.equal(first.protectedByPending, 1);
  assert.ok(await exists(prepared));
  // a restarted writer finds its reservation again by owner
  const [found] = await table.pendingReservations();
  assert.equal(found?.owner, 'pipeline/sink/checkpoint-7');
  assert.deepEqual(found?.paths, [prepared]);
  await reservation.release();
  assert.deepEqual(await table.pendingReservations(), []);
  const second = await table.removeOrphans({ olderThanMs: 1, force: true });
  assert.deepEqual(second.removed, [prepared], 'released: now it is an orphan like any other');
});

test('orphan removal refuses a minimum age below one day without force', async (t) => {
  const table = await openLake(await tempDir(t)).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await assert.rejects(table.removeOrphans({ olderThanMs: 3_600_000 }), (e: unknown) => (e as { code?: string }).code === 'ENG_LAKE_UNSAFE' && /refusing to remove orphans younger than 24 h/.test((e as Error).message));
  await table.removeOrphans({ olderThanMs: 86_400_000 });
  await table.removeOrphans({ olderThanMs: 1, force: true });
});

test('markers of dead commits and unrenewed reservations stop protecting and are removed', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(Date.now());
  const table = await openLake(dir, { clock: time }).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  const markers = pendingDir(path.join(dir, 't'));
  await mkdir(markers, { recursive: true });
  // a commit marker of a process that no longer exists on this host (pid 2^22+1 is above Linux's pid_max default)
  await writeFile(path.join(markers, 'dead.json'), JSON.stringify({ kind: 'commit', owner: 'append', pid: 4_194_305, host: os.hostname(), paths: [] }));
  const kept = await table.reservePending([], 'forgotten');
  const leftover = path.join(dir, 't', 'data', 'leftover.parquet');
  await writeFile(leftover, 'x');
  time.advance(60_000);
  assert.deepEqual((await table.removeOrphans({ olderThanMs: 1, force: true })).removed, [], 'the live reservation still protects newer files');
  assert.ok(!(await exists(path.join(markers, 'dead.json'))), 'the dead commit marker is gone');
  time.advance(RESERVATION_MAX_MS + 60_000);
  const result = await table.removeOrphans({ olderThanMs: 1, force: true });
  assert.deepEqual(result.removed, [leftover]);
  assert.equal(result.staleMarkers, 1);
  assert.ok(!(await exists(kept.file)));
  assert.deepEqual(await readdir(markers), []);
});

test('an append whose new file vanished after publishing fails instead of reporting the snapshot', async (t) => {
  const dir = await tempDir(t);
  const table = await openLake(dir).createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }] });
  await table.append([{ id: 1 }]);
  // a cleaner that ignores pending markers (an old version, another tool) takes the file right after the link
  table.hooks = {
    at: async (step) => {
      if (step !== 'after-link') return;
      const data = path.join(dir, 't', 'data');
      for (const name of await readdir(data)) {
        const file = path.join(data, name);
        if (!(await table.dataFiles(table.resolve()!.snapshotId)).some((f) => f.path === file)) await unlink(file);
      }
    },
  };
  await assert.rejects(table.append([{ id: 2 }]), (e: unknown) => (e as { code?: string }).code === 'ENG_LAKE_MISSING_FILE' && /was published but its data file .* was removed meanwhile/.test((e as Error).message));
});
