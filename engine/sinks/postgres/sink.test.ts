// sink.postgres against a real PostgreSQL server (Debian's postgresql, a throwaway cluster started here).
// Every expectation is computed from the input file in plain TypeScript, never from an earlier run.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import type { RunEvent } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import { sinkMetricsText } from '../metrics.ts';
import { fileDoc, jsonl, runDoc } from '../testing.ts';
import { PostgresConnectionStore } from './connections.ts';
import { startPostgres, type PostgresServer } from './server.ts';

let server: PostgresServer;
const temps: string[] = [];
let home: string;

before(async () => {
  server = await startPostgres();
  home = temp();
  await new PostgresConnectionStore(home).save({ name: 'test', host: server.host, port: server.port, database: server.database, user: server.user, password: server.password });
});

after(() => {
  server?.destroy();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-pgsink-'));
  temps.push(dir);
  return dir;
}

async function query<R = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function doc(name: string, file: string, middle: NodeSpec[], sink: Partial<{ table: string; retries: number }>, extra: NodeSpec[] = [], edges: PipelineDoc['edges'] = []): PipelineDoc {
  return fileDoc(name, file, middle, { id: 'pg', type: 'sink.postgres', config: { connection: 'test', table: sink.table ?? name, ...(sink.retries === undefined ? {} : { retries: sink.retries }) } }, extra, edges);
}

const run = (d: PipelineDoc, checkpointDir: string, opts: { interval?: number; onEvent?: (e: RunEvent) => void } = {}) => runDoc(d, home, checkpointDir, opts);

test('append: every row once with its values, new columns added when events grow, a rerun adds nothing', async () => {
  const nasty = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', 'quote"\'', 'ünïcødé ✓', '\\N', ''];
  const input: Row[] = Array.from({ length: 6000 }, (_, i) => ({
    id: i, name: nasty[i % nasty.length] as string, amount: i % 3 === 0 ? null : i * 1.25, ok: i % 2 === 0,
    tags: i % 5 === 0 ? ['a', { b: i }] : null, at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  }));
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(input));
  const d = doc('append_rt', file, [], {});
  const chk = path.join(dir, 'chk');
  const first = await run(d, chk);
  assert.equal(first.summary.status, 'finished', JSON.stringify(first.summary.error));
  // grown events: a new field appears
  const more: Row[] = Array.from({ length: 500 }, (_, i) => ({ id: 6000 + i, name: 'grown', amount: 1, ok: true, tags: null, at: new Date(Date.UTC(2026, 1, 1)).toISOString(), note: `n${i}` }));
  appendFileSync(file, jsonl(more));
  const second = await run(d, chk);
  assert.equal(second.summary.status, 'finished', JSON.stringify(second.summary.error));
  const third = await run(d, chk);
  assert.equal(third.summary.status, 'finished');
  const rows = await query<{ id: string; name: string; amount: number | null; ok: boolean; tags: unknown; at: Date; note: string | null }>('SELECT * FROM append_rt ORDER BY id');
  const all = [...input, ...more];
  assert.equal(rows.length, all.length);
  rows.forEach((row, i) => {
    const want = all[i] as Row;
    assert.equal(Number(row.id), want.id);
    assert.equal(row.name, want.name);
    assert.equal(row.amount, want.amount);
    assert.equal(row.ok, want.ok);
    assert.deepEqual(row.tags, want.tags);
    assert.equal(row.at.getTime(), Date.parse(want.at as string));
    assert.equal(row.note, want.note ?? null);
  });
  const types = await query<{ column_name: string; data_type: string }>("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'append_rt'");
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.data_type])), {
    id: 'bigint', name: 'text', amount: 'double precision', ok: 'boolean', tags: 'jsonb', at: 'timestamp with time zone', note: 'text',
  });
  const commits = await query<{ n: string }>("SELECT count(*) AS n FROM streamlake_commits WHERE pipeline = 'append_rt' AND node = 'pg'");
  assert.ok(Number(commits[0]?.n) >= 2);
  // /metrics: rows and transactions equal what the server holds
  const metrics = sinkMetricsText('append_rt');
  assert.match(metrics, new RegExp(`^streamlake_sink_rows_total\\{pipeline="append_rt",node="pg",sink="postgres"\\} ${all.length}$`, 'm'));
  assert.match(metrics, new RegExp(`^streamlake_sink_batches_total\\{[^}]*\\} ${Number(commits[0]?.n)}$`, 'm'));
  // commit calls include restores that found their checkpoint already committed
  assert.ok(Number(/^streamlake_sink_commit_seconds_count\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]) >= Number(commits[0]?.n));
});

/** Final (region, window_start) → count and sum, computed from the events in plain TypeScript. */
function tumbling(events: readonly Row[], sizeMs: number): Map<string, { n: number; total: number }> {
  const out = new Map<string, { n: number; total: number }>();
  for (const e of events) {
    const key = `${String(e.region)}@${Math.floor((e.ts as number) / sizeMs) * sizeMs}`;
    const had = out.get(key) ?? { n: 0, total: 0 };
    had.n += 1;
    had.total += e.amount as number;
    out.set(key, had);
  }
  return out;
}

test('windowed upsert: one row per window and region, equal to a plain computation, late updates applied', async () => {
  const regions = ['eu', 'us', 'apac', 'latam'];
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const base = Date.UTC(2026, 0, 1);
  const events: Row[] = [];
  for (let i = 0; i < 30_000; i++) {
    // mostly in order; every 50th event 90 s late (within allowedLateness, beyond the watermark delay)
    const ts = base + i * 100 - (i % 50 === 0 ? 90_000 : Math.floor(random() * 2000));
    events.push({ region: regions[Math.floor(random() * regions.length)], amount: Math.floor(random() * 1000), ts: Math.max(base, ts) });
  }
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(events));
  const d = doc('window_rt', file, [
    { id: 'w', type: 'window.tumbling', config: { time: 'ts', size: '1m', watermarkDelay: '3s', allowedLateness: '10m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)' } } },
  ], {});
  const { summary } = await run(d, path.join(dir, 'chk'), { interval: 20 });
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.equal(summary.nodes.w?.late, 0);
  const expected = tumbling(events, 60_000);
  const rows = await query<{ region: string; window_start: Date; n: string; total: string }>('SELECT region, window_start, n, total FROM window_rt');
  assert.equal(rows.length, expected.size);
  for (const row of rows) {
    const want = expected.get(`${row.region}@${row.window_start.getTime()}`);
    assert.ok(want, `unexpected window ${row.region} ${row.window_start.toISOString()}`);
    assert.equal(Number(row.n), want.n);
    assert.equal(Number(row.total), want.total);
  }
  const pk = await query<{ n: string }>("SELECT count(*) AS n FROM information_schema.table_constraints WHERE table_name = 'window_rt' AND constraint_type = 'PRIMARY KEY'");
  assert.equal(Number(pk[0]?.n), 1);
});

test('session retraction: a late event merging two committed sessions deletes their rows in the same transaction', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const m = 60_000;
  const base = Date.UTC(2026, 0, 1);
  const first: Row[] = [
    { user: 'a', ts: base }, { user: 'a', ts: base + 8 * m }, { user: 'b', ts: base + 11 * m }, { user: 'c', ts: base + 40 * m },
  ];
  writeFileSync(file, jsonl(first));
  const d = doc('session_rt', file, [
    { id: 's', type: 'window.session', config: { time: 'ts', gap: '5m', watermarkDelay: '0s', allowedLateness: '1h', groupBy: ['user'], aggregates: { n: 'count(*)' } } },
  ], {});
  const chk = path.join(dir, 'chk');
  const one = await run(d, chk);
  assert.equal(one.summary.status, 'finished', JSON.stringify(one.summary.error));
  const before = await query<{ user: string; n: string }>('SELECT "user", n FROM session_rt ORDER BY "user", window_start');
  // a's two sessions are separate and committed (c's session may still be open or emitted at the end)
  assert.deepEqual(before.filter((r) => r.user === 'a').map((r) => Number(r.n)), [1, 1]);
  // the late event at +4m bridges a's sessions [0, 5m) and [8m, 13m) into one
  appendFileSync(file, jsonl([{ user: 'a', ts: base + 4 * m }, { user: 'd', ts: base + 90 * m }]));
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const rows = await query<{ user: string; window_start: Date; window_end: Date; n: string }>('SELECT "user", window_start, window_end, n FROM session_rt ORDER BY "user", window_start');
  const a = rows.filter((r) => r.user === 'a');
  assert.equal(a.length, 1, JSON.stringify(rows));
  assert.equal(Number(a[0]?.n), 3);
  assert.equal(a[0]?.window_start.getTime(), base);
  assert.equal(a[0]?.window_end.getTime(), base + 13 * m);
  assert.deepEqual(rows.filter((r) => r.user !== 'a').map((r) => [r.user, Number(r.n)]), [['b', 1], ['c', 1], ['d', 1]]);
});

test('values the table cannot take go to the error port with the server message; the other rows are written', async () => {
  await query('CREATE TABLE typed (id bigint, code varchar(3), amount integer)');
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const input: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i, code: i % 100 === 7 ? 'toolong' : 'ok', amount: i % 100 === 42 ? 'abc' : i }));
  writeFileSync(file, jsonl(input));
  const d = doc('typed', file, [], {}, [{ id: 'dead', type: 'sink.preview', config: { capacity: 1000 } }], [{ from: 'pg', port: 'error', to: 'dead' }]);
  const { summary, r } = await run(d, path.join(dir, 'chk'));
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const bad = input.filter((row) => row.code === 'toolong' || row.amount === 'abc');
  const dead = r.preview('dead', 'out', 1000);
  assert.equal(dead.length, bad.length);
  const reasons = dead.map((x) => String(x.reason));
  assert.equal(reasons.filter((t) => t.includes('value too long for type character varying(3)')).length, 3);
  assert.equal(reasons.filter((t) => t.includes('invalid input syntax for type integer: "abc"')).length, 3);
  assert.deepEqual(dead.map((x) => (x.payload as Row).id).sort((p, q) => Number(p) - Number(q)), bad.map((row) => row.id));
  const ids = (await query<{ id: string }>('SELECT id FROM typed ORDER BY id')).map((x) => Number(x.id));
  assert.deepEqual(ids, input.filter((row) => !bad.includes(row)).map((row) => row.id));
  assert.equal(summary.nodes.pg?.errors, bad.length);
});

test('server stopped mid-run: a clear failure, then a restart resumes with nothing lost or repeated', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const n = 300_000;
  writeFileSync(file, jsonl(Array.from({ length: n }, (_, i) => ({ id: i, v: `row ${i}` }))));
  const d = doc('outage', file, [], { retries: 2 });
  const chk = path.join(dir, 'chk');
  let stopped = false;
  const one = await run(d, chk, {
    interval: 10,
    onEvent: (e) => {
      if (e.type === 'checkpoint' && e.checkpointId >= 1 && !stopped) {
        stopped = true;
        server.stop();
      }
    },
  });
  server.start();
  assert.ok(stopped, 'the run ended before its first checkpoint');
  assert.equal(one.summary.status, 'failed');
  assert.equal(one.summary.error?.code, 'ENG_POSTGRES_UNAVAILABLE', JSON.stringify(one.summary.error));
  assert.match(one.summary.error?.message ?? '', /did not answer after 3 attempts/);
  assert.match(sinkMetricsText('outage'), /^streamlake_sink_retries_total\{[^}]*\} 2$/m);
  // the stop may come before the first rows (and the table) reached the server
  const midway = await query<{ n: string }>('SELECT count(*) AS n FROM outage').catch(() => [{ n: '0' }]);
  assert.ok(Number(midway[0]?.n) < n, 'the outage came after every row was written');
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const stats = await query<{ n: string; d: string; lo: string; hi: string }>('SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM outage');
  assert.deepEqual(stats[0], { n: String(n), d: String(n), lo: '0', hi: String(n - 1) });
});
