// sink.clickhouse under kill -9: `streamlake run` (the CLI, a child process) runs a rate-limited generator
// into two ClickHouse sinks, raw orders appended and per-second totals upserted (read with FINAL), with checkpoints every
// 300 ms. It is killed with SIGKILL at random moments and at the injected fault points around the sink
// commit and while appends stream into their stage table, then run until it finishes. Both tables must then equal what the generator's events give,
// computed here in plain TypeScript: every order exactly once, every window's totals exact.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { Staging } from '../staging.ts';
import { CODEC_NAME, rowBinaryCodec } from './codec.ts';
import { killLoop, life } from '../testing.ts';
import { ClickHouseConnectionStore } from './connections.ts';
import { clickhouseJson } from './http.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';

const count = 40_000;
const seed = 11;
/** Events per second; the generator spaces event times by it too. */
const rate = 2500;
/** Whole seconds: DateTime on ClickHouse 18.16 has no sub-second part. */
const windowMs = 1000;
let server: ClickHouseServer;
let dir: string;

before(async () => {
  server = await startClickHouse();
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-chcrash-'));
});
after(async () => {
  await server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const query = <R>(sql: string): Promise<R[]> => clickhouseJson<R>({ url: server.url, user: server.user, password: server.password }, sql);

test('kill -9 loop: raw and windowed ClickHouse tables equal the generated events exactly', async () => {
  const home = path.join(dir, 'home');
  await new ClickHouseConnectionStore(home).save({ name: 'crash', url: server.url, user: server.user, password: server.password });
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'ch_crash',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed, eventsPerSecond: rate, partitions: 2 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.clickhouse', config: { connection: 'crash', table: 'crash_orders' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: `${windowMs}ms`, watermarkDelay: '100ms', allowedLateness: '1d', groupBy: ['region'], aggregates: { n: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'totals', type: 'sink.clickhouse', config: { connection: 'crash', table: 'crash_totals', key: ['region', 'window_start'] } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }, { from: 'pick', to: 'per_min' }, { from: 'per_min', to: 'totals' }],
  };
  const docPath = path.join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake'), '--checkpoint-dir', path.join(dir, 'chk'), '--checkpoint-interval', '300ms'];

  // fault points, and kills at random moments once the CLI is up (start-up takes ~1.5 s here)
  await killLoop(args, home, ['sink.before-commit@3', 2500, 'clickhouse.before-commit-log@3', 'clickhouse.mid-stream@4', 'clickhouse.before-attach@2', 'sink.after-commit@4', 2000, 'clickhouse.before-commit-log@2', 'checkpoint.after-write@2', 'clickhouse.mid-stream@2', 2200, 2600]);

  // stage tables the killed lives left behind were dropped by the last one
  const stages = await query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%streamlake_stage%'");
  assert.deepEqual(stages, []);

  const events = [...generateEvents('sales_orders', { count, seed, partitions: 2, eventsPerSecond: rate })];
  const raw = await query<{ order_id: string; amount: number }>('SELECT order_id, amount FROM crash_orders');
  assert.equal(raw.length, count, 'every order exactly once');
  const want = new Map(events.map((e) => [String(e.order_id), Number(e.amount)]));
  for (const row of raw) assert.equal(row.amount, want.get(row.order_id), row.order_id);
  assert.equal(new Set(raw.map((r) => r.order_id)).size, count);

  const totals = new Map<string, { n: number; revenue: number }>();
  for (const e of events) {
    const key = `${String(e.region)}@${Math.floor((e.event_time as Date).getTime() / windowMs) * windowMs}`;
    const t = totals.get(key) ?? { n: 0, revenue: 0 };
    t.n += 1;
    t.revenue += Number(e.amount);
    totals.set(key, t);
  }
  const rows = await query<{ region: string; window_start: string; n: string; revenue: number }>('SELECT region, window_start, n, revenue FROM crash_totals FINAL WHERE _deleted = 0');
  assert.equal(rows.length, totals.size);
  for (const row of rows) {
    const t = totals.get(`${row.region}@${Date.parse(`${row.window_start.replace(' ', 'T')}Z`)}`);
    assert.ok(t, `unexpected window ${row.region} ${row.window_start}`);
    assert.equal(Number(row.n), t.n);
    assert.ok(Math.abs(row.revenue - t.revenue) < 1e-6, `${row.region} ${row.window_start}: ${row.revenue} vs ${t.revenue}`);
  }
});

test('killed before its first commit: the staged file holds RowBinary, and the restart writes every input row exactly once', async () => {
  const home = path.join(dir, 'home-staged');
  const n = 6000;
  await new ClickHouseConnectionStore(home).save({ name: 'crash', url: server.url, user: server.user, password: server.password });
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'ch_staged',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: n, seed: 5, eventsPerSecond: 20_000, partitions: 1 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', quantity: 'quantity', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.clickhouse', config: { connection: 'crash', table: 'staged_orders' } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }],
  };
  const docPath = path.join(dir, 'staged.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake-staged'), '--checkpoint-dir', path.join(dir, 'chk-staged'), '--checkpoint-interval', '300ms'];
  const first = life(args, home, 'sink.before-commit@1');
  const timer = setTimeout(first.kill, 60_000);
  const died = await first.exit;
  clearTimeout(timer);
  assert.equal(died.signal, 'SIGKILL', first.output.join(''));
  assert.deepEqual(await query('SELECT count() AS n FROM system.tables WHERE name = \'staged_orders\''), [{ n: '0' }], 'nothing committed before the kill');

  const folder = path.join(home, 'pending', 'ch_staged', 'raw');
  const files = readdirSync(folder).filter((f) => f.startsWith('chk-1-'));
  assert.equal(files.length, 1, readdirSync(folder).join(', '));
  const staged = readFileSync(path.join(folder, files[0] as string));
  assert.equal(staged.subarray(0, 8).toString(), 'SLSTAGE2');
  assert.ok(staged.includes(Buffer.from(`"codec":"${CODEC_NAME}"`)), 'the appends are staged as RowBinary records');
  // every record is RowBinary (no v8 rows): the restore sends these bytes as they are (sink commitStaged)
  const kinds: number[] = [];
  let rows = 0;
  for (let at = 8; at < staged.length; at += 4 + staged.readUInt32LE(at)) {
    kinds.push(staged[at + 4] as number);
    const length = staged.readUInt32LE(at + 5);
    rows += (JSON.parse(staged.toString('utf8', at + 9, at + 9 + length)) as { rows: number }).rows;
  }
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 2), `records of kinds ${kinds.join(',')}`);
  const file = path.join(folder, files[0] as string);
  const records = await new Staging(home, 'ch_staged', 'raw', rowBinaryCodec).readEncoded({ id: 1, file, rows }, 'raw');
  assert.equal(records?.length, kinds.length);

  const last = life(args, home);
  const outcome = await last.exit;
  assert.equal(outcome.code, 0, last.output.join(''));
  const events = [...generateEvents('sales_orders', { count: n, seed: 5, partitions: 1, eventsPerSecond: 20_000 })];
  const sum = (xs: readonly unknown[]): number => xs.reduce<number>((a, x) => a + (typeof x === 'number' ? x : 0), 0);
  const [got] = await query<{ n: string; ids: string; amount: number; quantity: string }>('SELECT count() AS n, uniqExact(order_id) AS ids, sum(amount) AS amount, sum(quantity) AS quantity FROM staged_orders');
  assert.equal(Number(got?.n), events.length, 'every input row exactly once');
  assert.equal(Number(got?.ids), new Set(events.map((e) => e.order_id)).size);
  assert.ok(Math.abs((got?.amount ?? 0) - sum(events.map((e) => e.amount))) < 1e-6, `amount ${got?.amount}`);
  assert.equal(Number(got?.quantity), sum(events.map((e) => e.quantity)));
});
