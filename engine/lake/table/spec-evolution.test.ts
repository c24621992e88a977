import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLake } from '../lake.ts';
import { createLakeQuery } from '../query/index.ts';
import type { Row } from '../../runtime/types.ts';
import { tempDir } from '../testing/tmp.ts';

test('partition evolution: old specs and files stay, new files use the new spec, filters stay right for both', async (t) => {
  const dir = await tempDir(t);
  const lake = openLake(dir);
  const table = await lake.createTable('events', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'region', required: false, type: 'string' }, { name: 'ts', required: false, type: 'timestamptz' }],
  });
  const day = (d: number): Date => new Date(Date.UTC(2026, 0, d, 12));
  await table.append([{ id: 1, region: 'eu', ts: day(1) }, { id: 2, region: 'us', ts: day(2) }]);
  await table.replacePartitionSpec(['region']);
  await table.append([{ id: 3, region: 'eu', ts: day(3) }, { id: 4, region: 'us', ts: day(3) }]);
  await table.replacePartitionSpec(['day(ts)', 'region']);
  await table.append([{ id: 5, region: 'eu', ts: day(4) }]);

  assert.deepEqual(table.partitionSpecs().map((s) => [s['spec-id'], s.fields.map((f) => [f.name, f.transform, f['field-id']])]), [
    [0, []],
    [1, [['region', 'identity', 1000]]],
    [2, [['ts_day', 'day', 1001], ['region', 'identity', 1000]]],
  ], 'a field keeps its id across specs, new ones get ids above last-partition-id');
  assert.equal(table.metadata()['last-partition-id'], 1001);
  const files = await table.dataFiles(table.resolve()!.snapshotId);
  assert.deepEqual(files.map((f) => [f.specId, f.recordCount, f.partition]).sort((a, b) => Number(a[0]) - Number(b[0]) || JSON.stringify(a[2]).localeCompare(JSON.stringify(b[2]))), [
    [0, 2, {}],
    [1, 1, { region: 'eu' }],
    [1, 1, { region: 'us' }],
    [2, 1, { ts_day: 20457, region: 'eu' }],
  ]);

  // the query layer prunes by each file's own spec: the unpartitioned file must still be read
  const query = createLakeQuery(dir);
  t.after(() => query.close());
  const rows = async (sql: string): Promise<Row[]> => {
    const handle = await query.query(sql);
    const out: Row[] = [];
    for (;;) {
      const page = await handle.nextPage();
      out.push(...page.rows);
      if (page.done) return out;
    }
  };
  assert.deepEqual((await rows("SELECT id FROM events WHERE region = 'eu' ORDER BY id")).map((r) => Number(r.id)), [1, 3, 5]);
  assert.deepEqual((await rows("SELECT id FROM events WHERE region = 'us' ORDER BY id")).map((r) => Number(r.id)), [2, 4]);

  // an equal spec is selected again rather than added; a bad one is refused naming the column
  await table.replacePartitionSpec(['region']);
  assert.equal(table.partitionSpec()['spec-id'], 1);
  assert.equal(table.partitionSpecs().length, 3);
  await assert.rejects(table.replacePartitionSpec(['nope']), /column "nope" is not in the table schema/);
  await table.replacePartitionSpec([]);
  assert.equal(table.partitionSpec()['spec-id'], 0, 'back to the unpartitioned spec');
});
