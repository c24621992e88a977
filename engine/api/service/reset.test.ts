// Reset through the service, as the studio calls it (dispatchCall applies the hosts' params validation):
// runs of a real pipeline on the built-in generator into a real lake, checked against the generator's own
// events computed here, not against an earlier run.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { openLake, readRows } from '../../lake/index.ts';
import type { ParamsOf, ResultOf, RunStatus, StudioMethod } from '../contract.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService, type StudioService } from '../service.ts';

const count = 600;
const doc: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'reset-check',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed: 3 } },
    { id: 'raw', type: 'sink.lake', config: { table: 'reset_orders', commitInterval: '1s' } },
    { id: 'other', type: 'sink.lake', config: { table: 'reset_never', branch: 'audit' } },
  ],
  edges: [{ from: 'orders', to: 'raw' }, { from: 'orders', port: 'error', to: 'other' }],
};
const expectedIds = [...generateEvents('sales_orders', { count, seed: 3 })].map((r) => String(r.order_id)).sort();

let home: string;
let service: StudioService;

async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
  const outcome = await dispatchCall(service, method, params);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.result as ResultOf<M>;
}

async function runToEnd(): Promise<RunStatus> {
  await call('runStart', { doc });
  for (;;) {
    const status = await call('runStatus');
    if (status.state === 'finished' || status.state === 'failed') return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function tableIds(): Promise<string[]> {
  const table = await openLake(join(home, 'lake')).table('reset_orders');
  return (await readRows(table)).map((r) => String(r.order_id)).sort();
}

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'streamlake-reset-'));
  service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
});

after(async () => {
  await service.close();
  await rm(home, { recursive: true, force: true });
});

test('a second Run of a finished bounded input says there is nothing new since its checkpoint', async () => {
  const first = await runToEnd();
  assert.equal(first.state, 'finished', first.error?.message);
  assert.equal(first.notice, undefined);
  assert.deepEqual(await tableIds(), expectedIds);
  const again = await runToEnd();
  assert.equal(again.state, 'finished', again.error?.message);
  assert.match(again.notice ?? '', /^Nothing new since checkpoint \d+: .*Reset to start over\.$/);
  assert.deepEqual(await tableIds(), expectedIds, 'and it wrote nothing');
});

test('Reset with replace empties the tables in one delete snapshot; the next Run leaves exactly the input', async () => {
  const result = await call('runReset', { pipelineName: doc.name, doc, tables: 'replace' });
  assert.ok(result.checkpointsRemoved > 0);
  assert.deepEqual(result.tables.map((t) => [t.table, t.branch, t.action, t.rowsRemoved]), [
    ['reset_orders', 'main', 'emptied', count],
    ['reset_never', 'audit', 'absent', 0],
  ]);
  const table = await openLake(join(home, 'lake')).table('reset_orders');
  const head = table.resolve();
  assert.equal(head?.operation, 'delete');
  assert.equal(String(head?.snapshotId), result.tables[0]?.snapshotId);
  assert.deepEqual(await readRows(table), []);
  assert.equal((await readRows(table, { snapshotId: head?.parentId ?? 0n })).length, count, 'history keeps the old rows');

  const status = await runToEnd();
  assert.equal(status.state, 'finished', status.error?.message);
  assert.equal(status.notice, undefined);
  assert.deepEqual(await tableIds(), expectedIds);
});

test('Reset with append keeps the rows, so the next Run adds the input once more, as asked', async () => {
  const result = await call('runReset', { pipelineName: doc.name, doc, tables: 'append' });
  assert.equal(result.tables[0]?.action, 'kept');
  assert.deepEqual(await tableIds(), expectedIds);
  const status = await runToEnd();
  assert.equal(status.state, 'finished', status.error?.message);
  const ids = await tableIds();
  assert.equal(ids.length, 2 * count);
  assert.deepEqual([...new Set(ids)].sort(), expectedIds);
});

test('Reset checks what it is sent', async () => {
  await assert.rejects(call('runReset', { pipelineName: doc.name, tables: 'replace' }), /tables needs .*doc/);
  await assert.rejects(call('runReset', { pipelineName: 'another', doc, tables: 'replace' }), /document of pipeline "reset-check"/);
  const bad = { ...doc, nodes: [{ id: 'raw', type: 'sink.lake', config: { table: '../escape' } }] } as PipelineDoc;
  await assert.rejects(call('runReset', { pipelineName: doc.name, doc: bad, tables: 'replace' }), /not a valid table name/);
});
