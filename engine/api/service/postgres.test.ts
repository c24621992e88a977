// PostgreSQL connections through the studio API (validated dispatch, as the hosts call it) against a real
// server: the password is stored 0600 and never returned, kept when the form leaves it out, and the
// connection test tells a good password from a bad one in plain words.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../sinks/postgres/server.ts';
import { dispatchCall } from '../dispatch.ts';
import { createStudioService } from '../service.ts';

let server: PostgresServer;
let home: string;

before(async () => {
  server = await startPostgres();
  home = mkdtempSync(join(tmpdir(), 'streamlake-api-pg-'));
});
after(() => {
  server?.destroy();
  rmSync(home, { recursive: true, force: true });
});

test('save, list, test (good and bad password), delete', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  const input = { name: 'reporting', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password };
  const saved = await call('postgresSaveConnection', { connection: input });
  assert.deepEqual(saved, { name: 'reporting', host: server.host, port: server.port, database: 'postgres', user: 'postgres', tls: 'disable', hasPassword: true });
  const file = join(home, 'postgres.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(await call('postgresConnections'), [saved]);
  assert.ok(!JSON.stringify(await call('postgresConnections')).includes(server.password));

  const good = await call('postgresTestConnection', { name: 'reporting', table: 'orders' }) as { ok: boolean; message: string };
  assert.equal(good.ok, true, good.message);
  assert.match(good.message, /^Signed in to PostgreSQL \d+/);
  // an edit that leaves the password out keeps it
  await call('postgresSaveConnection', { connection: { ...input, password: undefined } });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).connections[0].password, server.password);
  const bad = await call('postgresTestConnection', { connection: { ...input, password: 'not-it' } }) as { ok: boolean; failedAt: string; message: string };
  assert.deepEqual([bad.ok, bad.failedAt], [false, 'auth']);
  assert.match(bad.message, /rejected the password for user "postgres"/);
  // the unsaved test did not change the stored password
  assert.equal((await call('postgresTestConnection', { name: 'reporting' }) as { ok: boolean }).ok, true);

  const refused = await dispatchCall(service, 'postgresSaveConnection', { connection: { ...input, port: 70000 } });
  assert.equal(!refused.ok && refused.error.code, 'ENG_HOST_REQUEST');
  await call('postgresDeleteConnection', { name: 'reporting' });
  assert.deepEqual(await call('postgresConnections'), []);
});

test('a run into a PostgreSQL table reports its rows, commits and commit time on the sink node and in the history', async () => {
  const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
  const call = async (method: string, params?: unknown): Promise<unknown> => {
    const outcome = await dispatchCall(service, method, params);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result;
  };
  try {
    await call('postgresSaveConnection', { connection: { name: 'warehouse', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password } });
    const doc = {
      format: 'streamlake.pipeline', version: 1, name: 'api-delivery',
      nodes: [
        { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 5, count: 1234 } },
        { id: 'store', type: 'sink.postgres', config: { connection: 'warehouse', table: 'api_delivery' } },
      ],
      edges: [{ from: 'orders', to: 'store' }],
    };
    // Twice, so the second run's figures are its own and not the process-wide counters /metrics keeps.
    for (const run of [1, 2]) {
      await call('runStart', { doc, options: run === 2 ? { fresh: true } : {} });
      for (let i = 0; i < 600 && ((await call('runStatus')) as { state: string }).state !== 'finished'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const status = (await call('runStatus')) as { state: string; error?: { message: string } };
      assert.equal(status.state, 'finished', status.error?.message);
      const inTable = await (async () => {
        const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
        await client.connect();
        try {
          return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM api_delivery')).rows[0]?.n);
        } finally {
          await client.end();
        }
      })();
      assert.equal(inTable, 1234 * run, 'the generator\'s rows are in the table (the second run appends them again)');
      const metrics = (await call('runMetrics')) as { nodes: Record<string, { delivery?: { rows: number; batches: number; commits: number; commitMsTotal: number; retries: number; rejected: number } }> };
      const delivery = metrics.nodes.store?.delivery;
      assert.ok(delivery, 'the sink node carries its delivery figures');
      assert.equal(delivery.rows, 1234, `run ${run}: this run's rows only`);
      assert.ok(delivery.batches >= 1 && delivery.commits >= delivery.batches, JSON.stringify(delivery));
      assert.ok(delivery.commitMsTotal > 0);
      assert.deepEqual([delivery.retries, delivery.rejected], [0, 0]);
      assert.equal(metrics.nodes.orders?.delivery, undefined, 'a source has no delivery figures');
      const history = (await call('metricsHistory', { names: ['sink_rows', 'sink_commit_ms'] })) as { name: string; nodeId?: string; points: [number, number][] }[];
      const rows = history.find((s) => s.name === 'sink_rows' && s.nodeId === 'store');
      assert.equal(rows?.points.at(-1)?.[1], 1234);
      assert.ok(history.some((s) => s.name === 'sink_commit_ms' && s.nodeId === 'store' && s.points.length > 0));
    }
  } finally {
    await service.close();
  }
});
