// sink.opensearch against a real OpenSearch 2.x node (the integ-test distribution from Maven Central,
// started here). Every expectation is computed from the input file in plain TypeScript; the index is read
// back with plain REST calls (fetch), not through the sink's client.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { NodeSpec, OpenSearchSinkConfig, PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import type { RunEvent } from '../../runtime/run.ts';
import type { Row } from '../../runtime/types.ts';
import { RowGauge } from '../held.ts';
import { sinkMetricsText } from '../metrics.ts';
import { fileDoc, jsonl, runDoc, sinkContext } from '../testing.ts';
import { OpenSearchConnectionStore } from './connections.ts';
import { startOpenSearch, type OpenSearchServer } from './server.ts';
import { OpenSearchSink } from './sink.ts';
import { allDocs, rest, shortPositionId } from './testing.ts';

let server: OpenSearchServer;
const temps: string[] = [];
let home: string;

before(async () => {
  server = await startOpenSearch();
  home = temp();
  await new OpenSearchConnectionStore(home).save({ name: 'test', url: server.url });
});

after(async () => {
  await server?.destroy();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-ossink-'));
  temps.push(dir);
  return dir;
}

function doc(name: string, file: string, middle: NodeSpec[], sink: Partial<OpenSearchSinkConfig> = {}, extra: NodeSpec[] = [], edges: PipelineDoc['edges'] = []): PipelineDoc {
  return fileDoc(name, file, middle, { id: 'os', type: 'sink.opensearch', config: { connection: 'test', index: name.replace(/_/g, '-'), ...sink } }, extra, edges);
}

const run = (d: PipelineDoc, checkpointDir: string, opts: { interval?: number; onEvent?: (e: RunEvent) => void } = {}) => runDoc(d, home, checkpointDir, opts);

test('append: every row once under its id expression, values and mapping as documented, new fields added, reruns add nothing', async () => {
  const texts = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', "quote\"'", 'ünïcødé ✓', ''];
  const input: Row[] = Array.from({ length: 6000 }, (_, i) => ({
    id: i, name: texts[i % texts.length] as string, amount: i % 3 === 0 ? null : i * 1.25, ok: i % 2 === 0,
    tags: i % 5 === 0 ? ['a', `t${i}`] : null, at: new Date(Date.UTC(2026, 0, 1) + i * 1001).toISOString(),
  }));
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  writeFileSync(file, jsonl(input));
  const d = doc('append_rt', file, [], { id: "'order-' || CAST(id AS VARCHAR)" });
  const chk = path.join(dir, 'chk');
  const first = await run(d, chk);
  assert.equal(first.summary.status, 'finished', JSON.stringify(first.summary.error));
  const more: Row[] = Array.from({ length: 500 }, (_, i) => ({ id: 6000 + i, name: 'grown', amount: 1.5, ok: true, tags: null, at: new Date(Date.UTC(2026, 1, 1)).toISOString(), note: `n${i}` }));
  appendFileSync(file, jsonl(more));
  for (let i = 0; i < 2; i++) {
    const again = await run(d, chk);
    assert.equal(again.summary.status, 'finished', JSON.stringify(again.summary.error));
  }
  const docs = await allDocs(server.url, 'append-rt');
  const all = [...input, ...more];
  assert.equal(docs.length, all.length);
  const byId = new Map(docs.map((x) => [x._id, x._source]));
  for (const want of all) {
    const got = byId.get(`order-${String(want.id)}`);
    assert.ok(got, `order-${String(want.id)} missing`);
    assert.equal(got.id, want.id);
    assert.equal(got.name, want.name);
    assert.equal(got.amount, want.amount);
    assert.equal(got.ok, want.ok);
    assert.deepEqual(got.tags, want.tags);
    assert.equal(Date.parse(String(got.at)), Date.parse(want.at as string));
    assert.equal(got.note, want.note);
  }
  const mapping = await rest<Record<string, { mappings: { properties: Record<string, { type: string }> } }>>(server.url, 'GET', '/append-rt/_mapping');
  const types = Object.fromEntries(Object.entries(mapping['append-rt']?.mappings.properties ?? {}).map(([k, v]) => [k, v.type]));
  assert.deepEqual(types, { id: 'long', name: 'text', amount: 'double', ok: 'boolean', tags: 'text', at: 'date', note: 'text' });
  // a date range query sees the dates as dates
  const range = await rest<{ count: number }>(server.url, 'POST', '/append-rt/_count', { query: { range: { at: { gte: '2026-02-01T00:00:00Z' } } } });
  assert.equal(range.count, more.length);
  const commits = await rest<{ _source: { checkpoint_id: number } }>(server.url, 'GET', '/streamlake_commits/_doc/append_rt%2Fos');
  assert.ok(commits._source.checkpoint_id >= 2);
  assert.match(sinkMetricsText('append_rt'), new RegExp(`^streamlake_sink_rows_total\\{[^}]*sink="opensearch"\\} ${all.length}$`, 'm'));
});

test('windowed upsert: one document per window and region (key from the graph), equal to a plain computation, late updates applied', async () => {
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
  // no "key": the graph gives the sink the window's key (region, window_start), so a window's first
  // emission and its late updates land on one document
  ], { refresh: 'wait_for' });
  const { summary } = await run(d, path.join(dir, 'chk'), { interval: 20 });
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.equal(summary.nodes.w?.late, 0);
  const expected = new Map<string, { n: number; total: number }>();
  for (const e of events) {
    const key = JSON.stringify([e.region, new Date(Math.floor((e.ts as number) / 60_000) * 60_000).toISOString()]);
    const had = expected.get(key) ?? { n: 0, total: 0 };
    had.n += 1;
    had.total += e.amount as number;
    expected.set(key, had);
  }
  // refresh 'wait_for': every committed document is searchable without a refresh of our own
  const docs = await allDocs(server.url, 'window-rt', { refresh: false });
  assert.equal(docs.length, expected.size);
  for (const x of docs) {
    const want = expected.get(x._id);
    assert.ok(want, `unexpected document ${x._id}`);
    assert.equal(x._source.n, want.n);
    assert.equal(x._source.total, want.total);
    assert.equal(JSON.stringify([x._source.region, x._source.window_start]), x._id);
  }
});

test('session retraction: a late event merging two committed sessions leaves one document (the old key deleted in the same bulk)', async () => {
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
  const live = async (): Promise<unknown[][]> => (await allDocs(server.url, 'session-rt'))
    .map((x) => [x._source.user, x._source.window_start, x._source.window_end, x._source.n])
    .sort((p, q) => String(p[0]).localeCompare(String(q[0])) || String(p[1]).localeCompare(String(q[1])));
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

test('documents the mapping refuses go to the error port with OpenSearch\'s reason; the others are indexed', async () => {
  await rest(server.url, 'PUT', '/typed', { mappings: { properties: { id: { type: 'long' }, amount: { type: 'integer' }, day: { type: 'date' }, code: { type: 'keyword' } } } });
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const input: Row[] = Array.from({ length: 300 }, (_, i) => ({
    id: i,
    amount: i % 100 === 42 ? 'abc' : i % 100 === 43 ? 3_000_000_000 : i,
    day: i % 100 === 7 ? 'not a day' : '2026-03-01',
    code: i % 100 === 9 ? { nested: true } : 'ok',
  }));
  writeFileSync(file, jsonl(input));
  const d = doc('typed', file, [], { id: 'id' }, [{ id: 'dead', type: 'sink.preview', config: { capacity: 1000 } }], [{ from: 'os', port: 'error', to: 'dead' }]);
  const { summary, r } = await run(d, path.join(dir, 'chk'));
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const bad = input.filter((row) => [42, 43, 7, 9].includes((row.id as number) % 100));
  const dead = r.preview('dead', 'out', 1000);
  assert.equal(dead.length, bad.length, JSON.stringify(dead.slice(0, 2)));
  for (const x of dead) assert.match(String(x.reason), /^OpenSearch refused the document for typed: mapper_parsing_exception: failed to parse field \[(amount|day|code)\] of type \[(integer|date|keyword)\]/);
  const reasons = (field: string): number => dead.filter((x) => String(x.reason).includes(`failed to parse field [${field}]`)).length;
  assert.deepEqual([reasons('amount'), reasons('day'), reasons('code')], [6, 3, 3]);
  assert.ok(dead.some((x) => /out of range of int/.test(String(x.reason))), 'the server\'s own words for 3000000000 into an integer');
  assert.deepEqual(dead.map((x) => (x.payload as Row).id).sort((p, q) => Number(p) - Number(q)), bad.map((row) => row.id));
  const ids = (await allDocs(server.url, 'typed')).map((x) => Number(x._id)).sort((p, q) => p - q);
  assert.deepEqual(ids, input.filter((row) => !bad.includes(row)).map((row) => row.id));
  assert.equal(summary.nodes.os?.errors, bad.length);
});

test('rows whose id expression gives nothing go to the error port; the others are indexed under their ids', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const input: Row[] = Array.from({ length: 50 }, (_, i) => (i % 10 === 3 ? { v: i } : i % 10 === 4 ? { order_id: '', v: i } : { order_id: `o-${i}`, v: i }));
  writeFileSync(file, jsonl(input));
  const d = doc('ids', file, [], { id: 'order_id' }, [{ id: 'dead', type: 'sink.preview', config: { capacity: 100 } }], [{ from: 'os', port: 'error', to: 'dead' }]);
  const { summary, r } = await run(d, path.join(dir, 'chk'));
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  const dead = r.preview('dead', 'out', 100);
  assert.deepEqual(dead.map((x) => (x.payload as Row).v), input.filter((row) => !row.order_id).map((row) => row.v));
  for (const x of dead) assert.equal(x.reason, 'the document id expression "order_id" gave no value (null or empty) for this row');
  const ids = (await allDocs(server.url, 'ids')).map((x) => x._id).sort();
  assert.deepEqual(ids, input.filter((row) => row.order_id).map((row) => String(row.order_id)).sort());
});

test('documents refused with 429 (the read-only-allow-delete block of a full disk) are sent again after a backoff', async () => {
  await rest(server.url, 'PUT', '/blocked', { mappings: { properties: { seq: { type: 'long' } } } });
  await rest(server.url, 'PUT', '/blocked/_settings', { 'index.blocks.read_only_allow_delete': true });
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const n = 2000;
  writeFileSync(file, jsonl(Array.from({ length: n }, (_, i) => ({ seq: i }))));
  const d = doc('blocked', file, [], { id: 'seq', retries: 10 });
  const running = run(d, path.join(dir, 'chk'));
  // lift the block once the sink has been refused and is waiting to try again
  const retried = (): boolean => /^streamlake_sink_retries_total\{[^}]*\} [1-9]/m.test(sinkMetricsText('blocked'));
  for (let i = 0; i < 600 && !retried(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(retried(), 'the sink never retried');
  await rest(server.url, 'PUT', '/blocked/_settings', { 'index.blocks.read_only_allow_delete': null });
  const { summary } = await running;
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.ok(Number(summary.sinks.os?.retries) >= 1);
  const seqs = (await allDocs(server.url, 'blocked')).map((x) => Number(x._id)).sort((p, q) => p - q);
  assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i));
});

test('server killed mid-run: a clear failure, then a restart resumes with nothing lost or repeated', async () => {
  const dir = temp();
  const file = path.join(dir, 'in.jsonl');
  const n = 200_000;
  writeFileSync(file, jsonl(Array.from({ length: n }, (_, i) => ({ seq: i, v: `row ${i}` }))));
  // no id expression: appends are identified by checkpoint and position, which a replay repeats
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
  assert.equal(one.summary.status, 'failed');
  assert.equal(one.summary.error?.code, 'ENG_OPENSEARCH_UNAVAILABLE', JSON.stringify(one.summary.error));
  assert.match(one.summary.error?.message ?? '', /OpenSearch did not answer after 3 attempts/);
  await server.start();
  const midway = await rest<{ count: number }>(server.url, 'GET', '/outage/_count').catch(() => ({ count: 0 }));
  assert.ok(midway.count < n, 'the outage came after every row was written');
  const two = await run(d, chk);
  assert.equal(two.summary.status, 'finished', JSON.stringify(two.summary.error));
  const seqs = (await allDocs(server.url, 'outage')).map((x) => x._source.seq as number);
  assert.equal(seqs.length, n);
  assert.equal(new Set(seqs).size, n);
  assert.deepEqual([seqs.reduce((a, b) => Math.min(a, b)), seqs.reduce((a, b) => Math.max(a, b))], [0, n - 1]);
});


test('a commit holds at most the chunks in flight and one built ahead, however many rows the checkpoint has (same run and restore)', async () => {
  const limits = { actions: 40, bytes: 1 << 20, inFlight: 2 };
  const n = 6000;
  const input: Row[] = Array.from({ length: n }, (_, i) => ({ seq: i, v: `row ${i} ✓`, at: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
  const write = async (sink: OpenSearchSink, rows: Row[]): Promise<void> => {
    for (let at = 0; at < rows.length; at += 250) await sink.write({ rows: rows.slice(at, at + 250), partition: 'in/0' });
  };
  const connection = { name: 'test', url: server.url };
  // same run: prepare, then commit from the staged file
  const gauge = new RowGauge();
  const sink = new OpenSearchSink({ connection: 'test', index: 'bounded' }, sinkContext(home, 'bounded', 'os'), { connection, limits, gauge });
  await write(sink, input.slice(0, n / 2));
  await sink.commit({ id: 1, sources: {} }, await sink.prepare({ id: 1, sources: {} }));
  // the requests in flight and the chunk built ahead
  const bound = limits.actions * (limits.inFlight + 1);
  assert.ok(gauge.peak > 0 && gauge.peak <= bound, `rows held at once: ${gauge.peak} (at most ${bound})`);
  assert.equal(gauge.held, 0);
  // restore: the checkpoint prepared by one instance is committed by another (it reads the staged rows twice: mapping, then rows)
  await write(sink, input.slice(n / 2));
  const pending = await sink.prepare({ id: 2, sources: {} });
  await sink.close();
  const restored = new RowGauge();
  const other = new OpenSearchSink({ connection: 'test', index: 'bounded' }, sinkContext(home, 'bounded', 'os'), { connection, limits, gauge: restored });
  await other.commit({ id: 2, sources: {} }, JSON.parse(JSON.stringify(pending)));
  await other.close();
  assert.ok(restored.peak > 0 && restored.peak <= bound, `rows held at once on restore: ${restored.peak}`);
  const docs = await allDocs(server.url, 'bounded');
  assert.equal(docs.length, n);
  const bySeq = new Map(docs.map((d) => [d._source.seq as number, d]));
  for (let i = 0; i < n; i++) {
    const d = bySeq.get(i);
    assert.equal(d?._id, shortPositionId('bounded', 'os', i < n / 2 ? 1 : 2, i < n / 2 ? i : i - n / 2), 'positional ids: node tag.checkpoint.position');
    assert.deepEqual(d?._source, { seq: i, v: `row ${i} ✓`, at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() });
  }
});

test('after a version with long positional ids: the checkpoint it may have half written keeps them, later ones take short ids', async () => {
  const rows = (from: number): Row[] => Array.from({ length: 30 }, (_, i) => ({ seq: from + i }));
  // what an older version left: its log entry for checkpoint 1 (no `ids`) and half of checkpoint 2 under its ids
  await rest(server.url, 'PUT', '/streamlake_commits/_doc/legacy%2Fos?refresh=true', { pipeline: 'legacy', node: 'os', checkpoint_id: 1, index: 'legacy', rows: 0, deleted: 0, committed_at: new Date(0).toISOString() });
  await rest(server.url, 'PUT', '/legacy', {});
  for (let i = 0; i < 15; i++) await rest(server.url, 'PUT', `/legacy/_doc/${encodeURIComponent(`legacy/os/2/${i}`)}`, { seq: i });
  const sink = new OpenSearchSink({ connection: 'test', index: 'legacy' }, sinkContext(home, 'legacy', 'os'));
  await sink.write({ rows: rows(0), partition: 'in/0' });
  await sink.commit({ id: 2, sources: {} }, await sink.prepare({ id: 2, sources: {} }));
  await sink.write({ rows: rows(30), partition: 'in/0' });
  await sink.commit({ id: 3, sources: {} }, await sink.prepare({ id: 3, sources: {} }));
  await sink.close();
  const docs = await allDocs(server.url, 'legacy');
  assert.equal(docs.length, 60, 'the half-written checkpoint was overwritten, not doubled');
  const want = new Map([...Array.from({ length: 30 }, (_, i) => [`legacy/os/2/${i}`, i] as const), ...Array.from({ length: 30 }, (_, i) => [shortPositionId('legacy', 'os', 3, i), 30 + i] as const)]);
  for (const d of docs) assert.equal(want.get(d._id), d._source.seq, d._id);
  const log = await rest<{ _source: { checkpoint_id: number; ids: number } }>(server.url, 'GET', '/streamlake_commits/_doc/legacy%2Fos');
  assert.deepEqual([log._source.checkpoint_id, log._source.ids], [3, 2]);
});
