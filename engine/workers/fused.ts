// The worker's half of a fused chain (runtime/fusion.ts): a task's decoded rows go through the very
// filter and map operators the run would use, then fold into partial windows (windows/partials.ts). A task
// in which any row fails a node (an error port would get a dead letter) or cannot be folded is answered
// null, and the source delivers it as rows, so every dead letter and late row is made on the run's
// thread exactly as without workers.
import { FilterOperator } from '../operators/filter.ts';
import { MapOperator } from '../operators/map.ts';
import type { FusedBatch, FusionPlan } from '../runtime/fusion.ts';
import type { Batch, OperatorInstance, Row } from '../runtime/types.ts';
import { PartialAggregator } from '../windows/partials.ts';

export class FusedChain {
  private readonly operators: OperatorInstance[];
  private readonly aggregator: PartialAggregator;

  constructor(plan: FusionPlan, private readonly sample: number) {
    // Dead letters are never kept here (a failing row sends its task back as rows): no clock is needed.
    const clock = { now: () => 0 };
    this.operators = plan.chain.map((spec) => (spec.type === 'transform.filter' ? new FilterOperator(spec.config, { nodeId: spec.id, clock }) : new MapOperator(spec.config, { nodeId: spec.id, clock })));
    this.aggregator = new PartialAggregator(plan.window, plan.window.id);
  }

  /** The task pre-aggregated, or null when it must be delivered as rows. */
  run(rows: Row[]): FusedBatch | null {
    const aggregator = this.aggregator;
    try {
      const passed: number[] = [];
      const samples: Row[][] = [this.tail(rows)];
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
        samples.push(this.tail(current));
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

  private tail(rows: Row[]): Row[] {
    return rows.length <= this.sample ? rows : rows.slice(rows.length - this.sample);
  }
}
