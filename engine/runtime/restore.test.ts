// The restore defects of issue #9, each reproduced with small in-process runs over real lake tables and
// real checkpoint files. A "crash" is a run abandoned mid-way: its source (or a sink) waits forever, so
// no final checkpoint, no close and no commit ever happens after that point, exactly as after `kill -9`.
// Expected rows always come from the input itself, never from an earlier run's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import '../nodes/index.ts';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import { LakeSink, openLake, readRows, SUMMARY_CHECKPOINT } from '../lake/index.ts';
import type { CommitHooks } from '../lake/table/store.ts';
import { tempDir } from '../lake/testing/tmp.ts';
import type { NodeFactory } from '../nodes/registry.ts';
import { ManualTime, monotonicMs } from './clock.ts';
import { createRun, type RunOptions, type RunSummary } from './run.ts';
import type { Batch, SinkInstance, SourceInstance, SourcePositions } from './types.ts';

/** Pushes its batches in order; `after(i)` runs once batch i was pushed (checkpoints, crashes). */
class ScriptedSource implements SourceInstance {
  next = 0;

  constructor(private readonly batches: readonly Batch[], private readonly after: (index: number) => Promise<void> = async () => undefined) {}

  async run(push: (batch: Batch) => Promise<void>, signal: AbortSignal): Promise<void> {
    while (this.next < this.batches.length && !signal.aborted) {
      const index = this.next;
      this.next = index + 1;
      await push(this.batches[index] as Batch);
      await this.after(index);
    }
  }

  positions(): SourcePositions {
    return { next: this.next };
  }

  restore(positions: SourcePositions): void {
    this.next = positions.next as number;
  }

  async close(): Promise<void> {}
}

const forever = (): Promise<never> => new Promise<never>(() => undefined);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits (bounded by real time, not by event-loop turns) until `done` holds. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = monotonicMs() + 60_000;
  while (!done()) {
    assert.ok(monotonicMs() < deadline, what);
    await turn();
  }
}

/** Batches of `size` rows with ids from 0, one partition. */
function batchesOf(count: number, size: number): Batch[] {
  return Array.from({ length: count }, (_, b) => ({ partition: 'src/0', rows: Array.from({ length: size }, (_, i) => ({ id: b * size + i })) }));
}

function doc(nodes: NodeSpec[], edges: PipelineDoc['edges']): PipelineDoc {
  return { format: 'streamlake.pipeline', version: 1, name: 'restore', nodes, edges };
}

const source: NodeSpec = { id: 'src', type: 'source.generator', config: { dataset: 'sales_orders' } };
const lake = (id: string, config: Record<string, unknown>): NodeSpec => ({ id, type: 'sink.lake', config: { table: id, ...config } } as NodeSpec);

async function ids(lakeDir: string, table: string): Promise<number[]> {
  const lakeAt = openLake(lakeDir);
  if (!(await lakeAt.exists(table))) return [];
  return (await readRows(await lakeAt.table(table), undefined, { orderBy: 'id' })).map((r) => Number(r.id));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Run options with the generator replaced by `make` and, optionally, a wrapper around each lake sink. */
function options(lakeDir: string, checkpointDir: string, time: ManualTime, make: (() => SourceInstance) | null, extra: Partial<RunOptions> = {}, wrap?: (id: string, sink: LakeSink) => SinkInstance): RunOptions {
  const nodes: Partial<Record<NodeSpec['type'], NodeFactory>> = {};
  if (make) nodes['source.generator'] = { kind: 'source', create: make };
  if (wrap) nodes['sink.lake'] = { kind: 'sink', create: (spec, ctx) => wrap(spec.id, new LakeSink(spec.config as { table: string }, ctx)) };
  return { lakeDir, homeDir: lakeDir, clock: time, timers: time, checkpointDir, checkpointInterval: 1000, ...extra, nodes: { ...nodes, ...extra.nodes } };
}

test('an empty dead-letter sink does not disable restore: stop and restart of 50 rows leaves 50', async (t) => {
  const lakeDir = await tempDir(t);
  const checkpointDir = await tempDir(t, 'chk-');
  const pipeline = doc(
    [source, { id: 'valid', type: 'transform.filter', config: { where: 'id >= 0' } }, lake('main', { commitInterval: '0s' }), lake('dead', {})],
    [{ from: 'src', to: 'valid' }, { from: 'valid', to: 'main' }, { from: 'valid', port: 'error', to: 'dead' }],
  );
  const batches = batchesOf(5, 10);
  const stopAfter = 1;
  let first: ReturnType<typeof createRun> | null = null;
  const stopping = new ScriptedSource(batches, async (i) => { if (i === stopAfter) void first?.stop(); });
  first = createRun(pipeline, options(lakeDir, checkpointDir, new ManualTime(0), () => stopping));
  const s1 = await first.start();
  assert.equal(s1.status, 'stopped', s1.error?.message);
  assert.deepEqual(await ids(lakeDir, 'main'), range(20), 'the final checkpoint of the stop committed what was read');

  const second = createRun(pipeline, options(lakeDir, checkpointDir, new ManualTime(0), () => new ScriptedSource(batches)));
  const s2 = await second.start();
  assert.equal(s2.status, 'finished', s2.error?.message);
  assert.equal(s2.restoredFrom, s1.lastCheckpointId, 'the dead-letter sink that never committed does not veto the restore');
  assert.deepEqual(await ids(lakeDir, 'main'), range(50));
  assert.deepEqual(await ids(lakeDir, 'dead'), []);
});

test('restore takes the newest checkpoint, not the minimum over sinks: a sink behind commits its pending rows, one ahead appends nothing again', async (t) => {
  const lakeDir = await tempDir(t);
  const checkpointDir = await tempDir(t, 'chk-');
  // a commits at every checkpoint; b only once 10 rows are pending (at checkpoint 3 of 4-row batches).
  const pipeline = doc([source, lake('a', { commitInterval: '0s' }), lake('b', { commitInterval: '1h', targetRows: 10 })], [{ from: 'src', to: 'a' }, { from: 'src', to: 'b' }]);
  const batches = batchesOf(8, 4);
  const time = new ManualTime(0);
  const checkpoints: number[] = [];
  const crashAfter = 4;
  const crashing = new ScriptedSource(batches, async (i) => {
    time.advance(1000);
    await waitFor(() => checkpoints.length === i + 1, `checkpoint ${i + 1} never completed`);
    await turn(); // the next periodic barrier is scheduled once this one settled
    if (i === crashAfter) await forever(); // kill -9: nothing after checkpoint 5 happens
  });
  const first = createRun(pipeline, options(lakeDir, checkpointDir, time, () => crashing, { onEvent: (e) => { if (e.type === 'checkpoint') checkpoints.push(e.checkpointId); } }));
  void first.start();
  await waitFor(() => checkpoints.length === crashAfter + 1, 'the first run never reached its crash point');
  assert.deepEqual(await ids(lakeDir, 'a'), range(20));
  assert.deepEqual(await ids(lakeDir, 'b'), range(12), 'b committed at checkpoint 3 only');

  const second = createRun(pipeline, options(lakeDir, checkpointDir, new ManualTime(0), () => new ScriptedSource(batches)));
  const summary = await second.start();
  assert.equal(summary.status, 'finished', summary.error?.message);
  assert.equal(summary.restoredFrom, 5);
  assert.deepEqual(await ids(lakeDir, 'a'), range(32), 'a holds every row once');
  assert.deepEqual(await ids(lakeDir, 'b'), range(32), 'b committed its pending rows of checkpoints 4 and 5 on restore');
});

test('dead letters of a batch are in the checkpoint that covers the batch, also under backpressure', async (t) => {
  const lakeDir = await tempDir(t);
  const checkpointDir = await tempDir(t, 'chk-');
  const input = join(lakeDir, 'in.jsonl');
  await writeFile(input, '{"id":0}\nbad0\n{"id":1}\nbad1\n{"id":2}\nbad2\n');
  const pipeline = doc(
    [{ id: 'src', type: 'source.file', config: { path: input, format: 'jsonl' } }, lake('main', { commitInterval: '0s' }), lake('dead', { commitInterval: '0s' })],
    [{ from: 'src', to: 'main' }, { from: 'src', port: 'error', to: 'dead' }],
  );
  const time = new ManualTime(0);
  let phase: 'before-barrier' | 'after-barrier' = 'before-barrier';
  let mainWriting = false;
  let release: () => void = () => undefined;
  let deadWrittenIn: string | null = null;
  const checkpoints: number[] = [];
  // main's first write waits (a full queue: the source waits for room); dead's first write never ends
  // (the process dies there), so whatever dead letters were not in a completed checkpoint are lost
  // unless the restore reads them again.
  const wrap = (id: string, sink: LakeSink): SinkInstance => {
    const write = sink.write.bind(sink);
    if (id === 'main') {
      sink.write = async (batch) => {
        mainWriting = true;
        await new Promise<void>((resolve) => { release = resolve; });
        return write(batch);
      };
    } else {
      sink.write = async () => {
        deadWrittenIn ??= phase;
        return forever();
      };
    }
    return sink;
  };
  const first = createRun(pipeline, options(lakeDir, checkpointDir, time, null, {
    queueCapacity: 1,
    onEvent: (e) => { if (e.type === 'checkpoint') checkpoints.push(e.checkpointId); },
  }, wrap));
  void first.start();
  await waitFor(() => mainWriting, 'main never received the good rows');
  for (let i = 0; i < 20; i++) await turn();
  phase = 'after-barrier';
  time.advance(1000); // a periodic checkpoint while the source waits for room
  release();
  await waitFor(() => deadWrittenIn !== null, 'the dead letters never reached their sink');
  // Where the dead letters came after the barrier, that checkpoint completes (main commits it) before the crash.
  if (deadWrittenIn === 'after-barrier') await waitFor(() => checkpoints.length === 1, 'checkpoint 1 never completed');

  const second = createRun(pipeline, { lakeDir, homeDir: lakeDir, clock: new ManualTime(0), timers: new ManualTime(0), checkpointDir });
  const summary = await second.start();
  assert.equal(summary.status, 'finished', summary.error?.message);
  assert.deepEqual(await ids(lakeDir, 'main'), [0, 1, 2]);
  const dead = await readRows(await openLake(lakeDir).table('dead'), undefined, { orderBy: 'payload' });
  assert.deepEqual(dead.map((r) => r.payload), ['bad0', 'bad1', 'bad2'], 'every malformed line is in the dead-letter table');
  for (const row of dead) assert.match(String(row.reason), /invalid JSON/);
});

test('a commit that published and then threw is not committed again: resolved by reading the table', async (t) => {
  const lakeDir = await tempDir(t);
  const checkpointDir = await tempDir(t, 'chk-');
  const pipeline = doc([source, lake('t', { commitInterval: '0s' })], [{ from: 'src', to: 't' }]);
  const batches: Batch[] = [{ partition: 'src/0', rows: [{ id: 1 }, { id: 2 }] }, { partition: 'src/0', rows: [{ id: 3 }, { id: 4 }] }];
  const time = new ManualTime(0);
  const checkpoints: number[] = [];
  let links = 0;
  // The second commit's version is published, then the step after the link fails (like the hint write).
  const hooks: CommitHooks = { at: (step) => { if (step === 'after-link' && ++links === 2) throw new Error('version hint: disk full'); } };
  const scripted = new ScriptedSource(batches, async (i) => {
    if (i > 0) return;
    time.advance(1000);
    await waitFor(() => checkpoints.length === 1, 'checkpoint 1 never completed');
  });
  const run = createRun(pipeline, options(lakeDir, checkpointDir, time, () => scripted, {
    onEvent: (e) => { if (e.type === 'checkpoint') checkpoints.push(e.checkpointId); },
    nodes: { 'sink.lake': { kind: 'sink', create: (spec, ctx) => new LakeSink(spec.config as { table: string }, ctx, { hooks }) } },
  }));
  const summary: RunSummary = await run.start();
  assert.equal(links, 2);
  assert.equal(summary.status, 'finished', summary.error?.message);
  assert.deepEqual(await ids(lakeDir, 't'), [1, 2, 3, 4]);
  const table = await openLake(lakeDir).table('t');
  const committed = table.snapshots().map((s) => s.summary[SUMMARY_CHECKPOINT]).filter((id) => id !== undefined);
  assert.deepEqual(committed, ['1', '2']);
});

test('--max-events stops after exactly N events and the next run continues with event N+1', async (t) => {
  const lakeDir = await tempDir(t);
  const checkpointDir = await tempDir(t, 'chk-');
  const input = join(lakeDir, 'in.jsonl');
  await writeFile(input, range(10).map((id) => JSON.stringify({ id })).join('\n'));
  const pipeline = doc([{ id: 'src', type: 'source.file', config: { path: input, format: 'jsonl' } }, lake('t', {})], [{ from: 'src', to: 't' }]);
  const runOnce = (maxEvents?: number): Promise<RunSummary> => createRun(pipeline, { lakeDir, homeDir: lakeDir, checkpointDir, maxEvents }).start();
  const first = await runOnce(7);
  assert.equal(first.status, 'finished', first.error?.message);
  assert.equal(first.eventsIn, 7);
  assert.deepEqual(await ids(lakeDir, 't'), range(7));
  const second = await runOnce();
  assert.equal(second.eventsIn, 3, 'lines 8 to 10, nothing skipped');
  assert.deepEqual(await ids(lakeDir, 't'), range(10));
  const third = await runOnce();
  assert.equal(third.eventsIn, 0, 'the last line (no newline after it) is covered once read');
});
