// sink.postgres under kill -9: `streamlake run` (the CLI, a child process) runs a rate-limited generator
// into two PostgreSQL sinks, raw orders appended and per-minute totals upserted, with checkpoints every
// 300 ms. It is killed with SIGKILL at random moments and at the injected fault points around the sink
// commit, then run until it finishes. Both tables must then equal what the generator's events give,
// computed here in plain TypeScript: every order exactly once, every window's totals exact. A second test
// kills a file → PostgreSQL run after its first checkpoint, before the commit, while that checkpoint's
// rows are staged only as COPY text, and the restore must write exactly the input from it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { generateEvents } from '../../generator/index.ts';
import { killLoop, life } from '../testing.ts';
import { PostgresConnectionStore } from './connections.ts';
import { startPostgres, type PostgresServer } from './server.ts';

const count = 25_000;
const seed = 11;
/** Events per second; the generator spaces event times by it too. */
const rate = 2500;
const windowMs = 200;
let server: PostgresServer;
let dir: string;

before(async () => {
  server = await startPostgres();
  dir = mkdtempSync(path.join(tmpdir(), 'streamlake-pgcrash-'));
});
after(() => {
  server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function query<R>(text: string): Promise<R[]> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

test('kill -9 loop: raw and windowed PostgreSQL tables equal the generated events exactly', async () => {
  const home = path.join(dir, 'home');
  await new PostgresConnectionStore(home).save({ name: 'crash', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'pg_crash',
    nodes: [
      { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count, seed, eventsPerSecond: rate, partitions: 2 } },
      { id: 'pick', type: 'transform.map', config: { select: { order_id: 'order_id', region: 'region', amount: 'amount', event_time: 'event_time' } } },
      { id: 'raw', type: 'sink.postgres', config: { connection: 'crash', table: 'crash_orders' } },
      { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: `${windowMs}ms`, watermarkDelay: '100ms', allowedLateness: '1d', groupBy: ['region'], aggregates: { n: 'count(*)', revenue: 'sum(amount)' } } },
      { id: 'totals', type: 'sink.postgres', config: { connection: 'crash', table: 'crash_totals' } },
    ],
    edges: [{ from: 'orders', to: 'pick' }, { from: 'pick', to: 'raw' }, { from: 'pick', to: 'per_min' }, { from: 'per_min', to: 'totals' }],
  };
  const docPath = path.join(dir, 'pipeline.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake'), '--checkpoint-dir', path.join(dir, 'chk'), '--checkpoint-interval', '300ms'];

  // fault points, and kills at random moments once the CLI is up (start-up takes ~1.5 s here)
  await killLoop(args, home, ['sink.before-commit@3', 2500, 'sink.after-commit@4', 2000, 'checkpoint.after-write@2', 2200, 2600]);

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
  // the window's first emissions carry no upsert key, so the table starts without one; the first keyed batch adds it
  const unique = await query<{ n: string }>("SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'crash_totals' AND indexdef LIKE 'CREATE UNIQUE INDEX%(region, window_start)'");
  assert.equal(Number(unique[0]?.n), 1);
  const rows = await query<{ region: string; window_start: Date; n: string; revenue: number }>('SELECT region, window_start, n, revenue FROM crash_totals');
  assert.equal(rows.length, totals.size);
  for (const row of rows) {
    const t = totals.get(`${row.region}@${row.window_start.getTime()}`);
    assert.ok(t, `unexpected window ${row.region} ${row.window_start.toISOString()}`);
    assert.equal(Number(row.n), t.n);
    assert.ok(Math.abs(row.revenue - t.revenue) < 1e-6, `${row.region} ${row.window_start.toISOString()}: ${row.revenue} vs ${t.revenue}`);
  }
});

/** The record kinds of a staged file appended by staging.ts (`SLSTAGE2`, then `[u32 length][kind]…`). */
function recordKinds(bytes: Buffer): number[] {
  assert.equal(bytes.subarray(0, 8).toString(), 'SLSTAGE2');
  const kinds: number[] = [];
  for (let at = 8; at < bytes.length; at += 4 + bytes.readUInt32LE(at)) kinds.push(bytes[at + 4] as number);
  return kinds;
}

test('kill -9 after a checkpoint, before its commit: the restore writes the rows staged as COPY text, exactly once', async () => {
  const home = path.join(dir, 'home-text');
  await new PostgresConnectionStore(home).save({ name: 'crash', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
  const pieces = ['plain', 'tab\there', 'line\nbreak', 'cr\rhere', 'back\\slash', '\\N', 'ünïcødé ✓ 😀', '', 'quote"\''];
  const n = 40_000;
  const input = Array.from({ length: n }, (_, i) => ({
    id: i, name: `${pieces[i % pieces.length] as string}${i}`, amount: i % 7 === 0 ? null : (i % 3 ? i / 4 : 2 ** 52 + i), ok: i % 2 === 0,
    at: new Date(Date.UTC(1970 + (i % 900), i % 12, 1 + (i % 28), i % 24, i % 60, i % 60, i % 1000)).toISOString(),
  }));
  const file = path.join(dir, 'text.jsonl');
  writeFileSync(file, input.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline', version: 1, name: 'pg_text',
    nodes: [{ id: 'in', type: 'source.file', config: { path: file, format: 'jsonl' } }, { id: 'out', type: 'sink.postgres', config: { connection: 'crash', table: 'crash_text' } }],
    edges: [{ from: 'in', to: 'out' }],
  };
  const docPath = path.join(dir, 'text.json');
  writeFileSync(docPath, JSON.stringify(doc));
  const args = ['run', docPath, '--lake', path.join(dir, 'lake-text'), '--checkpoint-dir', path.join(dir, 'chk-text'), '--checkpoint-interval', '50ms'];

  const killed = life(args, home, 'sink.before-commit@1');
  const outcome = await killed.exit;
  assert.equal(outcome.signal, 'SIGKILL', killed.output.join(''));
  const staged = path.join(home, 'pending', 'pg_text', 'out');
  const files = readdirSync(staged).filter((f) => f.startsWith('chk-'));
  assert.equal(files.length, 1, files.join(', '));
  const kinds = recordKinds(readFileSync(path.join(staged, files[0] as string)));
  assert.ok(kinds.length > 0 && kinds.every((k) => k === 2), `every record is COPY text: ${kinds.join(',')}`);
  assert.deepEqual(await query("SELECT to_regclass('crash_text') AS t"), [{ t: null }], 'nothing was committed before the kill');

  const last = life(args, home);
  const done = await last.exit;
  assert.equal(done.code, 0, last.output.join(''));
  const rows = await query<{ id: string; name: string; amount: number | null; ok: boolean; at: Date }>('SELECT id, name, amount, ok, at FROM crash_text ORDER BY id');
  assert.equal(rows.length, n, 'every row exactly once');
  rows.forEach((row, i) => {
    const want = input[i] as (typeof input)[number];
    assert.deepEqual([Number(row.id), row.name, row.amount, row.ok, row.at.getTime()], [want.id, want.name, want.amount, want.ok, Date.parse(want.at)]);
  });
});
