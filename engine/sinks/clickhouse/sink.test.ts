// sink.clickhouse against a real ClickHouse server (Debian's clickhouse-server, 18.16 on bookworm, started
// here). Every expectation is computed from the input file in plain TypeScript. Windowed tables are read
// the way engine/sinks/README.md tells readers to: FINAL, without tombstones.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import type { RunEvent } from '../../runtime/run.ts';
import type { NodeContext, Row } from '../../runtime/types.ts';
import { sinkMetricsText } from '../metrics.ts';
import { fileDoc, jsonl, runDoc } from '../testing.ts';
import { ClickHouseConnectionStore } from './connections.ts';
import { clickhouse, clickhouseJson } from './http.ts';
import { startClickHouse, type ClickHouseServer } from './server.ts';
import { ClickHouseSink } from './sink.ts';

let server: ClickHouseServer;
const temps: string[] = [];
let home: string;

before(async () => {
  server = await startClickHouse();
  home = temp();
  await new ClickHouseConnectionStore(home).save({ name: 'test', url: server.url, user: server.user, password: server.password });
});

after(async () => {
  await server?.destroy();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-chsink-'));
  temps.push(dir);
  return dir;
}

const ep = (): { url: string; user: string; password: string } => ({ url: server.url, user: server.user, password: server.password });
const query = <R>(sql: string): Promise<R[]> => clickhouseJson<R>(ep(), sql);

function doc(name: string, file: string, middle: NodeSpec[], sink: Partial<{ table: string; retries: number }> = {}, extra: NodeSpec[] = [], edges: PipelineDoc['edges'] = []): PipelineDoc {
  return fileDoc(name, file, middle, { id: 'ch', type: 'sink.clickhouse', config: { connection: 'test', table: sink.table ?? name, ...(sink.retries === undefined ? {} : { retries: sink.retries }) } }, extra, edges);
}

const run = (d: PipelineDoc, checkpointDir: string, opts: { interval?: number; onEvent?: (e: RunEvent) => void } = {}) => runDoc(d, home, checkpointDir, opts);

test('append: every row once with its values, new columns added when events grow, a rerun adds nothing', async () => {
  const texts = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', "quote\"'", 'ünïcødé ✓', ''];
  const input: Row[] = Array.from({ length: 6000 }, (_, i) => ({
    id: i, name: texts[i % texts.length] as string, amount: i % 3 === 0 ? null : i * 1.25, ok: i % 2 === 0,
    tags: i % 5 === 0 ? ['a', { b: i }] : null, at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  }));
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(input));
  const d = doc('append_rt', file, []);
  const chk = path.join(dir, 'chk');
  const first = await run(d, chk);
  assert.equal(first.summary.status, 'finished', JSON.stringify(first.summary.error));
  const more: Row[] = Array.from({ length: 500 }, (_, i) => ({ id: 6000 + i, name: 'grown', amount: 1.5, ok: true, tags: null, at: new Date(Date.UTC(2026, 1, 1)).toISOString(), note: `n${i}` }));
  appendFileSync(file, jsonl(more));
  { const again = await run(d, chk); assert.equal(again.summary.status, "finished", JSON.stringify(again.summary.error)); }
  { const again = await run(d, chk); assert.equal(again.summary.status, "finished", JSON.stringify(again.summary.error)); }
  const rows = await query<{ id: string; name: string; amount: number | null; ok: number; tags: string | null; at: string; note: string | null }>('SELECT id, name, amount, ok, tags, at, note FROM append_rt ORDER BY id');
  const all = [...input, ...more];
  assert.equal(rows.length, all.length);
  rows.forEach((row, i) => {
    const want = all[i] as Row;
    assert.equal(Number(row.id), want.id);
    assert.equal(row.name, want.name);
    assert.equal(row.amount, want.amount);
    assert.equal(row.ok, want.ok ? 1 : 0);
    assert.deepEqual(row.tags === null ? null : JSON.parse(row.tags), want.tags);
    // DateTime holds whole seconds (18.16 has no DateTime64); these inputs are whole seconds
    assert.equal(Date.parse(`${row.at.replace(' ', 'T')}Z`), Date.parse(want.at as string));
    assert.equal(row.note, want.note ?? null);
  });
  const types = await query<{ name: string; type: string }>("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'append_rt'");
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.name, t.type])), {
    id: 'Nullable(Int64)', name: 'Nullable(String)', amount: 'Nullable(Float64)', ok: 'Nullable(UInt8)', tags: 'Nullable(String)',
    at: "Nullable(DateTime('UTC'))", _streamlake_batch: 'String', note: 'Nullable(String)',
  });
  const commits = await query<{ n: string }>("SELECT count() AS n FROM streamlake_commits WHERE pipeline = 'append_rt'");
  assert.match(sinkMetricsText('append_rt'), new RegExp(`^streamlake_sink_rows_total\\{[^}]*sink="clickhouse"\\} ${all.length}$`, 'm'));
  assert.match(sinkMetricsText('append_rt'), new RegExp(`^streamlake_sink_batches_total\\{[^}]*\\} ${Number(commits[0]?.n)}$`, 'm'));
});

test('windowed upsert: one row per window and region (FINAL), equal to a plain computation, late updates applied', async () => {
  const regions = ['eu', 'us', 'apac', 'latam'];
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const base = Date.UTC(2026, 0, 1);
  const events: Row[] = [];
  for (let i = 0; i < 30_000; i++) {
    const ts = base + i * 100 - (i % 50 === 0 ? 90_000 : Math.floor(random() * 2000));
    events.push({ region: regions[Math.floor(random() * regions.length)], amount: Math.floor(random() * 1000), ts: Math.max(base, ts) });
  }
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(events));
  const d = doc('window_rt', file, [
    { id: 'w', type: 'window.tumbling', config: { time: 'ts', size: '1m', watermarkDelay: '3s', allowedLateness: '10m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)' } } },
  ]);
  const { summary } = await run(d, path.join(dir, 'chk'), { interval: 20 });
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.equal(summary.nodes.w?.late, 0);
  const expected = new Map<string, { n: number; total: number }>();
  for (const e of events) {
    const key = `${String(e.region)}@${Math.floor((e.ts as number) / 60_000) * 60_000}`;
    const had = expected.get(key) ?? { n: 0, total: 0 };
    had.n += 1;
    had.total += e.amount as number;
    expected.set(key, had);
  }
  const rows = await query<{ region: string; window_start: string; n: string; total: string }>('SELECT region, window_start, n, total FROM window_rt FINAL WHERE _deleted = 0');
  assert.equal(rows.length, expected.size);
  for (const row of rows) {
    const want = expected.get(`${row.region}@${Date.parse(`${row.window_start.replace(' ', 'T')}Z`)}`);
    assert.ok(want, `unexpected window ${row.region} ${row.window_start}`);
    assert.equal(Number(row.n), want.n);
    assert.equal(Number(row.total), want.total);
  }
  // argMax gives the same answer without FINAL
  const viaArgMax = await query<{ k: string }>('SELECT count() AS k FROM (SELECT region, window_start, argMax(n, _version) AS n FROM window_rt GROUP BY region, window_start HAVING argMax(_deleted, _version) = 0)');
  assert.equal(Number(viaArgMax[0]?.k), expected.size);
  const engine = await query<{ engine: string }>("SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'window_rt'");
  assert.equal(engine[0]?.engine, 'ReplacingMergeTree');
});

test('without a "key" setting, the key the graph gives makes the first commit of unkeyed first emissions a ReplacingMergeTree that a re-emit updates', async () => {
  const ctx: NodeContext = {
    nodeId: 'ch', pipelineName: 'derived', clock: systemClock, timers: systemTimers, lakeDir: home, homeDir: home, upsertKey: ['region', 'window_start'],
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal, log: () => undefined,
  };
  const sink = new ClickHouseSink({ connection: 'test', table: 'derived_key' }, ctx);
  const at = (m: number): Date => new Date(Date.UTC(2026, 0, 1, 0, m));
  // a window's first emission: no Batch.upsertKey
  await sink.write({ rows: [{ region: 'eu', window_start: at(0), window_end: at(1), n: 2 }, { region: 'us', window_start: at(0), window_end: at(1), n: 1 }], partition: 'w' });
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  const engine = await query<{ engine: string }>("SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'derived_key'");
  assert.equal(engine[0]?.engine, 'ReplacingMergeTree');
  // a late event re-emits eu's window
  await sink.write({ rows: [{ region: 'eu', window_start: at(0), window_end: at(1), n: 3 }], partition: 'w', upsertKey: ['region', 'window_start'] });
  await sink.commit({ id: 2, sources: {} }, await sink.prepare({ id: 2, sources: {} }));
  const rows = await query<{ region: string; n: string }>('SELECT region, n FROM derived_key FINAL WHERE _deleted = 0 ORDER BY region');
  assert.deepEqual(rows.map((r) => [r.region, Number(r.n)]), [['eu', 3], ['us', 1]]);
  await sink.close();
});

test('session retraction: a late event merging two committed sessions leaves one row (tombstones for the old keys)', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const m = 60_000;
  const base = Date.UTC(2026, 0, 1);
  writeFileSync(file, jsonl([{ user: 'a', ts: base }, { user: 'a', ts: base + 8 * m }, { user: 'b', ts: base + 11 * m }, { user: 'c', ts: base + 40 * m }]));
  const d = doc('session_rt', file, [
    { id: 's', type: 'window.session', config: { time: 'ts', gap: '5m', watermarkDelay: '0s', allowedLateness: '1h', groupBy: ['user'], aggregates: { n: 'count(*)' } } },
  ]);
  const chk = path.join(dir, 'chk');
  { const again = await run(d, chk); assert.equal(again.summary.status, "finished", JSON.stringify(again.summary.error)); }
  const live = 'SELECT user, window_start, window_end, n FROM session_rt FINAL WHERE _deleted = 0 ORDER BY user, window_start';
  assert.deepEqual((await query<{ user: string; n: string }>(live)).filter((r) => r.user === 'a').map((r) => Number(r.n)), [1, 1]);
  appendFileSync(file, jsonl([{ user: 'a', ts: base + 4 * m }, { user: 'd', ts: base + 90 * m }]));
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const rows = await query<{ user: string; window_start: string; window_end: string; n: string }>(live);
  assert.deepEqual(rows.map((r) => [r.user, r.window_start, r.window_end, Number(r.n)]), [
    ['a', '2026-01-01 00:00:00', '2026-01-01 00:13:00', 3],
    ['b', '2026-01-01 00:11:00', '2026-01-01 00:16:00', 1],
    ['c', '2026-01-01 00:40:00', '2026-01-01 00:45:00', 1],
    ['d', '2026-01-01 01:30:00', '2026-01-01 01:35:00', 1],
  ]);
});

test('values the table cannot take go to the error port with the server message; the other rows are written', async () => {
  await clickhouse(ep(), 'CREATE TABLE typed (id Int64, code FixedString(3), amount Nullable(Int32), _streamlake_batch String) ENGINE = MergeTree ORDER BY id');
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const input: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i, code: i % 100 === 7 ? 'toolong' : 'ok', amount: i % 100 === 42 ? 'abc' : i }));
  writeFileSync(file, jsonl(input));
  const d = doc('typed', file, [], {}, [{ id: 'dead', type: 'sink.preview', config: { capacity: 1000 } }], [{ from: 'ch', port: 'error', to: 'dead' }]);
  const { summary, r } = await run(d, path.join(dir, 'chk'));
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const bad = input.filter((row) => row.code === 'toolong' || row.amount === 'abc');
  const dead = r.preview('dead', 'out', 1000);
  assert.equal(dead.length, bad.length, JSON.stringify(dead.slice(0, 2)));
  for (const x of dead) assert.match(String(x.reason), /^ClickHouse refused the row for typed: .+ \(code \d+\)$/);
  assert.equal(dead.filter((x) => /too large for FixedString|Too large value for FixedString/i.test(String(x.reason))).length, 3, JSON.stringify(dead.map((x) => x.reason)));
  assert.deepEqual(dead.map((x) => (x.payload as Row).id).sort((p, q) => Number(p) - Number(q)), bad.map((row) => row.id));
  const ids = (await query<{ id: string }>('SELECT id FROM typed ORDER BY id')).map((x) => Number(x.id));
  assert.deepEqual(ids, input.filter((row) => !bad.includes(row)).map((row) => row.id));
  assert.equal(summary.nodes.ch?.errors, bad.length);
});

test('server killed mid-run: a clear failure, then a restart resumes with nothing lost or repeated', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const n = 300_000;
  writeFileSync(file, jsonl(Array.from({ length: n }, (_, i) => ({ id: i, v: `row ${i}` }))));
  const d = doc('outage', file, [], { retries: 2 });
  const chk = path.join(dir, 'chk');
  let stopping: Promise<void> | null = null;
  const one = await run(d, chk, {
    interval: 10,
    onEvent: (e) => {
      if (e.type === 'checkpoint' && e.checkpointId >= 1 && !stopping) stopping = server.stop();
    },
  });
  assert.ok(stopping, 'the run ended before its first checkpoint');
  await stopping;
  await server.start();
  assert.equal(one.summary.status, 'failed');
  assert.equal(one.summary.error?.code, 'ENG_CLICKHOUSE_UNAVAILABLE', JSON.stringify(one.summary.error));
  assert.match(one.summary.error?.message ?? '', /did not answer after 3 attempts/);
  // the kill may come before the first rows (and the table) reached the server
  const midway = await query<{ n: string }>("SELECT count() AS n FROM outage").catch(() => [{ n: '0' }]);
  assert.ok(Number(midway[0]?.n) < n, 'the outage came after every row was written');
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const stats = await query<{ n: string; d: string; lo: string; hi: string }>('SELECT count() AS n, uniqExact(id) AS d, min(id) AS lo, max(id) AS hi FROM outage');
  assert.deepEqual(stats[0], { n: String(n), d: String(n), lo: '0', hi: String(n - 1) });
});

function context(pipeline: string, dir: string, logs: string[] = []): NodeContext {
  return {
    nodeId: 'ch', pipelineName: pipeline, clock: systemClock, timers: systemTimers, lakeDir: dir, homeDir: dir,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal, log: (_level, message) => { logs.push(message); },
  };
}

test('restore from staged RowBinary: the bytes go as they are; a table of other types gets the rows read back exactly (refused ones to the error port as written)', async () => {
  const rows = (from: number): Row[] => Array.from({ length: 500 }, (_, k) => {
    const i = from + k;
    return { id: i, code: i % 97 === 5 ? 'toolong' : `c${i % 10}`, amount: i % 7 === 0 ? null : i / 4, ok: i % 2 === 0, at: new Date(Date.UTC(2026, 0, 1) + i * 1234), note: i % 3 === 0 ? 'ünï\t"x"' : '' };
  });
  // the second table exists with a FixedString column: the staged RowBinary (String) has no plan for it
  await clickhouse(ep(), "CREATE TABLE restored_typed (id Nullable(Int64), code Nullable(FixedString(3)), amount Nullable(Float64), ok Nullable(UInt8), at Nullable(DateTime('UTC')), note Nullable(String), _streamlake_batch String) ENGINE = MergeTree ORDER BY tuple()");
  for (const table of ['restored_plain', 'restored_typed']) {
    const dir = temp();
    const input = [...rows(0), ...rows(500)];
    const first = new ClickHouseSink({ connection: 'x', table }, context(table, dir), { connection: { name: 'x', ...ep() } });
    await first.write({ rows: input.slice(0, 500), partition: 'p' });
    await first.write({ rows: input.slice(500), partition: 'p' });
    const pending = await first.prepare({ id: 1, sources: {} });
    await first.close(); // a crash after the checkpoint: its stage is gone, the staging file stays
    const logs: string[] = [];
    const second = new ClickHouseSink({ connection: 'x', table }, context(table, dir, logs), { connection: { name: 'x', ...ep() } });
    await second.commit({ id: 1, sources: {} }, pending);
    assert.equal(logs.some((m) => m.includes('checkpoint 1 written from its staged RowBinary (1000 rows)')), table === 'restored_plain', logs.join('\n'));
    const dead = second.rejected();
    const bad = table === 'restored_typed' ? input.filter((r) => r.code === 'toolong') : [];
    assert.equal(dead.length, bad.length);
    // refused rows leave exactly as they were written (Dates with their milliseconds)
    assert.deepStrictEqual(dead.map((d) => d.payload), bad);
    const got = await query<{ id: string; code: string; amount: number | null; ok: number; at: string; note: string }>(`SELECT id, code, amount, ok, at, note FROM ${table} ORDER BY id`);
    const want = input.filter((r) => !bad.includes(r));
    assert.equal(got.length, want.length, table);
    got.forEach((g, n) => {
      const w = want[n] as Row;
      assert.deepEqual([Number(g.id), g.code.replace(/\0+$/, ''), g.amount, g.ok, g.at, g.note], [w.id, w.code, w.amount, w.ok ? 1 : 0, (w.at as Date).toISOString().slice(0, 19).replace('T', ' '), w.note], `${table} row ${n}`);
    });
    const stages = await query<{ name: string }>(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '${table}_streamlake_stage_%'`);
    assert.deepEqual(stages, []);
    await second.close();
  }
});
