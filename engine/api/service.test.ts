// The service's lake explorer and SQL workbench against a real Iceberg table written by the lake library,
// called through the params validation the hosts apply (dispatchCall), as the renderer would.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLake } from '../lake/index.ts';
import type { JobProgress, LakeTableDetail, SqlResult, StudioEvent, StudioMethod, ParamsOf, ResultOf } from './contract.ts';
import { dispatchCall } from './dispatch.ts';
import { createStudioService } from './service.ts';
import type { StudioService } from './service.ts';

describe('studio service over a real lake', () => {
  let home: string;
  let service: StudioService;
  const events: StudioEvent[] = [];
  let first = '';
  let second = '';

  async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
    return outcome.result as ResultOf<M>;
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-service-'));
    const lake = openLake(join(home, 'lake'));
    const table = await lake.createTable('orders', {
      fields: [
        { name: 'id', required: false, type: 'long' },
        { name: 'region', required: false, type: 'string' },
        { name: 'amount', required: false, type: 'double' },
      ],
      sortBy: ['amount desc'],
    });
    await table.append([{ id: 1, region: 'EU', amount: 10 }, { id: 2, region: 'US', amount: 20 }]);
    await table.append([{ id: 3, region: 'EU', amount: 30, channel: 'web' }]);
    const snapshots = (await lake.table('orders')).snapshots();
    first = String(snapshots[0]!.snapshotId);
    second = String(snapshots[1]!.snapshotId);
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
    service.subscribe((e) => events.push(e));
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('tables and table detail: schema history, snapshots on main, refs', async () => {
    const tables = await call('lakeTables');
    assert.deepEqual(tables.map((t) => [t.name, t.rows, t.snapshots]), [['orders', 3, 2]]);
    const detail: LakeTableDetail = await call('lakeTable', { table: 'orders' });
    assert.deepEqual(detail.schema.fields.map((f) => `${f.name}:${f.type}`), ['id:long', 'region:string', 'amount:double', 'channel:string']);
    assert.equal(detail.schemas.length, 2, 'the new field made a second schema');
    assert.deepEqual(detail.snapshots.map((s) => [s.snapshotId, s.onMain]), [[first, true], [second, true]]);
    assert.deepEqual(detail.refs.map((r) => [r.name, r.type, r.snapshotId]), [['main', 'branch', second]]);
    assert.deepEqual(detail.sortOrder, { orderId: 1, fields: ['amount desc nulls last'] });
  });

  test('tag, time travel by tag and by snapshot, diff with schema changes', async () => {
    const tag = await call('lakeCreateTag', { table: 'orders', tag: 'before-web', snapshotId: first });
    assert.deepEqual(tag, { name: 'before-web', type: 'tag', snapshotId: first });
    assert.ok(events.some((e) => e.type === 'lake.changed' && e.table === 'orders'));
    const head: SqlResult = await call('sqlRun', { sql: 'SELECT count(*) AS n, sum(amount) AS total FROM orders' });
    assert.deepEqual(head.columns.map((c) => c.name), ['n', 'total']);
    assert.deepEqual(head.rows, [[3, 60]]);
    assert.equal(head.done, true);
    const old = await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders', version: { tag: 'before-web' } });
    assert.deepEqual(old.rows, [[2]]);
    const bySnapshot = await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders', version: { snapshot: first } });
    assert.deepEqual(bySnapshot.rows, [[2]]);
    const diff = await call('lakeDiff', { table: 'orders', from: first, to: second });
    assert.equal(diff.rowsAdded, 1);
    assert.equal(diff.rowsRemoved, 0);
    assert.deepEqual(diff.schemaChanges.map((c) => `${c.kind} ${c.name}`), ['added channel']);
    const catalog = await call('sqlCatalog');
    assert.deepEqual(catalog.find((t) => t.table === 'orders')?.refs, ['before-web']);
  });

  test('results come in pages and a closed query cannot be continued', async () => {
    const firstPage = await call('sqlRun', { sql: 'SELECT id FROM orders ORDER BY id', pageSize: 2 });
    assert.deepEqual(firstPage.rows, [[1], [2]]);
    assert.equal(firstPage.done, false);
    const next = await call('sqlNext', { queryId: firstPage.queryId });
    assert.deepEqual(next.rows, [[3]]);
    assert.equal(next.rowsSoFar, 3);
    await call('sqlCancel', { queryId: firstPage.queryId });
    await assert.rejects(() => call('sqlNext', { queryId: firstPage.queryId }), /is not open/);
  });

  test('CSV and JSON export', async () => {
    const csv = await call('sqlExport', { sql: 'SELECT id, region FROM orders ORDER BY id', format: 'csv' });
    assert.equal(csv.content, 'id,region\r\n1,EU\r\n2,US\r\n3,EU\r\n');
    assert.equal(csv.rows, 3);
    const json = await call('sqlExport', { sql: 'SELECT id, region FROM orders ORDER BY id', format: 'json' });
    assert.deepEqual(JSON.parse(json.content), [{ id: 1, region: 'EU' }, { id: 2, region: 'US' }, { id: 3, region: 'EU' }]);
    await assert.rejects(() => call('sqlExport', { sql: 'SELECT 1', format: 'csv', path: '/tmp/x.csv' }), /only in the desktop app/);
  });

  test('compaction reports progress and keeps the rows', async () => {
    const result = await call('lakeMaintain', { table: 'orders', action: 'compact', jobId: 'compact-1' });
    assert.equal(result.jobId, 'compact-1');
    assert.equal(result.stats.filesRewritten, 2);
    const progress: JobProgress[] = events.flatMap((e) => (e.type === 'job.progress' && e.progress.jobId === 'compact-1' ? [e.progress] : []));
    assert.ok(progress.length >= 2);
    assert.equal(progress.at(-1)?.finished, true);
    const after = await call('sqlRun', { sql: 'SELECT count(*) FROM orders' });
    assert.deepEqual(after.rows, [[3]]);
    const tables = await call('lakeTables');
    assert.equal(tables[0]?.snapshots, 3);
    const diff = await call('lakeDiff', { table: 'orders', from: second, to: result.snapshotId ?? '0' });
    assert.deepEqual([diff.rowsAdded, diff.rowsRemoved, diff.filesAdded, diff.filesRemoved], [0, 0, 1, 2], 'the rewrite changed no row');
  });

  test('rollback moves main back; an unknown table is a clear error', async () => {
    const main = await call('lakeRollback', { table: 'orders', snapshotId: first });
    assert.deepEqual(main, { name: 'main', type: 'branch', snapshotId: first });
    const now = await call('sqlRun', { sql: 'SELECT count(*) FROM orders' });
    assert.deepEqual(now.rows, [[2]]);
    await assert.rejects(() => call('lakeTable', { table: 'nope' }), (e: Error & { code?: string }) => e.code === 'ENG_LAKE_NOT_TABLE');
  });

  test('a pipeline writing the lake announces its commits with lake.changed', async () => {
    const seen: StudioEvent[] = [];
    const stop = service.subscribe((e) => seen.push(e));
    const finished = new Promise<void>((resolve) => {
      const off = service.subscribe((e) => {
        if (e.type === 'lake.changed' && e.table === 'generated_orders') {
          off();
          resolve();
        }
      });
    });
    await call('runStart', {
      doc: {
        format: 'streamlake.pipeline',
        version: 1,
        name: 'lake-writer',
        nodes: [
          { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 500, seed: 4 } },
          { id: 'store', type: 'sink.lake', config: { table: 'generated_orders' } },
        ],
        edges: [{ from: 'orders', to: 'store' }],
      },
      options: { fresh: true },
    });
    await finished;
    stop();
    const tables = await call('lakeTables');
    const table = tables.find((t) => t.name === 'generated_orders');
    assert.ok(table && table.snapshots >= 1, 'the table exists when lake.changed arrives');
    assert.ok(seen.some((e) => e.type === 'lake.changed'));
    const count = await call('sqlRun', { sql: 'SELECT count(*) FROM generated_orders' });
    assert.ok(Number(count.rows[0]?.[0]) > 0);
    await call('runStop');
  });
});
