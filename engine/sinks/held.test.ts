// FoldedAppends and commitStreamed (held.ts) on StagedSink, without a server: a same-run commit of appends
// gets the fold of exactly the staged rows and reads those rows back record by record, in order and with
// their positions (positional ids depend on it); a keyed or retracting interval has no fold; a restore
// reads the file; the sink holds no appended rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../errors.ts';
import { systemClock, systemTimers } from '../runtime/clock.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row } from '../runtime/types.ts';
import { commitStreamed, FoldedAppends, type RowFold, type StreamedWork } from './held.ts';
import type { Segment } from './pending.ts';
import type { RetryPolicy } from './retry.ts';
import { StagedSink } from './staged.ts';
import { Staging, type StagedRows } from './staging.ts';

const home = mkdtempSync(path.join(tmpdir(), 'streamlake-held-'));
after(() => rmSync(home, { recursive: true, force: true }));

function context(node: string): NodeContext {
  return {
    nodeId: node, pipelineName: 'held', clock: systemClock, timers: systemTimers, lakeDir: path.join(home, 'lake'), homeDir: home,
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal,
    log: () => undefined,
  };
}

function policy(ctx: NodeContext): RetryPolicy {
  const fail = (e: unknown): EngineError => new EngineError('ENG_RUN_CHECKPOINT', (e as Error).message);
  return { ctx, retries: 0, transient: () => false, fatal: fail, exhausted: fail, retried: () => undefined };
}

const rows = (from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => {
  const id = from + i;
  return { id, name: `r${id}`, at: new Date(Date.UTC(2026, 0, 1) + id), tags: id % 3 ? null : ['x', { y: id }] };
});
const batch = (r: Row[], keyed: Omit<Batch, 'rows' | 'partition'> = {}): Batch => ({ rows: r, partition: 'in/0', ...keyed });
const info = (id: number): CheckpointInfo => ({ id, sources: {} });

/** A fold for the test: the rows it saw (copied ids) and the fields in first-seen order. */
class TestFold implements RowFold {
  ids: number[] = [];
  fields = new Set<string>();
  add(rows: readonly Row[]): void {
    for (const row of rows) {
      this.ids.push(row.id as number);
      for (const k of Object.keys(row)) this.fields.add(k);
    }
  }
}

const newSink = (ctx: NodeContext): StagedSink<FoldedAppends<TestFold>> => new StagedSink(ctx, 'test', 'held-test', () => new FoldedAppends(new TestFold()));

interface Got {
  fold: TestFold | undefined;
  parts: StagedRows[];
  segments: Segment[];
}

/** Commits checkpoint `id` and returns what the attempt got (null: no attempt). */
async function commit(sink: StagedSink<FoldedAppends<TestFold>>, ctx: NodeContext, id: number, pending: unknown, last: number | null = null): Promise<Got | null> {
  let got: Got | null = null;
  await commitStreamed(sink, policy(ctx), info(id), pending, async () => last, async (work: StreamedWork<TestFold>): Promise<DeadLetter[]> => {
    const parts: StagedRows[] = [];
    for await (const part of work.parts()) parts.push(part);
    got = { fold: work.fold, parts, segments: await work.load() };
    return [];
  });
  return got;
}

test('appends: the commit gets the fold of the staged rows and reads them back a record at a time, in order; the sink holds none; the file is removed after', async () => {
  const ctx = context('appends');
  const sink = newSink(ctx);
  const input = [...rows(0, 700), ...rows(700, 300), ...rows(1000, 5)];
  await sink.write(batch(input.slice(0, 700)));
  await sink.write(batch(input.slice(700, 1000)));
  await sink.write(batch(input.slice(1000)));
  assert.equal(sink.encoder.rows, 1005);
  assert.equal(Object.values(sink.encoder).some((v) => Array.isArray(v) && v.length > 0), false, 'the encoder keeps no rows');
  const { pending, encoded } = await sink.prepare(info(4));
  assert.equal(encoded, true, 'the interval was appends only: its fold is kept for the commit');
  const [ref] = pending.segments;
  assert.ok(ref);
  // the file as a restore in another process reads it
  const [staged] = await new Staging(home, 'held', 'appends').read(pending.segments, 'appends');
  const got = await commit(sink, ctx, 4, JSON.parse(JSON.stringify(pending)));
  assert.ok(got?.fold);
  assert.deepEqual(got.fold.ids, input.map((r) => r.id), 'the fold saw exactly the staged rows');
  assert.deepEqual([...got.fold.fields], ['id', 'name', 'at', 'tags']);
  assert.deepEqual(got.parts.map((p) => [p.segment, p.position, p.rows.length]), [[4, 0, 700], [4, 700, 300], [4, 1000, 5]], 'one part per appended batch, positions in the segment');
  assert.deepEqual(got.parts.flatMap((p) => p.rows), input);
  assert.deepEqual(got.segments, [staged]);
  assert.deepEqual((await sink.prepare(info(5))).pending.segments, [], 'committed: not pending any more');
  await assert.rejects(new Staging(home, 'held', 'appends').read([ref], 'appends'), { code: 'ENG_RUN_CHECKPOINT' });
});

test('keyed rows or retractions spoil the fold: the commit reads them with their key and retractions', async () => {
  const ctx = context('keyed');
  const sink = newSink(ctx);
  await sink.write(batch(rows(0, 3)));
  await sink.write(batch(rows(3, 2), { upsertKey: ['id'], retract: [{ id: 1 }] }));
  const { pending, encoded } = await sink.prepare(info(2));
  assert.equal(encoded, false);
  const got = await commit(sink, ctx, 2, pending);
  assert.equal(got?.fold, undefined);
  assert.deepEqual(got?.segments, [{ id: 2, rows: rows(0, 5), retracts: [{ position: 3, keys: [{ id: 1 }] }], upsertKey: ['id'] }]);
  assert.deepEqual(got?.parts.map((p) => p.upsertKey), [undefined, ['id']], 'the parts say which rows are keyed');
});

test('a restore: another instance streams the staged rows without a fold; a checkpoint the target has is not written again; a short file fails', async () => {
  const ctx = context('restore');
  const first = newSink(ctx);
  await first.write(batch(rows(0, 10)));
  const { pending } = await first.prepare(info(7));
  const stored = JSON.parse(JSON.stringify(pending)) as unknown;

  const second = newSink(ctx);
  assert.equal(await commit(second, ctx, 7, stored, 7), null, 'the target has 7: no attempt');
  const third = newSink(context('restore2'));
  const other = newSink(context('restore2'));
  await other.write(batch(rows(20, 4)));
  await other.write(batch(rows(24, 2)));
  const p2 = JSON.parse(JSON.stringify((await other.prepare(info(3))).pending)) as { segments: { file: string; rows: number }[] };
  const got = await commit(third, ctx, 3, p2);
  assert.equal(got?.fold, undefined, 'not staged by this instance: the sink surveys the parts');
  assert.deepEqual(got?.parts.map((p) => [p.position, p.rows]), [[0, rows(20, 4)], [4, rows(24, 2)]]);

  // a checkpoint naming more rows than its file holds
  const bad = newSink(context('restore3'));
  await bad.write(batch(rows(0, 3)));
  const p3 = (await bad.prepare(info(1))).pending;
  const wrong = { ...p3, segments: p3.segments.map((s) => ({ ...s, rows: 4 })) };
  await assert.rejects(commit(newSink(context('restore3')), ctx, 1, wrong), { code: 'ENG_RUN_CHECKPOINT', message: /does not hold the 4 staged rows/ });
});
