import { test } from 'node:test';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ManualTime } from '../runtime/clock.ts';
import type { CheckpointInfo, NodeContext, NodeMetrics } from '../runtime/types.ts';
import { openLake } from './lake.ts';
import { LakeSink, SUMMARY_CHECKPOINT, SUMMARY_POSITIONS } from './sink.ts';
import { readRows } from './table/scan.ts';
import { tempDir } from './testing/tmp.ts';
import { sqlString, withConnection } from './duckdb.ts';
import type { LakeSinkConfig, PipelineDoc } from '../format/pipeline.ts';
import '../nodes/index.ts';
import { MemorySource } from '../runtime/memory-source.ts';
import { createRun } from '../runtime/run.ts';
import { decodeState, encodeState } from '../runtime/checkpoint.ts';

/** Both phases of one checkpoint, as the runtime runs them once the checkpoint file is durable. */
async function checkpoint(sink: LakeSink, info: CheckpointInfo): Promise<void> {
  await sink.commit(info, await sink.prepare(info));
}

function context(lakeDir: string, time: ManualTime, errors: { n: number }, logs: string[] = []): NodeContext {
  const metrics: NodeMetrics = {
    addIn: () => undefined,
    addOut: () => undefined,
    addError: (n) => { errors.n += n; },
    addLate: () => undefined,
    setWatermark: () => undefined,
    observeLatency: () => undefined,
  };
  return {
    nodeId: 'lake',
    pipelineName: 'sales',
    clock: time,
    timers: time,
    lakeDir,
    homeDir: lakeDir,
    metrics,
    signal: new AbortController().signal,
    log: (_level, message) => logs.push(message),
  };
}

test('commits at checkpoints once the commit interval has passed, with checkpoint id and positions', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(1_767_225_600_000);
  const errors = { n: 0 };
  const config: LakeSinkConfig = { table: 'sales', commitInterval: '10s', partitionBy: ['day(ts)'], schema: { amount: 'decimal(10,2)' } };
  const sink = new LakeSink(config, context(dir, time, errors));
  assert.equal(await sink.lastCommittedId(), null);

  await sink.write({ partition: 'p/0', rows: [{ id: 1, amount: 2.5, ts: new Date('2026-01-01T00:00:00Z') }] });
  time.advance(1000);
  await checkpoint(sink, { id: 1, sources: { orders: { 'p/0': 1 } } });
  assert.equal(await sink.lastCommittedId(), null, 'too early: nothing committed at checkpoint 1');

  await sink.write({ partition: 'p/0', rows: [{ id: 2, amount: 'x', ts: new Date('2026-01-01T00:00:01Z') }, { id: 3, amount: 1, ts: new Date('2026-01-02T00:00:00Z') }] });
  time.advance(10_000);
  await checkpoint(sink, { id: 2, sources: { orders: { 'p/0': 3 } } });
  assert.equal(await sink.lastCommittedId(), 2);

  const table = await openLake(dir).table('sales');
  const head = table.resolve();
  assert.equal(head?.summary[SUMMARY_CHECKPOINT], '2');
  assert.equal(head?.summary[SUMMARY_POSITIONS], JSON.stringify({ orders: { 'p/0': 3 } }));
  assert.equal(head?.summary['streamlake.pipeline'], 'sales');
  assert.equal(table.schema().fields[0]?.name, 'amount');
  assert.equal(table.schema().fields[0]?.type, 'decimal(10, 2)');
  assert.deepEqual(table.partitionSpec().fields.map((f) => f.name), ['ts_day']);
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'id' })).map((r) => r.id), [1, 3]);

  const dead = sink.rejected();
  assert.equal(dead.length, 1);
  assert.equal(dead[0]?.port, 'error');
  assert.equal(dead[0]?.node, 'lake');
  assert.match(dead[0]?.reason ?? '', /column "amount"/);
  assert.deepEqual(dead[0]?.payload, { id: 2, amount: 'x', ts: new Date('2026-01-01T00:00:01Z') });
  assert.equal(errors.n, 1);
  assert.deepEqual(sink.rejected(), [], 'drained');

  // the final checkpoint flushes: it commits what it covers even inside the interval
  await sink.write({ partition: 'p/0', rows: [{ id: 4, amount: 1, ts: new Date('2026-01-02T00:00:00Z') }] });
  await checkpoint(sink, { id: 3, sources: { orders: { 'p/0': 4 } }, flush: true });
  const summary = await sink.close();
  assert.equal(summary.rows, 3);
  assert.equal(summary.snapshots, 2);
  assert.equal(summary.rejected, 1);
  const after = await openLake(dir).table('sales');
  assert.equal(after.resolve()?.summary[SUMMARY_CHECKPOINT], '3');
  assert.deepEqual((await readRows(after, undefined, { orderBy: 'id' })).map((r) => r.id), [1, 3, 4]);
});

test('commits early when targetRows are buffered; rows after the last checkpoint are not committed', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const logs: string[] = [];
  const sink = new LakeSink({ table: 't', targetRows: 2, commitInterval: '1h' }, context(dir, time, { n: 0 }, logs));
  await sink.write({ partition: 'p', rows: [{ n: 1 }, { n: 2 }] });
  await checkpoint(sink, { id: 7, sources: { s: { at: 2 } } });
  assert.equal(await sink.lastCommittedId(), 7);
  await sink.write({ partition: 'p', rows: [{ n: 3 }] });
  await sink.close();
  assert.deepEqual((await readRows(await openLake(dir).table('t'))).map((r) => r.n), [1, 2]);
  assert.ok(logs.some((l) => /1 rows arrived after the last checkpoint/.test(l)));
});

test('windowed re-emits keep one row per key across commits (copy-on-write)', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const sink = new LakeSink({ table: 'w', commitInterval: '0s' }, context(dir, time, { n: 0 }));
  const start = new Date('2026-01-01T00:00:00Z');
  const key = ['region', 'window_start'];
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: start, orders: 1 }, { region: 'us', window_start: start, orders: 5 }] });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: start, orders: 2 }] });
  await checkpoint(sink, { id: 1, sources: {} });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: start, orders: 3 }] });
  await checkpoint(sink, { id: 2, sources: {} });
  await sink.close();
  const table = await openLake(dir).table('w');
  const rows = await readRows(table, undefined, { orderBy: 'region' });
  assert.deepEqual(rows.map((r) => [r.region, r.orders]), [['eu', 3], ['us', 5]]);
  assert.equal(table.resolve()?.operation, 'overwrite');
});

test('retracted session rows leave the table, within one commit and across commits', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const sink = new LakeSink({ table: 's', commitInterval: '0s' }, context(dir, time, { n: 0 }));
  const key = ['region', 'window_start'];
  const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const rowsNow = async (): Promise<(string | number)[][]> => {
    const table = await openLake(dir).table('s');
    return (await readRows(table, undefined, { orderBy: 'region, window_start' })).map((r) => [r.region as string, (r.window_start as Date).getUTCSeconds(), r.orders as number]);
  };

  // across commits: two emitted sessions, then a late event bridges them into one starting at 0s
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: at(0), orders: 2 }, { region: 'eu', window_start: at(15), orders: 3 }, { region: 'us', window_start: at(0), orders: 1 }] });
  await checkpoint(sink, { id: 1, sources: {} });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: at(0), orders: 6 }], retract: [{ region: 'eu', window_start: at(15) }] });
  await checkpoint(sink, { id: 2, sources: {} });
  assert.deepEqual(await rowsNow(), [['eu', 0, 6], ['us', 0, 1]]);

  // within one commit: the retracted row never reaches the table; a key retracted and then emitted again stays
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'us', window_start: at(30), orders: 1 }, { region: 'us', window_start: at(40), orders: 1 }] });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'us', window_start: at(30), orders: 3 }], retract: [{ region: 'us', window_start: at(40) }, { region: 'us', window_start: at(0) }] });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'us', window_start: at(0), orders: 9 }] });
  await checkpoint(sink, { id: 3, sources: {} });
  assert.deepEqual(await rowsNow(), [['eu', 0, 6], ['us', 0, 9], ['us', 30, 3]]);

  // a retraction after the last checkpoint is not committed with it: a restart replays it
  await sink.write({ partition: 'p', upsertKey: key, rows: [], retract: [{ region: 'us', window_start: at(30) }] });
  await sink.close();
  assert.deepEqual(await rowsNow(), [['eu', 0, 6], ['us', 0, 9], ['us', 30, 3]]);
});

test('lastCommittedId skips snapshots other writers made and reads the branch the sink writes', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const sink = new LakeSink({ table: 't', branch: 'dev', commitInterval: '0s' }, context(dir, time, { n: 0 }));
  await sink.write({ partition: 'p', rows: [{ n: 1 }] });
  await checkpoint(sink, { id: 4, sources: { s: { offset: 10 } } });
  const table = await openLake(dir).table('t');
  assert.equal(table.resolve(), null, 'main untouched');
  assert.equal(table.resolve({ branch: 'dev' })?.summary[SUMMARY_CHECKPOINT], '4');
  await table.append([{ n: 2 }], { branch: 'dev' });
  assert.equal(await sink.lastCommittedId(), 4);
});

test('a dead-letter table keeps payloads of every shape as JSON text', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const sink = new LakeSink({ table: 'dead', commitInterval: '0s' }, context(dir, time, { n: 0 }));
  const at = new Date('2026-01-01T00:00:00Z');
  await sink.write({ partition: 'p', rows: [{ reason: 'bad amount', node: 'valid', port: 'error', payload: { amount: -1, tags: ['x'] }, at }] });
  await checkpoint(sink, { id: 1, sources: {} });
  await sink.write({ partition: 'p', rows: [{ reason: 'not JSON', node: 'orders', port: 'error', payload: '{oops', source: { line: 7 }, at }] });
  await checkpoint(sink, { id: 2, sources: {} });
  await sink.close();
  assert.deepEqual(sink.rejected(), []);
  const rows = await readRows(await openLake(dir).table('dead'), undefined, { orderBy: 'reason' });
  assert.deepEqual(rows.map((r) => [r.reason, r.payload, r.source]), [
    ['bad amount', '{"amount":-1,"tags":["x"]}', null],
    ['not JSON', '{oops', '{"line":7}'],
  ]);
});

test('a run: a late event bridging two emitted session windows leaves one row for the merged session in the lake', async (t) => {
  const dir = await tempDir(t);
  const doc: PipelineDoc = {
    format: 'streamlake.pipeline',
    version: 1,
    name: 'sessions',
    nodes: [
      { id: 'clicks', type: 'source.generator', config: { dataset: 'user_events' } },
      { id: 'visits', type: 'window.session', config: { time: 'ts', gap: '15s', watermarkDelay: '0s', allowedLateness: '1m', groupBy: ['region'], aggregates: { clicks: 'count(*)' } } },
      { id: 'lake', type: 'sink.lake', config: { table: 'visits', commitInterval: '0s' } },
    ],
    edges: [{ from: 'clicks', to: 'visits' }, { from: 'visits', to: 'lake' }],
  };
  const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  const batch = (...rows: [string, number][]) => ({ partition: 'clicks/0', rows: rows.map(([region, s]) => ({ region, ts: at(s) })) });
  const batches = [
    batch(['eu', 0], ['eu', 5], ['eu', 30], ['eu', 35], ['us', 60]), // eu sessions from 0s and 30s, both emitted at watermark 60s
    batch(['eu', 17]), // late but allowed: joins the first session, which now reaches the second
    batch(['us', 200]),
  ];
  const time = new ManualTime(0);
  const run = createRun(doc, {
    lakeDir: dir,
    homeDir: dir,
    clock: time,
    timers: time,
    nodes: { 'source.generator': { kind: 'source', create: () => new MemorySource(batches) } },
  });
  const summary = await run.start();
  assert.equal(summary.status, 'finished', summary.error?.message);
  const rows = await readRows(await openLake(dir).table('visits'), undefined, { orderBy: 'region, window_start' });
  const eu = rows.filter((r) => r.region === 'eu').map((r) => [(r.window_start as Date).toISOString(), r.clicks]);
  assert.deepEqual(eu, [[at(0).toISOString(), 5]], 'the session from 30s was merged away, not left behind');
  assert.equal(rows.filter((r) => r.region === 'us').length, 2);
});

test('sortBy orders the files of the table the sink creates, and replaces the order of an existing table (logged)', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(1_767_225_600_000);
  const logs: string[] = [];
  const rows = [{ id: 2, customer: 'b' }, { id: 3, customer: null }, { id: 1, customer: 'a' }];
  const write = async (config: LakeSinkConfig, id: number): Promise<void> => {
    const sink = new LakeSink(config, context(dir, time, { n: 0 }, logs));
    await sink.write({ partition: 'p/0', rows });
    await checkpoint(sink, { id, sources: { orders: { 'p/0': id } }, flush: true });
    await sink.close();
  };
  await write({ table: 'orders', sortBy: ['customer desc'] }, 1);
  let table = await openLake(dir).table('orders');
  assert.deepEqual(table.sortOrder(), { orderId: 1, fields: ['customer desc nulls last'] });
  const first = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  assert.deepEqual(await Promise.all(first.map((f) => fileIds(f.path))), [[2, 1, 3]]);
  assert.equal(first[0]?.sortOrderId, 1);

  // an existing table: a different sortBy becomes its order; no sortBy leaves it alone
  await write({ table: 'orders', sortBy: ['id desc'] }, 2);
  assert.ok(logs.some((l) => /sort order changed from customer desc nulls last to id desc nulls last/.test(l)), logs.join('\n'));
  await write({ table: 'orders' }, 3);
  table = await openLake(dir).table('orders');
  assert.deepEqual(table.sortOrder(), { orderId: 2, fields: ['id desc nulls last'] });
  const files = await table.dataFiles(table.resolve()?.snapshotId ?? 0n);
  assert.deepEqual(files.map((f) => f.sortOrderId).sort(), [1, 2, 2]);
  for (const f of files.filter((x) => x.sortOrderId === 2)) assert.deepEqual(await fileIds(f.path), [3, 2, 1]);
});

/** The ids of one data file in the order they are stored. */
async function fileIds(file: string): Promise<number[]> {
  return withConnection(async (connection) => {
    const result = await connection.runAndReadAll(`SELECT id FROM read_parquet(${sqlString(file)}, file_row_number = true) ORDER BY file_row_number`);
    return result.getRowsJS().map((r) => Number(r[0]));
  });
}

test('staged rows survive a crash between prepare and commit: a new sink commits them once from the pending state', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const config: LakeSinkConfig = { table: 'orders', commitInterval: '1h' };
  const first = new LakeSink(config, context(dir, time, { n: 0 }));
  await first.write({ partition: 'p', rows: [{ id: 1 }, { id: 2 }] });
  const p1 = await first.prepare({ id: 1, sources: { s: { next: 1 } } });
  await first.commit({ id: 1, sources: { s: { next: 1 } } }, p1);
  await first.write({ partition: 'p', rows: [{ id: 3 }] });
  const p2 = await first.prepare({ id: 2, sources: { s: { next: 2 } } });
  assert.equal((await openLake(dir).table('orders')).resolve(), null, 'nothing visible before a commit (the table exists, without a snapshot)');
  const staged = await readdir(join(dir, '.pending', 'orders', 'sales', 'lake'));
  assert.equal(staged.length, 2, 'one durable staging file per prepare');
  // The process dies here; the checkpoint file holds p2 (cumulative: both prepares).
  const pending = decodeState(encodeState(p2));

  const second = new LakeSink(config, context(dir, time, { n: 0 }));
  assert.equal(await second.lastCommittedId(), null);
  await second.commit({ id: 2, sources: { s: { next: 2 } }, flush: true }, pending);
  const table = await openLake(dir).table('orders');
  assert.deepEqual((await readRows(table, undefined, { orderBy: 'id' })).map((r) => r.id), [1, 2, 3]);
  assert.equal(table.snapshots().length, 1, 'one snapshot for both checkpoints');
  assert.equal(table.resolve()?.summary[SUMMARY_CHECKPOINT], '2');
  assert.deepEqual(await readdir(dir), ['orders'], 'staging lists and folders are gone once published');

  // The same restore again (a crash right after that commit): the table says 2 is in, nothing is added.
  const third = new LakeSink(config, context(dir, time, { n: 0 }));
  await third.commit({ id: 2, sources: {}, flush: true }, pending);
  assert.equal((await openLake(dir).table('orders')).snapshots().length, 1);
  await assert.rejects(third.commit({ id: 3, sources: {}, flush: true }, { segments: 'x' }), /not a lake sink's/);
});

test('upserts and retractions staged over several checkpoints settle like one buffer when committed together', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const sink = new LakeSink({ table: 'w', commitInterval: '1h' }, context(dir, time, { n: 0 }));
  const key = ['region', 'window_start'];
  const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: at(0), orders: 1 }, { region: 'us', window_start: at(0), orders: 5 }, { region: 'eu', window_start: at(30), orders: 1 }] });
  await checkpoint(sink, { id: 1, sources: {} });
  await sink.write({ partition: 'p', upsertKey: key, rows: [{ region: 'eu', window_start: at(0), orders: 4 }], retract: [{ region: 'eu', window_start: at(30) }] });
  await checkpoint(sink, { id: 2, sources: {} });
  assert.equal(await openLake(dir).exists('w'), false, 'not due yet');
  await checkpoint(sink, { id: 3, sources: {}, flush: true });
  const rows = await readRows(await openLake(dir).table('w'), undefined, { orderBy: 'region, window_start' });
  assert.deepEqual(rows.map((r) => [r.region, (r.window_start as Date).getUTCSeconds(), r.orders]), [['eu', 0, 4], ['us', 0, 5]]);
});

test('staging files no checkpoint refers to (a crash before the checkpoint file) are removed at the first prepare', async (t) => {
  const dir = await tempDir(t);
  const time = new ManualTime(0);
  const crashed = new LakeSink({ table: 't', commitInterval: '1h' }, context(dir, time, { n: 0 }));
  await crashed.write({ partition: 'p', rows: [{ n: 1 }] });
  await crashed.prepare({ id: 1, sources: {} });
  const folder = join(dir, '.pending', 't', 'sales', 'lake');
  assert.equal((await readdir(folder)).length, 1);
  const next = new LakeSink({ table: 't', commitInterval: '1h' }, context(dir, time, { n: 0 }));
  await next.write({ partition: 'p', rows: [{ n: 2 }] });
  const pending = await next.prepare({ id: 1, sources: {} });
  const files = await readdir(folder);
  assert.equal(files.length, 1);
  assert.deepEqual(pending, { format: 'streamlake.lake-pending', segments: [{ id: 1, file: join(folder, files[0] ?? ''), rows: 1, kind: 'files' }] });
  const table = await openLake(dir).table('t');
  const dataFiles = async (): Promise<string[]> => (await readdir(join(dir, 't', 'data'))).filter((f) => f.endsWith('.parquet'));
  assert.equal((await dataFiles()).length, 1, "the crashed prepare's data file went with its list");
  assert.equal(table.resolve(), null);
});
