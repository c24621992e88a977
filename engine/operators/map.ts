// transform.map: computes output columns from SQL expressions, optionally keeping the input columns that
// are not selected. Column order: kept input columns first, then the selected ones in config order.
//
// Upserted rows (re-emitted windows) keep their upsert key through a map only when every key column is
// still in the output: a retracted key is mapped like a row, so it names the row the sink holds. A map
// that drops a key column turns them into plain rows (and drops the retractions), since nothing
// downstream could match them by key any more.
import { compileExpression, type CompiledExpression } from '../expr/index.ts';
import type { MapConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { deadLetter, rowFailure } from './dead-letter.ts';

/** How an upsert key crosses the map: per key column, the expression computing it, or null when kept as is. */
type KeyPlan = { key: readonly string[]; columns: (CompiledExpression | null)[] } | null;

export class MapOperator implements OperatorInstance {
  private readonly names: string[];
  private readonly expressions: CompiledExpression[];
  private readonly keepOthers: boolean;
  private plans = new Map<string, KeyPlan>();

  constructor(config: MapConfig, private readonly ctx: Pick<NodeContext, 'nodeId' | 'clock'>) {
    this.names = Object.keys(config.select);
    this.expressions = this.names.map((name) => compileExpression(config.select[name] as string));
    this.keepOthers = config.keepOthers ?? false;
  }

  process(batch: Batch, emit: Emit): void {
    const rows = batch.rows;
    const out: Row[] = [];
    let failed: Row[] | null = null;
    const { names, expressions, keepOthers } = this;
    const width = names.length;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      try {
        // Evaluate everything before building the row, so a failing column leaves no half-built output.
        const values = new Array<unknown>(width);
        for (let c = 0; c < width; c++) values[c] = (expressions[c] as CompiledExpression).evaluate(row);
        const next: Row = {};
        if (keepOthers) for (const key in row) if (!(key in next)) next[key] = row[key];
        for (let c = 0; c < width; c++) next[names[c] as string] = values[c];
        out.push(next);
      } catch (error) {
        (failed ??= []).push(deadLetter(this.ctx, row, rowFailure(error)));
      }
    }
    if (out.length > 0 || batch.retract) emit('out', this.keyed(batch, out));
    if (failed) emit('error', { rows: failed, partition: batch.partition });
  }

  private keyed(batch: Batch, rows: Row[]): Batch {
    const plan = batch.upsertKey ? this.plan(batch.upsertKey) : null;
    if (!plan) return { rows, partition: batch.partition };
    if (!batch.retract) return { rows, partition: batch.partition, upsertKey: batch.upsertKey };
    const retract: Row[] = [];
    for (const key of batch.retract) {
      try {
        const mapped: Row = {};
        plan.key.forEach((column, i) => {
          const expression = plan.columns[i];
          mapped[column] = expression ? expression.evaluate(key) : key[column] ?? null;
        });
        retract.push(mapped);
      } catch {
        // a key the expression cannot map matches no row the sink holds
      }
    }
    return { rows, partition: batch.partition, upsertKey: batch.upsertKey, retract };
  }

  private plan(key: readonly string[]): KeyPlan {
    const id = key.join('\0');
    let plan = this.plans.get(id);
    if (plan === undefined) {
      const columns: (CompiledExpression | null)[] = [];
      for (const column of key) {
        const at = this.names.indexOf(column);
        if (at >= 0) columns.push(this.expressions[at] as CompiledExpression);
        else if (this.keepOthers) columns.push(null);
        else break;
      }
      plan = columns.length === key.length ? { key, columns } : null;
      this.plans.set(id, plan);
    }
    return plan;
  }

  finish(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}

registerNode('transform.map', { kind: 'operator', create: (spec, ctx) => new MapOperator(spec.config, ctx) });
