// Exactly-once across a restart with the real generator, filter and window: stop part way, restart from
// the checkpoint directory, and the two runs together give what one uninterrupted run gives.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PipelineDoc } from '../format/pipeline.ts';
import '../nodes/index.ts';
import { PreviewSink } from '../operators/preview.ts';
import { createRun, type Run } from './run.ts';
import type { Batch, Row } from './types.ts';

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

const doc: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'restart',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', count: 30_000, seed: 9, partitions: 2, outOfOrderRate: 0.05, lateRate: 0.01, malformedRate: 0.01 } },
    { id: 'valid', type: 'transform.filter', config: { where: 'amount > 0 AND region IS NOT NULL' } },
    { id: 'per_min', type: 'window.tumbling', config: { time: 'event_time', size: '1m', watermarkDelay: '5s', allowedLateness: '4m', groupBy: ['region'], aggregates: { n: 'count(*)', revenue: 'sum(amount)', customers: 'count(distinct customer_id)', first_order: 'first(order_id)' } } },
    { id: 'out', type: 'sink.preview', config: { capacity: 100_000 } },
    { id: 'late', type: 'sink.preview', config: { capacity: 100_000 } },
  ],
  edges: [
    { from: 'orders', to: 'valid' }, { from: 'valid', to: 'per_min' }, { from: 'per_min', to: 'out' },
    { from: 'per_min', port: 'late', to: 'late' }, { from: 'valid', port: 'error', to: 'late' }, { from: 'orders', port: 'error', to: 'late' },
  ],
};

/** A preview sink that keeps every batch in order (re-emits included) and can stop the run after n rows. */
class Recorder extends PreviewSink {
  batches: Batch[] = [];
  constructor(private readonly stopAfter: number, private readonly run: () => Run | null) {
    super(100_000);
  }
  override async write(batch: Batch): Promise<void> {
    this.batches.push(batch);
    await super.write(batch);
    if (this.batches.reduce((s, b) => s + b.rows.length, 0) >= this.stopAfter) void this.run()?.stop();
  }
}

/** Final value per window after applying re-emits in order, as a lake sink would keep it. */
function finalWindows(batches: Batch[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const b of batches) for (const r of b.rows) out.set(`${String(r.region)}@${(r.window_start as Date).getTime()}`, r);
  return out;
}

async function runOnce(checkpointDir: string | undefined, stopAfter: number): Promise<{ out: Recorder; late: Recorder; status: string; restoredFrom: number | null }> {
  let run: Run | null = null;
  const out = new Recorder(stopAfter, () => run);
  const late = new Recorder(Infinity, () => run);
  run = createRun(doc, {
    lakeDir: '/nonexistent', homeDir: '/nonexistent', checkpointDir, queueCapacity: 2,
    nodes: { 'sink.preview': { kind: 'sink', create: (spec) => (spec.id === 'out' ? out : late) } },
  });
  const summary = await run.start();
  return { out, late, status: summary.status, restoredFrom: summary.restoredFrom };
}

test('stop part way and restart: together the runs equal one uninterrupted run', async () => {
  const whole = await runOnce(undefined, Infinity);
  assert.equal(whole.status, 'finished');
  const windows = finalWindows(whole.out.batches);
  assert.ok(windows.size > 50);
  assert.ok(whole.out.batches.some((b) => b.upsertKey), 'late updates were re-emitted');
  assert.ok(whole.late.batches.some((b) => b.rows.some((r) => r.node === 'per_min')), 'some events were beyond the lateness');

  const dir = await mkdtemp(join(tmpdir(), 'streamlake-restart-'));
  temps.push(dir);
  const first = await runOnce(dir, 40);
  assert.equal(first.status, 'stopped');
  const firstRows = first.out.batches.reduce((s, b) => s + b.rows.length, 0);
  assert.ok(firstRows >= 40 && firstRows < whole.out.batches.reduce((s, b) => s + b.rows.length, 0), 'the first run stopped part way');
  const second = await runOnce(dir, Infinity);
  assert.equal(second.status, 'finished');
  assert.notEqual(second.restoredFrom, null);

  const combined = finalWindows([...first.out.batches, ...second.out.batches]);
  assert.deepEqual([...combined.entries()].sort(), [...windows.entries()].sort());
  const deadKey = (r: Row): string => `${r.node}|${r.reason}|${JSON.stringify(r.payload)}`;
  const combinedLate = [...first.late.batches, ...second.late.batches].flatMap((b) => b.rows.map(deadKey)).sort();
  assert.deepEqual(combinedLate, whole.late.batches.flatMap((b) => b.rows.map(deadKey)).sort());
});
