// Cancelling a query while its sqlRun is still pending: the client names the query up front, through the
// same params validation the hosts apply, against a real lake table and DuckDB.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openLake } from '../../lake/index.ts';
import type { ParamsOf, ResultOf, StudioMethod } from '../contract.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';
import type { StudioService } from '../service.ts';

// Billions of rows from a cross join over the lake table: it cannot finish before it is cancelled.
const endless = 'SELECT count(*) AS n FROM orders a, range(1000000000000) r WHERE r.range % 7 = a.id';

describe('sqlRun with a client-chosen query id', () => {
  let home: string;
  let service: StudioService;

  async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
    return outcome.result as ResultOf<M>;
  }

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'streamlake-sql-'));
    const lake = openLake(join(home, 'lake'));
    const table = await lake.createTable('orders', {
      fields: [
        { name: 'id', required: false, type: 'long' },
        { name: 'amount', required: false, type: 'double' },
      ],
    });
    await table.append([{ id: 1, amount: 10 }, { id: 2, amount: 20 }, { id: 3, amount: 30 }]);
    service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  });

  after(async () => {
    await service.close();
    await rm(home, { recursive: true, force: true });
  });

  test('cancel by id interrupts the running query; the pending run rejects with ENG_LAKE_CANCELLED', async () => {
    const run = call('sqlRun', { sql: endless, queryId: 'long-1' });
    // Until the run settles its id is taken: a second run under it is refused, and the first keeps running.
    await assert.rejects(() => call('sqlRun', { sql: 'SELECT 1', queryId: 'long-1' }), { code: 'ENG_HOST_REQUEST', message: /Query id "long-1" is already in use/ });
    await call('sqlCancel', { queryId: 'long-1' });
    await assert.rejects(run, { code: 'ENG_LAKE_CANCELLED' });
    await assert.rejects(() => call('sqlNext', { queryId: 'long-1' }), /is not open/);
  });

  test('cancel reaches a query whose statement is already executing', async () => {
    const run = call('sqlRun', { sql: endless, queryId: 'long-2' });
    // Other round trips through the same DuckDB instance let the run get past preparing into execution, so
    // this cancel interrupts DuckDB itself rather than the preparation (the first test covers that). The
    // assertion does not depend on which: either way the pending run must reject as cancelled.
    for (let i = 0; i < 3; i++) await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders' });
    await call('sqlCancel', { queryId: 'long-2' });
    await assert.rejects(run, { code: 'ENG_LAKE_CANCELLED' });
  });

  test('an id is free again once its query is cancelled or finished, and the result carries it', async () => {
    const run = call('sqlRun', { sql: endless, queryId: 'again' });
    await call('sqlCancel', { queryId: 'again' });
    await assert.rejects(run, { code: 'ENG_LAKE_CANCELLED' });
    const result = await call('sqlRun', { sql: 'SELECT id FROM orders ORDER BY id', queryId: 'again', pageSize: 2 });
    assert.equal(result.queryId, 'again');
    assert.deepEqual(result.rows, [[1], [2]]);
    assert.equal(result.done, false);
    // Open between pages, the id is still taken.
    await assert.rejects(() => call('sqlRun', { sql: 'SELECT 1', queryId: 'again' }), { code: 'ENG_HOST_REQUEST' });
    const next = await call('sqlNext', { queryId: 'again' });
    assert.deepEqual(next.rows, [[3]]);
    assert.equal(next.done, true);
    const reused = await call('sqlRun', { sql: 'SELECT count(*) AS n FROM orders', queryId: 'again' });
    assert.deepEqual(reused.rows, [[3]]);
  });

  test('a bad query id is refused before anything runs', async () => {
    await assert.rejects(() => call('sqlRun', { sql: 'SELECT 1', queryId: 'no spaces' }), { code: 'ENG_HOST_REQUEST', message: /queryId must be a query id/ });
  });
});
