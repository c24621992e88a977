// sink.cassandra against a real Apache Cassandra 5.0 (cassandra-all from Maven Central, started here with
// PasswordAuthenticator). Every expectation is computed from the input file in plain TypeScript and read
// back with the driver.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { auth, Client, type types } from 'cassandra-driver';
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import type { RunEvent } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import { RowGauge } from '../held.ts';
import { sinkMetricsText } from '../metrics.ts';
import { fileDoc, jsonl, runDoc, sinkContext } from '../testing.ts';
import { CassandraConnectionStore } from './connections.ts';
import { startCassandra, type CassandraServer } from './server.ts';
import { CassandraSink } from './sink.ts';

let server: CassandraServer;
const temps: string[] = [];
let home: string;
const ks = 'sinks';

before(async () => {
  server = await startCassandra();
  await query(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  home = temp();
  await new CassandraConnectionStore(home).save({ name: 'test', host: server.host, port: server.port, user: server.user, password: server.password });
});

after(async () => {
  await server?.destroy();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-cassink-'));
  temps.push(dir);
  return dir;
}

/**
 * A client per query: one kept across the outage test's server restart is left reconnecting by the driver
 * even after shutdown() (a pool attempt that completes after it), which keeps the test process alive.
 */
async function query(cql: string): Promise<types.Row[]> {
  const client = new Client({ contactPoints: [`${server.host}:${server.port}`], localDataCenter: 'datacenter1', authProvider: new auth.PlainTextAuthProvider(server.user, server.password) });
  try {
    await client.connect();
    const rows: types.Row[] = [];
    let pageState: string | undefined;
    do {
      const result = await client.execute(cql, [], { fetchSize: 50_000, ...(pageState ? { pageState } : {}) });
      rows.push(...(result.rows ?? []));
      pageState = result.pageState;
    } while (pageState);
    return rows;
  } finally {
    await client.shutdown();
  }
}

function doc(name: string, file: string, middle: NodeSpec[], sink: Partial<{ table: string; retries: number; key: string[] }> = {}, extra: NodeSpec[] = [], edges: PipelineDoc['edges'] = []): PipelineDoc {
  return fileDoc(name, file, middle, { id: 'cs', type: 'sink.cassandra', config: { connection: 'test', keyspace: ks, table: sink.table ?? name, ...(sink.key ? { key: sink.key } : {}), ...(sink.retries === undefined ? {} : { retries: sink.retries }) } }, extra, edges);
}

const run = (d: PipelineDoc, checkpointDir: string, opts: { interval?: number; onEvent?: (e: RunEvent) => void } = {}) => runDoc(d, home, checkpointDir, opts);

test('append: every row once with its values, new columns added when events grow, a rerun adds nothing', async () => {
  const texts = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', "quote\"'", 'ünïcødé ✓', ''];
  const input: Row[] = Array.from({ length: 2000 }, (_, i) => ({
    id: i, name: texts[i % texts.length] as string, amount: i % 3 === 0 ? null : i * 1.25, ok: i % 2 === 0,
    tags: i % 5 === 0 ? ['a', { b: i }] : null, at: new Date(Date.UTC(2026, 0, 1) + i * 1001).toISOString(),
  }));
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(input));
  const d = doc('append_rt', file, []);
  const chk = path.join(dir, 'chk');
  const first = await run(d, chk);
  assert.equal(first.summary.status, 'finished', JSON.stringify(first.summary.error));
  const more: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: 2000 + i, name: 'grown', amount: 1.5, ok: true, tags: null, at: new Date(Date.UTC(2026, 1, 1)).toISOString(), note: `n${i}` }));
  appendFileSync(file, jsonl(more));
  for (let i = 0; i < 2; i++) {
    const again = await run(d, chk);
    assert.equal(again.summary.status, 'finished', JSON.stringify(again.summary.error));
  }
  const rows = (await query(`SELECT id, name, amount, ok, tags, at, note, streamlake_id FROM ${ks}.append_rt`)).sort((a, b) => Number(a.id) - Number(b.id));
  const all = [...input, ...more];
  assert.equal(rows.length, all.length);
  rows.forEach((row, i) => {
    const want = all[i] as Row;
    assert.equal(Number(row.id), want.id);
    assert.equal(row.name, want.name);
    assert.equal(row.amount, want.amount);
    assert.equal(row.ok, want.ok);
    assert.deepEqual(row.tags === null ? null : JSON.parse(row.tags as string), want.tags);
    assert.equal((row.at as Date).toISOString(), want.at);
    assert.equal(row.note, want.note ?? null);
    assert.match(String(row.streamlake_id), /^append_rt\/cs\/\d+\/\d+$/);
  });
  const types = await query(`SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = '${ks}' AND table_name = 'append_rt'`);
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, `${String(t.type)}${t.kind === 'partition_key' ? ' key' : ''}`])), {
    id: 'bigint', name: 'text', amount: 'double', ok: 'boolean', tags: 'text', at: 'timestamp', note: 'text', streamlake_id: 'text key',
  });
  const commits = await query(`SELECT checkpoint_id, row_count FROM ${ks}.streamlake_commits WHERE pipeline = 'append_rt' AND node = 'cs'`);
  assert.equal(commits.reduce((n, c) => n + Number(c.row_count), 0), all.length);
  assert.match(sinkMetricsText('append_rt'), new RegExp(`^streamlake_sink_rows_total\\{[^}]*sink="cassandra"\\} ${all.length}$`, 'm'));
  assert.match(sinkMetricsText('append_rt'), new RegExp(`^streamlake_sink_batches_total\\{[^}]*\\} ${commits.length}$`, 'm'));
});

test('windowed upsert: one row per window and region, equal to a plain computation, late updates applied', async () => {
  const regions = ['eu', 'us', 'apac', 'latam'];
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const base = Date.UTC(2026, 0, 1);
  const events: Row[] = [];
  for (let i = 0; i < 10_000; i++) {
    const ts = base + i * 100 - (i % 50 === 0 ? 90_000 : Math.floor(random() * 2000));
    events.push({ region: regions[Math.floor(random() * regions.length)], amount: Math.floor(random() * 1000), ts: Math.max(base, ts) });
  }
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(events));
  const d = doc('window_rt', file, [
    { id: 'w', type: 'window.tumbling', config: { time: 'ts', size: '1m', watermarkDelay: '3s', allowedLateness: '10m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount)' } } },
  ]); // no key: the graph gives the window's (region, window_start) before its first emission
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
  const rows = await query(`SELECT region, window_start, n, total FROM ${ks}.window_rt`);
  assert.equal(rows.length, expected.size);
  for (const row of rows) {
    const want = expected.get(`${String(row.region)}@${(row.window_start as Date).getTime()}`);
    assert.ok(want, `unexpected window ${String(row.region)} ${String(row.window_start)}`);
    assert.equal(Number(row.n), want.n);
    assert.equal(Number(row.total), want.total);
  }
  const key = await query(`SELECT column_name FROM system_schema.columns WHERE keyspace_name = '${ks}' AND table_name = 'window_rt' AND kind = 'partition_key' ALLOW FILTERING`);
  assert.deepEqual(key.map((k) => String(k.column_name)).sort(), ['region', 'window_start']);
});

test('session retraction: a late event merging two committed sessions leaves one row (the old keys deleted)', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const m = 60_000;
  const base = Date.UTC(2026, 0, 1);
  writeFileSync(file, jsonl([{ user: 'a', ts: base }, { user: 'a', ts: base + 8 * m }, { user: 'b', ts: base + 11 * m }, { user: 'c', ts: base + 40 * m }]));
  const d = doc('session_rt', file, [
    { id: 's', type: 'window.session', config: { time: 'ts', gap: '5m', watermarkDelay: '0s', allowedLateness: '1h', groupBy: ['user'], aggregates: { n: 'count(*)' } } },
  ], { key: ['user', 'window_start'] });
  const chk = path.join(dir, 'chk');
  const one = await run(d, chk);
  assert.equal(one.summary.status, 'finished', JSON.stringify(one.summary.error));
  const live = async (): Promise<[string, string, string, number][]> => (await query(`SELECT user, window_start, window_end, n FROM ${ks}.session_rt`))
    .map((r) => [String(r.user), (r.window_start as Date).toISOString(), (r.window_end as Date).toISOString(), Number(r.n)] as [string, string, string, number])
    .sort((p, q) => (p[0] + p[1]).localeCompare(q[0] + q[1]));
  assert.deepEqual((await live()).filter((r) => r[0] === 'a').map((r) => r[3]), [1, 1]);
  appendFileSync(file, jsonl([{ user: 'a', ts: base + 4 * m }, { user: 'd', ts: base + 90 * m }]));
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  assert.deepEqual(await live(), [
    ['a', '2026-01-01T00:00:00.000Z', '2026-01-01T00:13:00.000Z', 3],
    ['b', '2026-01-01T00:11:00.000Z', '2026-01-01T00:16:00.000Z', 1],
    ['c', '2026-01-01T00:40:00.000Z', '2026-01-01T00:45:00.000Z', 1],
    ['d', '2026-01-01T01:30:00.000Z', '2026-01-01T01:35:00.000Z', 1],
  ]);
});

test('values the table cannot take go to the error port with the server message; the other rows are written', async () => {
  await query(`CREATE TABLE ${ks}.typed (id bigint PRIMARY KEY, code ascii, amount int)`);
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const input: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i, code: i % 100 === 7 ? 'naïve' : 'ok', amount: i % 100 === 42 ? 'abc' : i % 100 === 55 ? 3.5 : i }));
  writeFileSync(file, jsonl(input));
  const d = doc('typed', file, [], {}, [{ id: 'dead', type: 'sink.preview', config: { capacity: 1000 } }], [{ from: 'cs', port: 'error', to: 'dead' }]);
  const { summary, r } = await run(d, path.join(dir, 'chk'));
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const bad = input.filter((row) => row.code !== 'ok' || typeof row.amount !== 'number' || !Number.isInteger(row.amount));
  const dead = r.preview('dead', 'out', 1000);
  assert.equal(dead.length, bad.length, JSON.stringify(dead.slice(0, 2)));
  for (const x of dead) assert.match(String(x.reason), /^Cassandra refused the row for sinks\.typed: .+ \(code 0x\d{4}\)$/);
  // Cassandra's own words for each kind of refusal
  assert.equal(dead.filter((x) => /Invalid STRING constant \(abc\) for "amount" of type int/.test(String(x.reason))).length, 3, JSON.stringify(dead.map((x) => x.reason)));
  assert.equal(dead.filter((x) => /Invalid FLOAT constant \(3\.5\) for "amount" of type int/.test(String(x.reason))).length, 3, JSON.stringify(dead.map((x) => x.reason)));
  assert.equal(dead.filter((x) => /ascii/i.test(String(x.reason))).length, 3, JSON.stringify(dead.map((x) => x.reason)));
  assert.deepEqual(dead.map((x) => (x.payload as Row).id).sort((p, q) => Number(p) - Number(q)), bad.map((row) => row.id));
  const ids = (await query(`SELECT id, amount FROM ${ks}.typed`)).sort((p, q) => Number(p.id) - Number(q.id));
  assert.deepEqual(ids.map((x) => [Number(x.id), x.amount]), input.filter((row) => !bad.includes(row)).map((row) => [row.id, row.amount]));
  assert.equal(summary.nodes.cs?.errors, bad.length);
});

test('server killed mid-run: a clear failure, then a restart resumes with nothing lost or repeated', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const n = 5000;
  writeFileSync(file, jsonl(Array.from({ length: n }, (_, i) => ({ id: i, v: `row ${i}` }))));
  // no key: rows are keyed by streamlake_id, so a checkpoint written twice under other ids would show as duplicates
  const d = doc('outage', file, [], { retries: 2 });
  const chk = path.join(dir, 'chk');
  let stopping: Promise<void> | null = null;
  const one = await run(d, chk, {
    interval: 10,
    onEvent: (e) => {
      // the sink logs this inside its first commit: the server dies while that checkpoint's rows are being written
      if (e.type === 'log' && /created Cassandra table/.test(e.message) && !stopping) stopping = server.stop();
    },
  });
  assert.ok(stopping, 'the sink never created its table');
  await stopping;
  assert.equal(one.summary.status, 'failed');
  assert.equal(one.summary.error?.code, 'ENG_CASSANDRA_UNAVAILABLE', JSON.stringify(one.summary.error));
  assert.match(one.summary.error?.message ?? '', /did not answer after 3 attempts/);
  await server.start();
  const midway = await query(`SELECT count(*) AS n FROM ${ks}.outage`).catch(() => [{ n: 0 }]);
  assert.ok(Number(midway[0]?.n) < n, 'the outage came after every row was written');
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const ids = (await query(`SELECT id FROM ${ks}.outage`)).map((r) => Number(r.id)).sort((p, q) => p - q);
  const seen = new Set(ids);
  assert.deepEqual(Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i)).slice(0, 20), [], 'missing ids');
  assert.equal(ids.length, n);
  assert.deepEqual([ids[0], ids[n - 1], new Set(ids).size], [0, n - 1, n]);
});


test('a commit holds at most the batches in flight, however many rows the checkpoint has (same run and restore)', async () => {
  const limits = { inFlight: 3, rows: 8, bytes: 24 * 1024 };
  const n = 3000;
  const input: Row[] = Array.from({ length: n }, (_, i) => ({ seq: i, v: `row ${i} ✓`, ...(i % 500 === 7 ? { amount: 1.5 } : { amount: i }) }));
  const write = async (sink: CassandraSink, rows: Row[]): Promise<void> => {
    for (let at = 0; at < rows.length; at += 250) await sink.write({ rows: rows.slice(at, at + 250), partition: 'in/0' });
  };
  const connection = { name: 'test', host: server.host, port: server.port, user: server.user, password: server.password };
  const config = { connection: 'test', keyspace: ks, table: 'bounded' };
  const gauge = new RowGauge();
  const sink = new CassandraSink(config, sinkContext(home, 'bounded', 'cs'), { connection, limits, gauge });
  await write(sink, input.slice(0, n / 2));
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  assert.ok(gauge.peak > 0 && gauge.peak <= limits.rows * limits.inFlight, `rows held at once: ${gauge.peak} (at most ${limits.rows * limits.inFlight})`);
  assert.equal(gauge.held, 0);
  // restore: the checkpoint prepared by one instance is committed by another (it reads the staged rows twice: columns, then rows)
  await write(sink, input.slice(n / 2));
  const pending = await sink.prepare({ id: 2, sources: {} });
  await sink.close();
  const restored = new RowGauge();
  const other = new CassandraSink(config, sinkContext(home, 'bounded', 'cs'), { connection, limits, gauge: restored });
  await other.commit({ id: 2, sources: {} }, JSON.parse(JSON.stringify(pending)));
  await other.close();
  assert.ok(restored.peak > 0 && restored.peak <= limits.rows * limits.inFlight, `rows held at once on restore: ${restored.peak}`);
  const rows = await query(`SELECT streamlake_id, seq, v, amount FROM ${ks}.bounded`);
  assert.equal(rows.length, n);
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  for (let i = 0; i < n; i++) {
    const r = bySeq.get(i);
    assert.equal(r?.streamlake_id, `bounded/cs/${i < n / 2 ? 1 : 2}/${i < n / 2 ? i : i - n / 2}`, 'row ids as before: pipeline/node/checkpoint/position');
    assert.equal(r?.v, `row ${i} ✓`);
    assert.equal(Number(r?.amount), i % 500 === 7 ? 1.5 : i, 'amount is double (it saw 1.5)');
  }
});
