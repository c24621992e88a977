// The race from issue 10: a writer appends every 100 ms while orphan removal (with a 1 ms age, forced),
// expiry and compaction run in loops on the same table. Before pending markers, orphan removal deleted
// files a commit had written but not yet published, and the writer reported snapshots that could not be
// read back. Runs for RACE_MS of wall time (only to give the loops time to interleave; nothing asserts speed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLake } from '../lake.ts';
import { tempDir } from '../testing/tmp.ts';
import { readRows } from './scan.ts';

const RACE_MS = Number(process.env.LAKE_RACE_MS ?? 30_000);

test('appends racing clean, expire and compact: every reported snapshot reads back and no row is lost', { timeout: RACE_MS + 120_000 }, async (t) => {
  const dir = await tempDir(t, 'lake-race-');
  const lake = openLake(dir);
  const writer = await lake.createTable('t', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'batch', required: false, type: 'long' }] });
  const end = Date.now() + RACE_MS;
  const reported: bigint[] = [];
  const problems: string[] = [];
  let nextId = 0;
  const maintenance = { clean: 0, removed: 0, expired: 0, compacted: 0 };

  const appender = async (): Promise<void> => {
    for (let batch = 0; Date.now() < end; batch++) {
      const rows = Array.from({ length: 1 + (batch % 5) }, () => ({ id: nextId++, batch }));
      const result = await writer.append(rows);
      const id = result.snapshot?.['snapshot-id'];
      assert.ok(id !== undefined, 'every append made a snapshot');
      reported.push(id);
      // read back at once (expiry only takes snapshots older than 2 s): every file there, counts exact
      try {
        const files = await writer.dataFiles(id);
        const count = files.reduce((n, f) => n + f.recordCount, 0);
        if (count !== nextId) problems.push(`snapshot ${id}: ${count} rows in its files, ${nextId} appended`);
      } catch (error) {
        problems.push(`snapshot ${id}: ${(error as Error).message}`);
      }
      await sleep(100);
    }
  };
  // orphan removal as the issue ran it: age 1 ms, in a tight loop
  const cleaner = async (): Promise<void> => {
    const table = await lake.table('t');
    while (Date.now() < end) {
      const { removed } = await table.removeOrphans({ olderThanMs: 1, force: true });
      maintenance.clean++;
      maintenance.removed += removed.length;
    }
  };
  const keeper = async (): Promise<void> => {
    const table = await lake.table('t');
    while (Date.now() < end) {
      maintenance.expired += (await table.expireSnapshots({ olderThanMs: 2_000, retainLast: 1 })).expired;
      if ((await table.compact({ targetFileSizeBytes: 1 << 20 })).snapshotId !== null) maintenance.compacted++;
      await sleep(50);
    }
  };
  await Promise.all([appender(), cleaner(), keeper()]);
  t.diagnostic(`${reported.length} appends, ${nextId} rows; ${maintenance.clean} orphan scans removed ${maintenance.removed} files; ${maintenance.expired} snapshots expired; ${maintenance.compacted} compactions`);

  assert.deepEqual(problems, [], 'every snapshot the writer reported was readable right after');
  assert.ok(maintenance.removed > 0 && maintenance.expired > 0 && maintenance.compacted > 0, 'all three maintenance loops did work');
  const table = await lake.table('t');
  // every reported snapshot still in the table reads back (the rest were expired, as asked)
  const present = new Set(table.snapshots().map((s) => s.snapshotId));
  for (const id of reported.filter((s) => present.has(s))) await table.dataFiles(id);
  const rows = await readRows(table, undefined, { orderBy: 'id' });
  assert.equal(rows.length, nextId, 'exactly the appended rows');
  assert.deepEqual(rows.map((r) => r.id), Array.from({ length: nextId }, (_, i) => i));
});
