// TaskDecoder's fused path with epoch-ms event times (fused.ts epochField): tasks the chain folds give the
// partials the test computes itself from JSON.parse's rows; rows that leave the decoder (preview samples,
// tasks answered as rows) carry Dates, exactly as without the epoch decoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDecoder, DecodeFailure } from '../kafka/formats.ts';
import type { FusionPlan } from '../runtime/fusion.ts';
import type { Row } from '../runtime/types.ts';
import { reviveTimestamps } from '../sources/file/values.ts';
import { randomFloats } from '../testing/random.ts';
import { PartialAggregator } from '../windows/partials.ts';
import { TaskDecoder } from './decoder.ts';
import { epochField, FusedChain } from './fused.ts';

function plan(where: string, window: { time?: string; groupBy?: string[]; aggregates?: Record<string, string> } = {}, map = false): FusionPlan {
  return {
    chain: [
      { id: 'valid', type: 'transform.filter', config: { where } },
      ...(map ? [{ id: 'shape', type: 'transform.map' as const, config: { select: { ts: 'ts', region: 'region', amount: 'amount' } } }] : []),
    ],
    window: {
      id: 'per_min',
      type: 'window.tumbling',
      config: { time: window.time ?? 'ts', size: '1m', watermarkDelay: '5s', groupBy: window.groupBy ?? ['region'], aggregates: window.aggregates ?? { n: 'count(*)', revenue: 'sum(amount)', top: 'max(amount)' } },
    },
  };
}

test('epochField: only a time field read by nothing but the window, behind filters only', () => {
  assert.equal(epochField(plan('amount > 0 AND region IS NOT NULL')), 'ts');
  assert.equal(epochField(plan('ts IS NOT NULL')), undefined, 'the filter reads it');
  assert.equal(epochField(plan("ts > TIMESTAMP '2026-01-01 00:00:00'")), undefined, 'the filter compares it');
  assert.equal(epochField(plan('amount > 0', {}, true)), undefined, 'a map builds new rows');
  assert.equal(epochField(plan('amount > 0', { groupBy: ['ts'] })), undefined, 'grouped by');
  assert.equal(epochField(plan('amount > 0', { aggregates: { first: 'min(ts)' } })), undefined, 'aggregated');
  assert.equal(epochField(plan('amount > 0', { time: 'meta.ts' })), undefined, 'a nested time field');
  assert.equal(epochField(plan('amount >')), undefined, 'an expression that does not compile');
});

const base = Date.UTC(2026, 5, 1);
const regions = ['eu', 'us', 'apac'];

/** `tasks` tasks of `size` lines; `bad` names a task whose one line has a time the window refuses. */
function input(seed: number, tasks: number, size: number, bad: number): { buf: Buffer; starts: Int32Array; ends: Int32Array; texts: string[] } {
  const rnd = randomFloats(seed);
  const texts: string[] = [];
  let clock = base;
  for (let i = 0; i < tasks * size; i++) {
    clock += Math.floor(rnd() * 400) - 100;
    const region = regions[Math.floor(rnd() * regions.length)] as string;
    const amount = Math.round(rnd() * 2000 - 200) / 4;
    // Both ISO forms the decoder reads itself, and now and then one it leaves to parseTimestamp.
    const at = new Date(clock).toISOString();
    const ts = i === bad * size + 7 ? 'yesterday' : rnd() < 0.1 ? at.replace('.000Z', 'Z').replace(/\.\d{3}Z$/, 'Z') : rnd() < 0.02 ? at.replace('Z', '+00:00') : at;
    texts.push(JSON.stringify({ id: `o-${i}`, region, amount, note: 'x'.repeat(Math.floor(rnd() * 20)), ts }));
  }
  const buf = Buffer.from(texts.join('\n'));
  const starts = new Int32Array(texts.length);
  const ends = new Int32Array(texts.length);
  let at = 0;
  texts.forEach((text, i) => {
    starts[i] = at;
    ends[i] = at + Buffer.byteLength(text);
    at = (ends[i] as number) + 1;
  });
  return { buf, starts, ends, texts };
}

for (const format of ['jsonl', 'kafka-json'] as const) test(`fused ${format} tasks with epoch-ms times: partials as the test aggregates JSON.parse rows; samples and refused tasks carry Dates`, () => {
  const fused = plan('amount > 0 AND region IS NOT NULL');
  assert.equal(epochField(fused), 'ts');
  const fields = ['amount', 'region', 'ts'];
  // Kafka values: what decode-worker.ts gives a fused Kafka worker.
  const kafka = { decoder: createDecoder('json', { fields }), epoch: createDecoder('json', { fields, epoch: ['ts'] }), Failure: DecodeFailure };
  const decoder = new TaskDecoder({ format, fields, fused: { plan: fused, sample: 200 } }, format === 'kafka-json' ? kafka : undefined);
  const tasks = 40;
  const size = 50;
  const bad = 9;
  const { buf, starts, ends, texts } = input(3, tasks, size, bad);
  // What the chain itself is given: epoch ms for tasks without samples (the point of it), Dates otherwise.
  const kinds: string[] = [];
  const run = FusedChain.prototype.run;
  FusedChain.prototype.run = function (this: FusedChain, rows: Row[]) {
    kinds.push(rows.some((row) => typeof row.ts === 'number') ? 'ms' : 'dates');
    return run.call(this, rows);
  };
  let sampled = 0;
  for (let task = 0; task < tasks; task++) {
    const from = task * size;
    const rows = texts.slice(from, from + size).map((text) => {
      const value = JSON.parse(text) as Row;
      return reviveTimestamps({ amount: value.amount, region: value.region, ts: value.ts });
    });
    const passed = rows.filter((row) => (row.amount as number) > 0 && row.region != null);
    const result = decoder.decode(buf, starts.subarray(from, from + size), ends.subarray(from, from + size), size);
    if (task === bad) {
      assert.equal(result.fused, undefined, 'a task with a time the window refuses comes back as rows');
      assert.deepEqual(result.rows, rows);
      for (const row of result.rows) assert.ok(row.ts instanceof Date || row.ts === 'yesterday', `task ${task}: ${String(row.ts)}`);
      continue;
    }
    assert.ok(result.fused, `task ${task} folds`);
    const reference = new PartialAggregator(fused.window, fused.window.id);
    for (const row of passed) assert.ok(reference.add(row));
    assert.deepEqual(result.fused.partials, reference.take(), `task ${task}: partials`);
    assert.deepEqual(result.fused.passed, [passed.length]);
    assert.equal(result.fused.records, size);
    if (result.fused.samples.length > 0) {
      sampled++;
      const [source, filter] = result.fused.samples as [Row[], Row[]];
      assert.deepEqual(source, rows.slice(-source.length), `task ${task}: source sample`);
      assert.deepEqual(filter, passed.slice(-filter.length), `task ${task}: filter sample`);
      for (const row of [...source, ...filter]) assert.ok(row.ts instanceof Date, `task ${task}: a sampled time is ${typeof row.ts}`);
    }
  }
  FusedChain.prototype.run = run;
  // Tasks 0-3 and 32 travel with samples (fused.ts); the others were decoded with epoch-ms times.
  assert.equal(sampled, 5);
  assert.deepEqual(kinds, Array.from({ length: tasks }, (_, task) => (task < 4 || task === 32 ? 'dates' : 'ms')));
  // Asked again for rows (the window refused a task's partials): Dates.
  const again = decoder.decode(buf, starts.subarray(5 * size, 6 * size), ends.subarray(5 * size, 6 * size), size, true);
  assert.equal(again.fused, undefined);
  for (const row of again.rows) assert.ok(row.ts instanceof Date);
});
