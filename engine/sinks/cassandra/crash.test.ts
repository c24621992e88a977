// sink.cassandra under kill -9: `streamlake run` (the CLI, a child process) runs a rate-limited generator
// into two Cassandra sinks, raw orders appended (keyed by the sink's own row id) and per-second totals
// upserted by region and window, with checkpoints every 300 ms. It is killed with SIGKILL at random moments
// and at the injected fault points around the sink commit, then run until it finishes. Both tables must
// then equal what the generator's events give, computed here in plain TypeScript: every order exactly once,
// every window's totals exact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auth, Client, type types } from 'cassandra-driver';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { killLoop } from '../testing.ts';
import { CassandraConnectionStore } from './connections.ts';
import { startCassandra, type CassandraServer } from './server.ts';

const count = 16_000;
const seed = 11;
/** Events per second; the generator spaces event times by it too. */
const rate = 1500;
const windowMs = 1000;
let server: CassandraServer;
let client: Client;
let dir: string;

before(async () => {
  server = await startCassandra();
  client = new Client({ contactPoints: [`${server.host}:${server.port}`], localDataCenter: 'datacenter1', authProvider: new auth.PlainTextAuthProvider(server.user, server.password) });
  await client.connect();
  await client.execute("CREATE KEYSPACE crash WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-cascrash-'));
});
after(async () => {
  await client?.shutdown();
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function query(cql: string): Promise<types.Row[]> {
  const rows: types.Row[] = [];
  let pageState: string | undefined;
  do {
    const result = await client.execute(cql, [], { fetchSize: 50_000, ...(pageState ? { pageState } : {}) });
    rows.push(...result.rows);
    pageState = result.pageState;
  } while (pageState);
  return rows;
}

test('kill -9 loop: raw and windowed Cassandra tables equal the generated events exactly', async () => {
  const home = path.join(dir, 'home');
  await new CassandraConnectionStore(home).save({ name: 'crash', host: server.host, port: server.port, user: server.user, password: server.password });
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'cs_crash',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed, eventsPerSecond: rate, partitions: 2 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.cassandra', config: { connection: 'crash', keyspace: 'crash', table: 'orders' } },
      { id: 'per_sec', type: 'window.tumbling', config: { time: 'event_time', size: `${windowMs}ms`, watermarkDelay: '100ms', allowedLateness: '1d', groupBy: ['region'], aggregates: { n: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'totals', type: 'sink.cassandra', config: { connection: 'crash', keyspace: 'crash', table: 'totals', key: ['region', 'window_start'], consistency: 'QUORUM' } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }, { from: 'pick', to: 'per_sec' }, { from: 'per_sec', to: 'totals' }],
  };
  const docPath = path.join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake'), '--checkpoint-dir', path.join(dir, 'chk'), '--checkpoint-interval', '300ms'];

  // fault points, and kills at random moments once the CLI is up (start-up takes ~1.5 s here)
  await killLoop(args, home, ['sink.before-commit@3', 2500, 'cassandra.before-commit-log@3', 'sink.after-commit@4', 2000, 'cassandra.before-commit-log@2', 'checkpoint.after-write@2', 2200], 60_000);

  const events = [...generateEvents('sales_orders', { count, seed, partitions: 2, eventsPerSecond: rate })];
  const raw = await query('SELECT order_id, amount FROM crash.orders');
  assert.equal(raw.length, count, 'every order exactly once');
  const want = new Map(events.map((e) => [String(e.order_id), Number(e.amount)]));
  for (const row of raw) assert.equal(row.amount, want.get(String(row.order_id)), String(row.order_id));
  assert.equal(new Set(raw.map((r) => String(r.order_id))).size, count);

  const totals = new Map<string, { n: number; revenue: number }>();
  for (const e of events) {
    const key = `${String(e.region)}@${Math.floor((e.event_time as Date).getTime() / windowMs) * windowMs}`;
    const t = totals.get(key) ?? { n: 0, revenue: 0 };
    t.n += 1;
    t.revenue += Number(e.amount);
    totals.set(key, t);
  }
  const rows = await query('SELECT region, window_start, n, revenue FROM crash.totals');
  assert.equal(rows.length, totals.size);
  for (const row of rows) {
    const t = totals.get(`${String(row.region)}@${(row.window_start as Date).getTime()}`);
    assert.ok(t, `unexpected window ${String(row.region)} ${String(row.window_start)}`);
    assert.equal(Number(row.n), t.n);
    assert.ok(Math.abs(Number(row.revenue) - t.revenue) < 1e-6, `${String(row.region)}: ${String(row.revenue)} vs ${t.revenue}`);
  }
});
