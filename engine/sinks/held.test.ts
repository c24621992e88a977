// HeldRows and commitHeld (held.ts) on StagedSink, without a server: the rows a same-run commit takes
// from memory must be exactly what the staging file holds (positional ids depend on it), a keyed or
// retracting interval must not be taken from memory, and a restore reads the file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../errors.ts';
import { systemClock, systemTimers } from '../runtime/clock.ts';
import type { Batch, CheckpointInfo, DeadLetter, NodeContext, Row } from '../runtime/types.ts';
import { commitHeld, HeldRows } from './held.ts';
import type { Segment } from './pending.ts';
import type { RetryPolicy } from './retry.ts';
import { StagedSink } from './staged.ts';
import { Staging } from './staging.ts';

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

/** Commits checkpoint `id` and returns the segments the attempt got. */
async function commit(sink: StagedSink<HeldRows>, ctx: NodeContext, id: number, pending: unknown, last: number | null = null): Promise<Segment[] | null> {
  let got: Segment[] | null = null;
  await commitHeld(sink, policy(ctx), info(id), pending, async () => last, async (segments): Promise<DeadLetter[]> => {
    got = segments.map((s) => ({ ...s }));
    return [];
  });
  return got;
}

test('appends: the commit takes the held rows, equal to what the staging file holds; the file is removed after', async () => {
  const ctx = context('appends');
  const sink = new StagedSink(ctx, 'test', 'held-test', () => new HeldRows());
  const input = [...rows(0, 700), ...rows(700, 300), ...rows(1000, 5)];
  await sink.write(batch(input.slice(0, 700)));
  await sink.write(batch(input.slice(700, 1000)));
  await sink.write(batch(input.slice(1000)));
  const { pending, encoded } = await sink.prepare(info(4));
  assert.equal(encoded, true, 'the interval was appends only: kept for the commit');
  const [ref] = pending.segments;
  assert.ok(ref);
  // the file as a restore in another process reads it
  const [staged] = await new Staging(home, 'held', 'appends').read(pending.segments, 'appends');
  const got = await commit(sink, ctx, 4, JSON.parse(JSON.stringify(pending)));
  assert.ok(got);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], { id: 4, rows: input, retracts: [] });
  assert.deepEqual(got[0], staged, 'held rows are the staged rows, in order');
  assert.deepEqual((await sink.prepare(info(5))).pending.segments, [], 'committed: not pending any more');
  await assert.rejects(new Staging(home, 'held', 'appends').read([ref], 'appends'), { code: 'ENG_RUN_CHECKPOINT' });
});

test('keyed rows or retractions spoil the held rows: the commit gets them with their key and retractions', async () => {
  const ctx = context('keyed');
  const sink = new StagedSink(ctx, 'test', 'held-test', () => new HeldRows());
  await sink.write(batch(rows(0, 3)));
  await sink.write(batch(rows(3, 2), { upsertKey: ['id'], retract: [{ id: 1 }] }));
  const { pending, encoded } = await sink.prepare(info(2));
  assert.equal(encoded, false);
  const got = await commit(sink, ctx, 2, pending);
  assert.deepEqual(got, [{ id: 2, rows: rows(0, 5), retracts: [{ position: 3, keys: [{ id: 1 }] }], upsertKey: ['id'] }]);
});

test('a restore: another instance reads the staged rows; a checkpoint the target has is not written again', async () => {
  const ctx = context('restore');
  const first = new StagedSink(ctx, 'test', 'held-test', () => new HeldRows());
  await first.write(batch(rows(0, 10)));
  const { pending } = await first.prepare(info(7));
  const stored = JSON.parse(JSON.stringify(pending)) as unknown;

  const second = new StagedSink(ctx, 'test', 'held-test', () => new HeldRows());
  assert.equal(await commit(second, ctx, 7, stored, 7), null, 'the target has 7: no attempt');
  const third = new StagedSink(context('restore2'), 'test', 'held-test', () => new HeldRows());
  const other = new StagedSink(context('restore2'), 'test', 'held-test', () => new HeldRows());
  await other.write(batch(rows(20, 4)));
  const p2 = JSON.parse(JSON.stringify((await other.prepare(info(3))).pending)) as unknown;
  assert.deepEqual(await commit(third, ctx, 3, p2), [{ id: 3, rows: rows(20, 4), retracts: [] }]);
});
