import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openLake, readRows } from '../../lake/index.ts';
import { buildHistory } from './lake-history.ts';

test('the history is built in bulk commits: one real snapshot per row, distinct times, few metadata versions, resumable', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'streamlake-history-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  await buildHistory(dir, (m) => lines.push(m), Infinity, 120, 50);
  let table = await openLake(dir).table('history');
  assert.equal(table.snapshots().length, 120);
  assert.equal(table.version(), 1 + 3, 'three bulk commits (50, 50, 20) after the create');
  const times = table.snapshots().map((s) => s.timestampMs);
  assert.ok(times.every((ts, i) => i === 0 || ts > (times[i - 1] ?? Infinity)), 'snapshot times strictly increase');
  const middle = table.snapshots()[40]!;
  assert.equal(table.resolve({ asOf: middle.timestampMs })?.snapshotId, middle.snapshotId, 'an as-of time finds that very snapshot');
  assert.equal((await table.dataFiles(middle.snapshotId)).length, 41, 'each snapshot added one data file');
  const rows = await readRows(table, { snapshotId: middle.snapshotId });
  assert.deepEqual(rows.map((r) => Number(r.n)).sort((x, y) => x - y), Array.from({ length: 41 }, (_, i) => i + 1));
  // Resuming adds only what is missing.
  await buildHistory(dir, () => undefined, Infinity, 150, 50);
  table = await openLake(dir).table('history');
  assert.equal(table.snapshots().length, 150);
  assert.ok(table.snapshots()[120]!.timestampMs > times[119]!, 'resumed history continues after the last snapshot');
  const versions = (await readdir(path.join(table.dir, 'metadata'))).filter((n) => /^v\d+\.metadata\.json$/.test(n));
  assert.equal(versions.length, 5);
  assert.ok(lines.some((l) => l.includes('120/120')));
});
