import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import type { NodeFactory } from '../nodes/registry.ts';
import '../operators/index.ts';
import { PreviewSink } from '../operators/preview.ts';
import '../windows/index.ts';
import { ManualTime, monotonicMs } from './clock.ts';
import { MemorySource } from './memory-source.ts';
import { createRun, type RunEvent, type RunOptions } from './run.ts';
import type { Batch, CheckpointInfo, Emit, OperatorInstance, Row, SinkInstance } from './types.ts';

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamlake-run-'));
  temps.push(dir);
  return dir;
}

function doc(nodes: NodeSpec[], edges: PipelineDoc['edges']): PipelineDoc {
  return { format: 'streamlake.pipeline', version: 1, name: 'test', nodes, edges };
}

function batchesOf(count: number, size: number, partition = 'p0'): Batch[] {
  const out: Batch[] = [];
  for (let b = 0; b < count; b++) {
    const rows: Row[] = [];
    for (let i = 0; i < size; i++) rows.push({ n: b * size + i, key: `k${(b * size + i) % 3}` });
    out.push({ rows, partition });
  }
  return out;
}

/** A stateful operator: the running count per key, so a wrong restore shows up in the output. */
class RunningCount implements OperatorInstance {
  counts = new Map<string, number>();
  process(batch: Batch, emit: Emit): void {
    const rows: Row[] = [];
    const bad: Row[] = [];
    for (const row of batch.rows) {
      if (typeof row.key !== 'string') {
        bad.push({ reason: 'key is not a string', node: 'count', port: 'error', payload: row, at: new Date(0) });
        continue;
      }
      const next = (this.counts.get(row.key) ?? 0) + 1;
      this.counts.set(row.key, next);
      rows.push({ n: row.n, key: row.key, count: next });
    }
    if (rows.length) emit('out', { rows, partition: batch.partition });
    if (bad.length) emit('error', { rows: bad, partition: batch.partition });
  }
  finish(): void {}
  snapshot(): unknown {
    return [...this.counts];
  }
  restore(state: unknown): void {
    this.counts = new Map(state as [string, number][]);
  }
}

const countNodes = (source: () => MemorySource, sinks: Record<string, SinkInstance>): Partial<Record<NodeSpec['type'], NodeFactory>> => ({
  'source.generator': { kind: 'source', create: () => source() },
  'transform.dedupe': { kind: 'operator', create: () => new RunningCount() },
  'sink.preview': { kind: 'sink', create: (spec) => sinks[spec.id] as SinkInstance },
});

const countDoc = doc(
  [
    { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } },
    { id: 'count', type: 'transform.dedupe', config: { key: 'key', horizon: '1m' } },
    { id: 'out', type: 'sink.preview', config: {} },
  ],
  [{ from: 'src', to: 'count' }, { from: 'count', to: 'out' }],
);

function options(extra: Partial<RunOptions> = {}): RunOptions {
  const time = new ManualTime(0);
  return { lakeDir: '/nonexistent-lake', homeDir: '/nonexistent-home', clock: time, timers: time, ...extra };
}

test('fan-out and fan-in carry every batch to every downstream node', async () => {
  const a = new PreviewSink(1000);
  const b = new PreviewSink(1000);
  const pipeline = doc(
    [
      { id: 's1', type: 'source.generator', config: { dataset: 'sales_orders' } },
      { id: 's2', type: 'source.file', config: { path: 'x', format: 'jsonl' } },
      { id: 'count', type: 'transform.dedupe', config: { key: 'key', horizon: '1m' } },
      { id: 'a', type: 'sink.preview', config: {} },
      { id: 'b', type: 'sink.preview', config: {} },
    ],
    [{ from: 's1', to: 'count' }, { from: 's2', to: 'count' }, { from: 'count', to: 'a' }, { from: 'count', to: 'b' }, { from: 's2', to: 'b' }],
  );
  const run = createRun(pipeline, options({
    nodes: {
      'source.generator': { kind: 'source', create: () => new MemorySource(batchesOf(5, 10, 's1/0')) },
      'source.file': { kind: 'source', create: () => new MemorySource(batchesOf(3, 10, 's2/0')) },
      'transform.dedupe': { kind: 'operator', create: () => new RunningCount() },
      'sink.preview': { kind: 'sink', create: (spec) => (spec.id === 'a' ? a : b) },
    },
  }));
  const summary = await run.start();
  assert.equal(summary.status, 'finished');
  assert.equal(summary.eventsIn, 80);
  assert.equal(a.preview().length, 80);
  assert.equal(b.preview().length, 80 + 30, 'b receives the counted rows and the raw rows of s2');
  const counts = a.preview().filter((r) => r.key === 'k0').map((r) => r.count);
  assert.deepEqual(counts, counts.map((_c, i) => i + 1));
  const m = run.metrics();
  assert.equal(m.nodes.count?.in, 80);
  assert.equal(m.nodes.count?.out.out, 80);
  assert.equal(m.nodes.b?.in, 110);
  assert.equal(summary.sinks.a?.rows, 80);
  assert.equal(run.status(), 'finished');
  assert.equal(run.preview('count', 'out', 3).length, 3);
  assert.deepEqual(run.preview('count', 'out', 3), a.preview().slice(-3), 'the preview ends with the latest rows emitted');
});

test('a slow sink bounds the batches in flight and slows the source', async () => {
  const released: (() => void)[] = [];
  let writes = 0;
  const slow: SinkInstance = {
    write: () => new Promise<void>((resolve) => { writes++; released.push(resolve); }),
    prepare: async () => null,
    commit: async () => undefined,
    lastCommittedId: async () => null,
    close: async () => ({ rows: writes }),
  };
  let pushed = 0;
  const source = new MemorySource(batchesOf(100, 5), { onPushed: () => { pushed++; } });
  const capacity = 3;
  const run = createRun(countDoc, options({ queueCapacity: capacity, nodes: countNodes(() => source, { out: slow }) }));
  const done = run.start();
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const queued = run.metrics().nodes.out?.queued ?? 0;
  assert.equal(writes, 1, 'the sink is still on its first write');
  assert.ok(queued <= capacity, `queue holds ${queued} batches, capacity ${capacity}`);
  assert.ok(pushed < capacity + 1, `source got past ${pushed} pushes while the sink was stuck`);
  assert.equal(run.metrics().nodes.count?.in, (capacity) * 5, 'exactly capacity batches processed, the source waits on the next');
  while (writes < 100 || released.length > 0) {
    released.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  const summary = await done;
  assert.equal(summary.status, 'finished');
  assert.equal(summary.sinks.out?.rows, 100);
});

test('unconnected error ports count their events and keep the latest for the UI', async () => {
  const sink = new PreviewSink();
  const batches: Batch[] = [{ rows: [{ n: 1, key: 'a' }, { n: 2, key: 7 }, { n: 3, key: null }], partition: 'p0' }];
  const run = createRun(countDoc, options({ nodes: countNodes(() => new MemorySource(batches), { out: sink }) }));
  const summary = await run.start();
  assert.equal(summary.nodes.count?.errors, 2);
  assert.equal(run.metrics().nodes.count?.out.error, 2);
  const dead = run.preview('count', 'error');
  assert.deepEqual(dead.map((d) => (d.payload as Row).n), [2, 3]);
  assert.equal(sink.preview().length, 1);
});

test('dead letters pushed by a source on its error port are counted and routed', async () => {
  const sink = new PreviewSink();
  const dead = new PreviewSink();
  const source = {
    async run(push: (batch: Batch, port?: 'out' | 'error') => Promise<void>) {
      await push({ rows: [{ n: 1, key: 'a' }], partition: 'p0' });
      await push({ rows: [{ reason: 'bad json', node: 'src', port: 'error', payload: '{x', at: new Date(0) }], partition: 'p0' }, 'error');
    },
    positions: () => ({}),
    restore: () => undefined,
    close: async () => undefined,
  };
  const pipeline = doc(countDoc.nodes.concat([{ id: 'dead', type: 'sink.preview', config: {} }]), countDoc.edges.concat([{ from: 'src', port: 'error', to: 'dead' }]));
  const run = createRun(pipeline, options({ nodes: { ...countNodes(() => new MemorySource([]), { out: sink, dead }), 'source.generator': { kind: 'source', create: () => source } } }));
  const summary = await run.start();
  assert.equal(summary.eventsIn, 2);
  assert.equal(summary.nodes.src?.errors, 1);
  assert.equal(dead.preview()[0]?.reason, 'bad json');
  assert.equal(sink.preview().length, 1);
});

test('a restart from the checkpoint taken at stop gives the output of one uninterrupted run', async () => {
  const batches = batchesOf(40, 7);
  const whole = new PreviewSink(10_000);
  await createRun(countDoc, options({ nodes: countNodes(() => new MemorySource(batches), { out: whole }) })).start();

  const dir = await tempDir();
  const first = new PreviewSink(10_000);
  const events: RunEvent[] = [];
  let stopping: Promise<void> | null = null;
  const run1 = createRun(countDoc, options({
    checkpointDir: dir,
    onEvent: (e) => events.push(e),
    nodes: countNodes(() => new MemorySource(batches, { onPushed: (i) => { if (i === 16) stopping = run1.stop(); } }), { out: first }),
  }));
  const s1 = await run1.start();
  await stopping;
  assert.equal(s1.status, 'stopped');
  assert.ok(first.preview().length < whole.preview().length, 'the first run stopped part way');
  assert.deepEqual(await readdir(dir), [`chk-${s1.lastCheckpointId}.json`]);
  assert.ok(events.some((e) => e.type === 'checkpoint'));

  const second = new PreviewSink(10_000);
  const run2 = createRun(countDoc, options({ checkpointDir: dir, nodes: countNodes(() => new MemorySource(batches), { out: second }) }));
  const s2 = await run2.start();
  assert.equal(s2.restoredFrom, s1.lastCheckpointId);
  assert.ok((s2.lastCheckpointId ?? 0) > (s1.lastCheckpointId ?? 0), 'checkpoint ids keep increasing across restarts');
  assert.deepEqual([...first.preview(), ...second.preview()], whole.preview());
  assert.deepEqual(await readdir(dir), [`chk-${s2.lastCheckpointId}.json`], 'superseded checkpoints are removed');

  await run2.resetState();
  assert.deepEqual(await readdir(dir), []);
});

test('restore starts from the newest checkpoint even when a sink says it never committed; that sink commits it then', async () => {
  const dir = await tempDir();
  const batches = batchesOf(10, 2);
  const run1 = createRun(countDoc, options({ checkpointDir: dir, nodes: countNodes(() => new MemorySource(batches), { out: new PreviewSink() }) }));
  const s1 = await run1.start();
  // A sink that says it never committed anything does not veto the restore: it is handed the pending
  // state of the checkpoint to commit, and its own commit is what makes it converge.
  const forgetful = new PreviewSink();
  const commits: { id: number; flush: boolean | undefined }[] = [];
  Object.assign(forgetful, { lastCommittedId: async () => null, commit: async (info: CheckpointInfo) => { commits.push({ id: info.id, flush: info.flush }); } });
  const run2 = createRun(countDoc, options({ checkpointDir: dir, nodes: countNodes(() => new MemorySource(batches), { out: forgetful }) }));
  const s2 = await run2.start();
  assert.equal(s1.restoredFrom, null);
  assert.equal(s2.restoredFrom, s1.lastCheckpointId);
  assert.deepEqual(commits[0], { id: s1.lastCheckpointId, flush: true });
  assert.equal(forgetful.preview().length, 0, 'the input was finished at the checkpoint: nothing is read again');
});

test('periodic checkpoints follow the injected timers', async () => {
  const dir = await tempDir();
  const time = new ManualTime(0);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => { release = r; });
  let running: () => void = () => undefined;
  const isRunning = new Promise<void>((r) => { running = r; });
  const source = {
    next: 0,
    async run(push: (batch: Batch) => Promise<void>) {
      this.next = 1;
      await push({ rows: [{ n: 1, key: 'a' }], partition: 'p0' });
      running();
      await gate;
      this.next = 2;
      await push({ rows: [{ n: 2, key: 'a' }], partition: 'p0' });
    },
    positions() { return { next: this.next }; },
    restore: () => undefined,
    close: async () => undefined,
  };
  const ids: number[] = [];
  let firstCheckpoint: () => void = () => undefined;
  const checkpointed = new Promise<void>((r) => { firstCheckpoint = r; });
  const started = createRun(countDoc, { lakeDir: '/x', homeDir: '/x', clock: time, timers: time, checkpointDir: dir, checkpointInterval: 5000,
    onEvent: (e) => { if (e.type === 'checkpoint') { ids.push(e.checkpointId); firstCheckpoint(); } },
    nodes: { ...countNodes(() => new MemorySource([]), { out: new PreviewSink() }), 'source.generator': { kind: 'source', create: () => source } } });
  const done = started.start();
  // Sources start after the timers are scheduled, so from here the clock drives the checkpoints.
  await isRunning;
  assert.deepEqual(ids, [], 'no checkpoint before the interval passed');
  time.advance(4999);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(ids, [], 'still none 1 ms before the interval');
  time.advance(1);
  await checkpointed;
  assert.deepEqual(ids, [1]);
  assert.deepEqual(await readdir(dir), ['chk-1.json']);
  release();
  const summary = await done;
  assert.deepEqual(ids, [1, 2], 'and a final one at the end');
  assert.equal(summary.checkpoints, 2);
});

test('a node that throws fails the run with its id, and start() still resolves', async () => {
  const sink = new PreviewSink();
  const run = createRun(countDoc, options({
    nodes: {
      ...countNodes(() => new MemorySource(batchesOf(3, 2)), { out: sink }),
      'transform.dedupe': { kind: 'operator', create: () => ({ process: () => { throw new Error('boom'); }, finish: () => undefined, snapshot: () => null, restore: () => undefined }) },
    },
  }));
  const summary = await run.start();
  assert.equal(summary.status, 'failed');
  assert.equal(summary.error?.node, 'count');
  assert.match(summary.error?.message ?? '', /boom/);
  assert.equal(run.status(), 'failed');
});

test('maxEvents ends the input after exactly that many events', async () => {
  const sink = new PreviewSink(1000);
  const run = createRun(countDoc, options({ maxEvents: 23, nodes: countNodes(() => new MemorySource(batchesOf(10, 5)), { out: sink }) }));
  const summary = await run.start();
  assert.equal(summary.status, 'finished');
  assert.equal(summary.eventsIn, 23);
  assert.equal(sink.preview().length, 23);
});

test('metrics render as Prometheus text exposition', async () => {
  const run = createRun({ ...countDoc, name: 'sales "by" region' }, options({ nodes: countNodes(() => new MemorySource(batchesOf(4, 5)), { out: new PreviewSink() }) }));
  await run.start();
  const text = run.prometheus();
  assert.ok(text.endsWith('\n'));
  assert.match(text, /^# HELP streamlake_node_events_in_total .+\n# TYPE streamlake_node_events_in_total counter\n/m);
  assert.match(text, /^streamlake_node_events_out_total\{pipeline="sales \\"by\\" region",node="count",port="out"\} 20$/m);
  assert.match(text, /^streamlake_node_events_in_total\{pipeline="sales \\"by\\" region",node="src"\} 20$/m);
  assert.match(text, /^# TYPE streamlake_node_batch_latency_ms histogram$/m);
  const count = /^streamlake_node_batch_latency_ms_count\{pipeline="[^"\\]*(?:\\.[^"\\]*)*",node="count"\} (\d+)$/m.exec(text)?.[1];
  const inf = /^streamlake_node_batch_latency_ms_bucket\{pipeline="[^"\\]*(?:\\.[^"\\]*)*",node="count",le="\+Inf"\} (\d+)$/m.exec(text)?.[1];
  assert.equal(count, '4');
  assert.equal(inf, '4');
  // Every sample line is `name{labels} value` with a number, NaN or +Inf value.
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+\{.*\} (-?\d+(\.\d+)?(e-?\d+)?|NaN|\+Inf)$/, line);
  }
  const snap = run.metrics();
  assert.equal(snap.nodes.count?.latency.count, 4);
  assert.ok((snap.nodes.count?.latency.p99 ?? -1) >= 0);
});

test('rows a sink rejects leave through its error port and stay visible when unconnected', async () => {
  const dead = new PreviewSink();
  let pending: Row[] = [];
  const picky: SinkInstance = {
    async write(batch) {
      for (const row of batch.rows) if (row.key === 'k1') pending.push({ reason: 'does not fit', node: 'out', port: 'error', payload: row, at: new Date(0) });
    },
    prepare: async () => null,
    commit: async () => undefined,
    lastCommittedId: async () => null,
    close: async () => ({ rows: 0 }),
    rejected() {
      const out = pending as never;
      pending = [];
      return out;
    },
  };
  const pipeline = doc(countDoc.nodes.concat([{ id: 'dead', type: 'sink.preview', config: {} }]), countDoc.edges.concat([{ from: 'out', port: 'error', to: 'dead' }]));
  const run = createRun(pipeline, options({ nodes: countNodes(() => new MemorySource(batchesOf(3, 3)), { out: picky, dead }) }));
  const summary = await run.start();
  assert.equal(summary.status, 'finished');
  assert.equal(dead.preview().length, 3);
  assert.equal(run.preview('out', 'error').length, 3);
});

test('only the newest checkpoint file stays, also while a sink keeps its work pending', async () => {
  const dir = await tempDir();
  const time = new ManualTime(0);
  let committed: number | null = null;
  const lazy: SinkInstance = {
    write: async () => undefined,
    // Commits only odd checkpoints, like a lake sink with a commit interval longer than the checkpoint
    // interval; its pending state is cumulative, so the newest file alone lets a restore catch it up.
    prepare: async () => ({ since: committed }),
    commit: async (info) => { if (info.id % 2 === 1) committed = info.id; },
    lastCommittedId: async () => committed,
    close: async () => ({ rows: 0 }),
  };
  const seen: number[] = [];
  let next: () => void = () => undefined;
  let running: () => void = () => undefined;
  const isRunning = new Promise<void>((r) => { running = r; });
  const source = {
    n: 0,
    async run(push: (batch: Batch) => Promise<void>) {
      running();
      for (let i = 0; i < 3; i++) {
        this.n++;
        await push({ rows: [{ n: i, key: 'a' }], partition: 'p0' });
        await new Promise<void>((r) => { next = r; });
      }
    },
    positions() { return { n: this.n }; },
    restore: () => undefined,
    close: async () => undefined,
  };
  const run = createRun(countDoc, { lakeDir: '/x', homeDir: '/x', clock: time, timers: time, checkpointDir: dir, checkpointInterval: 1000,
    onEvent: (e) => { if (e.type === 'checkpoint') seen.push(e.checkpointId); },
    nodes: { ...countNodes(() => new MemorySource([]), { out: lazy }), 'source.generator': { kind: 'source', create: () => source } } });
  const done = run.start();
  const waitFor = async (n: number): Promise<void> => {
    for (let spins = 0; seen.length < n; spins++) {
      assert.ok(spins < 100_000, `checkpoint ${n} never came`);
      await new Promise((r) => setImmediate(r));
    }
  };
  await isRunning;
  time.advance(1000);
  await waitFor(1);
  assert.deepEqual((await readdir(dir)).sort(), ['chk-1.json']);
  time.advance(1000);
  await waitFor(2);
  assert.deepEqual((await readdir(dir)).sort(), ['chk-2.json'], 'chk-2 holds the pending work the sink did not commit');
  time.advance(1000);
  await waitFor(3);
  assert.deepEqual((await readdir(dir)).sort(), ['chk-3.json']);
  for (let i = 0; i < 3; i++) {
    next();
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
  }
  await done;
});

test('sources learn which fields the pipeline reads, unless whole rows leave it', async () => {
  const { buildGraph } = await import('./graph.ts');
  const { sourceProjection } = await import('./projection.ts');
  const base: NodeSpec[] = [
    { id: 'src', type: 'source.file', config: { path: 'x', format: 'jsonl' } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND customer.tier IS NOT NULL' } },
    { id: 'win', type: 'window.tumbling', config: { time: 'event_time', size: '1m', groupBy: ['region'], aggregates: { n: 'count(*)', total: 'sum(amount * quantity)' } } },
    { id: 'out', type: 'sink.preview', config: {} },
  ];
  const edges = [{ from: 'src', to: 'valid' }, { from: 'valid', to: 'win' }, { from: 'win', to: 'out' }];
  assert.deepEqual(sourceProjection(buildGraph(doc(base, edges)), 'src'), ['amount', 'customer', 'event_time', 'quantity', 'region']);
  assert.equal(sourceProjection(buildGraph(doc(base, [...edges, { from: 'valid', to: 'out' }])), 'src'), undefined, 'raw rows reach a sink');
  assert.equal(sourceProjection(buildGraph(doc(base, [...edges, { from: 'valid', port: 'error', to: 'out' }])), 'src'), undefined, 'dead letters carry whole rows');
  let seen: readonly string[] | undefined = ['not called'];
  const run = createRun(doc(base, edges), options({ nodes: {
    'source.file': { kind: 'source', create: (_spec, ctx) => { seen = ctx.fields; return new MemorySource([]); } },
  } }));
  await run.start();
  assert.deepEqual(seen, ['amount', 'customer', 'event_time', 'quantity', 'region']);
});

test('without a checkpoint folder every barrier flushes the sinks, so source offsets never run ahead of the lake', async () => {
  const { LakeSink, openLake } = await import('../lake/index.ts');
  const lakeDir = await tempDir();
  const stateDir = await tempDir();
  const time = new ManualTime(0);
  // An unbounded source, like a Kafka topic: it pushes one batch per step and only ends when told to.
  let step: () => void = () => undefined;
  let pushed = 0;
  let ended = false;
  const source = {
    async run(push: (batch: Batch) => Promise<void>, signal: AbortSignal) {
      while (!signal.aborted && !ended) {
        pushed++;
        await push({ rows: [{ n: pushed, key: 'a' }], partition: 'p0' });
        await new Promise<void>((r) => { step = r; });
      }
    },
    positions() { return { n: pushed }; },
    restore: () => undefined,
    // Like Kafka group offsets: without a checkpoint folder, where the next run starts.
    committed: async (positions: { n?: unknown }) => { offsets.push(positions.n as number); },
    close: async () => undefined,
  };
  const offsets: number[] = [];
  const checkpoints: number[] = [];
  const pipeline = doc(
    [
      { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } },
      { id: 'out', type: 'sink.lake', config: { table: 'live', commitInterval: '2s' } },
    ],
    [{ from: 'src', to: 'out' }],
  );
  const run = createRun(pipeline, { lakeDir, homeDir: stateDir, clock: time, timers: time, checkpointInterval: 1000,
    onEvent: (e) => { if (e.type === 'checkpoint') checkpoints.push(e.checkpointId); },
    nodes: {
      'source.generator': { kind: 'source', create: () => source },
      'sink.lake': { kind: 'sink', create: (spec, ctx) => new LakeSink(spec.config as { table: string; commitInterval: string }, ctx) },
    } });
  const done = run.start();
  const snapshots = async (): Promise<number> => {
    const lake = openLake(lakeDir);
    return (await lake.exists('live')) ? (await lake.table('live')).snapshots().length : 0;
  };
  // Bounded by real time, not by event-loop turns: a lake commit (DuckDB) on a loaded machine can take
  // more turns than a fixed count allows.
  const waitFor = async (what: () => Promise<boolean>, message: string): Promise<void> => {
    const deadline = monotonicMs() + 60_000;
    while (!(await what())) {
      assert.ok(monotonicMs() < deadline, message);
      await new Promise((r) => setImmediate(r));
    }
  };
  await waitFor(async () => pushed === 1, 'the source never started');
  time.advance(1000);
  await waitFor(async () => checkpoints.length === 1, 'no barrier after the interval');
  // Nothing could restore pending work without a folder, so the sink's own 2 s cadence does not apply.
  assert.equal(await snapshots(), 1, 'a snapshot while the source is still running');
  assert.equal((await openLake(lakeDir).table('live')).resolve()?.summary['streamlake.checkpoint-id'], '1');
  assert.deepEqual(offsets, [1], 'the position is committed once the lake has the rows it covers');
  step();
  await waitFor(async () => pushed === 2, 'the source did not go on');
  time.advance(1000);
  await waitFor(async () => checkpoints.length === 2, 'no second barrier');
  assert.equal(await snapshots(), 2);
  assert.equal(pushed, 2);
  assert.equal(ended, false);
  assert.deepEqual(offsets, [1, 2]);
  assert.deepEqual(await readdir(stateDir), [], 'no state file is written without a checkpoint folder');
  ended = true;
  step();
  const summary = await done;
  assert.equal(summary.status, 'finished');
  assert.equal(summary.sinks.out?.rows, 2);
  assert.deepEqual(offsets, [1, 2, 2]);
  assert.equal(await snapshots(), 2, 'the final barrier found nothing new to publish');
});

test('a re-emitted window row that a filter after the window now drops is retracted from the sink', async () => {
  const minute = 60_000;
  const row = (t: number, amount: number): Row => ({ t: new Date(t), region: 'eu', amount });
  // The window [0, 1m) closes at watermark 1m with avg 20 (it passes); a late event within the allowed
  // lateness brings the avg to 8, so its re-emitted row no longer passes the filter.
  const source = new MemorySource([{ rows: [row(1000, 20), row(minute + 1000, 1)], partition: 'p0' }, { rows: [row(2000, -4)], partition: 'p0' }]);
  const out = new PreviewSink(100);
  const pipeline = doc(
    [
      { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } },
      { id: 'win', type: 'window.tumbling', config: { time: 't', size: '1m', allowedLateness: '5m', groupBy: ['region'], aggregates: { avg_amount: 'avg(amount)' } } },
      { id: 'big', type: 'transform.filter', config: { where: 'avg_amount >= 10' } },
      { id: 'out', type: 'sink.preview', config: {} },
    ],
    [{ from: 'src', to: 'win' }, { from: 'win', to: 'big' }, { from: 'big', to: 'out' }],
  );
  const run = createRun(pipeline, options({ nodes: { 'source.generator': { kind: 'source', create: () => source }, 'sink.preview': { kind: 'sink', create: () => out } } }));
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.deepEqual(out.preview(), [], 'the window that no longer passes is gone; the later window never passed');
  assert.equal((summary.sinks.out as { retracted?: number }).retracted, 1);
});


test('a partition a source announces reaches the window through filter and map, and holds its watermark until it delivers', async () => {
  const second = 1000;
  const row = (t: number, partition: string): Row => ({ t: new Date(t), region: 'eu', amount: 1, partition });
  // p1 is announced but its first batch comes after minutes of p0's event time: its events are on time.
  const source = new MemorySource([
    { rows: [], partition: 'src/p0', announce: true },
    { rows: [], partition: 'src/p1', announce: true },
    { rows: [row(10 * second, 'p0'), row(300 * second, 'p0')], partition: 'src/p0' },
    { rows: [row(20 * second, 'p1')], partition: 'src/p1' },
  ]);
  const out = new PreviewSink(100);
  const late = new PreviewSink(100);
  const seen: Batch[] = [];
  const raw = new PreviewSink(100);
  const watching: SinkInstance = {
    write: (batch) => { seen.push(batch); return raw.write(batch); },
    prepare: (info) => raw.prepare(info),
    commit: (info, pending) => raw.commit(info, pending),
    lastCommittedId: () => raw.lastCommittedId(),
    close: () => raw.close(),
  };
  const pipeline = doc(
    [
      { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } },
      { id: 'all', type: 'transform.filter', config: { where: 'amount > 0' } },
      { id: 'shape', type: 'transform.map', config: { select: { t: 't', region: 'region', amount: 'amount' } } },
      { id: 'win', type: 'window.tumbling', config: { time: 't', size: '1m', groupBy: ['region'], aggregates: { n: 'count(*)' } } },
      { id: 'out', type: 'sink.preview', config: {} },
      { id: 'late', type: 'sink.kafka', config: { connection: 'none', topic: 'late', format: 'json' } },
      { id: 'raw', type: 'sink.lake', config: { table: 'raw' } },
    ],
    [
      { from: 'src', to: 'all' }, { from: 'all', to: 'shape' }, { from: 'shape', to: 'win' }, { from: 'win', to: 'out' },
      { from: 'win', to: 'late', port: 'late' }, { from: 'src', to: 'raw' },
    ],
  );
  const run = createRun(pipeline, options({
    nodes: {
      'source.generator': { kind: 'source', create: () => source },
      'sink.preview': { kind: 'sink', create: () => out },
      'sink.kafka': { kind: 'sink', create: () => late },
      'sink.lake': { kind: 'sink', create: () => watching },
    },
  }));
  const summary = await run.start();
  assert.equal(summary.status, 'finished', JSON.stringify(summary.error));
  assert.deepEqual(late.preview(), [], "p1's event 280 s behind p0's latest is not late");
  assert.deepEqual(out.preview().map((r) => [(r.window_start as Date).getTime(), r.n]).sort(), [[0, 2], [300_000, 1]]);
  assert.ok(seen.length > 0 && seen.every((batch) => !batch.announce && batch.rows.length > 0), 'sinks never see an announcement');
});
