// The worker's half of a fused chain (runtime/fusion.ts): a task's decoded rows go through the very
// filter and map operators the run would use, then fold into partial windows (windows/partials.ts). A task
// in which any row fails a node (an error port would get a dead letter) or cannot be folded is answered
// null, and the source delivers it as rows, so every dead letter and late row is made on the run's
// thread exactly as without workers.
import { FilterOperator } from '../operators/filter.ts';
import { MapOperator } from '../operators/map.ts';
import type { FusedBatch, FusionPlan } from '../runtime/fusion.ts';
import { readsOf } from '../runtime/projection.ts';
import type { Batch, OperatorInstance, Row } from '../runtime/types.ts';
import { PartialAggregator } from '../windows/partials.ts';

const sampleEvery = 32;
const fewSamples = 8;
/** Tasks whose whole tail (`sample` rows) travels. */
const fullSamples = 4;

export class FusedChain {
  private readonly operators: OperatorInstance[];
  private readonly aggregator: PartialAggregator;
  /** Tasks answered; samples travel with one task in `sampleEvery`. */
  private tasks = 0;

  constructor(plan: FusionPlan, /** Rows per node of a full sample (the runtime's preview capacity). */ private readonly sample: number) {
    // Dead letters are never kept here (a failing row sends its task back as rows): no clock is needed.
    const clock = { now: () => 0 };
    this.operators = plan.chain.map((spec) => (spec.type === 'transform.filter' ? new FilterOperator(spec.config, { nodeId: spec.id, clock }) : new MapOperator(spec.config, { nodeId: spec.id, clock })));
    this.aggregator = new PartialAggregator(plan.window, plan.window.id);
  }

  /**
   * Whether the next task's rows travel as preview samples: those must be the rows a run without fusion
   * would show (TaskDecoder decodes them with Dates, see epochField).
   */
  get sampling(): boolean {
    return this.sampleSize(this.tasks) > 0;
  }

  private sampleSize(task: number): number {
    // Cloning rows into the answer costs ~1 µs per object (the structured clone): previews get whole
    // tails from the first tasks (a small input looks as without workers), then a few rows from one task
    // in `sampleEvery`, which keeps them live without a cost per task.
    return task < fullSamples ? this.sample : task % sampleEvery === 0 ? fewSamples : 0;
  }

  /** The task pre-aggregated, or null when it must be delivered as rows. */
  run(rows: Row[]): FusedBatch | null {
    const aggregator = this.aggregator;
    try {
      const passed: number[] = [];
      const size = this.sampleSize(this.tasks++);
      const sampled = size > 0;
      const samples: Row[][] = sampled ? [tail(rows, size)] : [];
      let current = rows;
      for (const operator of this.operators) {
        if (current.length === 0) break;
        let out: Row[] = [];
        let failed = false;
        operator.process({ rows: current, partition: '' } satisfies Batch, (port, batch) => {
          if (port === 'out') out = batch.rows;
          else failed = true;
        });
        if (failed) return null;
        current = out;
        passed.push(current.length);
        if (sampled) samples.push(tail(current, size));
      }
      for (let i = 0; i < current.length; i++) {
        if (!aggregator.add(current[i] as Row)) {
          aggregator.take();
          return null;
        }
      }
      return { records: rows.length, passed, partials: aggregator.take(), samples };
    } catch {
      // Whatever threw (a bug included) happens again on the run's thread, where it fails the run as it would without workers.
      aggregator.take();
      return null;
    }
  }
}

/**
 * The field a fused chain reads only as the window's event time, if any: only filters before the window
 * (they pass rows on unchanged, so the window's time field is the source's), none of them reading the
 * field, and the window neither grouping by it nor aggregating it. Its ISO timestamps may then be decoded
 * as epoch ms instead of Dates (ProjectedOptions.epoch): the window reads either as the same instant, and
 * no other code sees the value. Rows that leave the worker (samples, tasks answered as rows) are decoded
 * with Dates.
 */
export function epochField(plan: FusionPlan): string | undefined {
  const { window, chain } = plan;
  const time = window.config.time;
  if (time.includes('.') || time === '__proto__') return undefined;
  const readsTime = (fields: readonly string[]): boolean => fields.some((f) => f.split('.')[0] === time);
  try {
    if (chain.some((spec) => spec.type !== 'transform.filter' || readsTime(readsOf(spec)?.fields ?? [time]))) return undefined;
    // The window's own reads after its time field: group-by fields and aggregate arguments.
    const windowReads = readsOf(window)?.fields.slice(1) ?? [time];
    return readsTime(windowReads) ? undefined : time;
  } catch {
    return undefined;
  }
}

function tail(rows: Row[], size: number): Row[] {
  return rows.length <= size ? rows : rows.slice(rows.length - size);
}
