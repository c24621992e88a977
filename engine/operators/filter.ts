// transform.filter: keeps the rows whose `where` expression is TRUE (NULL and FALSE drop, like SQL).
// A row whose expression cannot be evaluated goes to the error port with the reason. A re-emitted window
// row (upsert) that no longer passes retracts its key, so a sink does not keep the version that passed.
import { compileExpression, isTruthy, type CompiledExpression } from '../expr/index.ts';
import type { FilterConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { deadLetter, rowFailure } from './dead-letter.ts';

export class FilterOperator implements OperatorInstance {
  private readonly where: CompiledExpression;

  constructor(config: FilterConfig, private readonly ctx: Pick<NodeContext, 'nodeId' | 'clock'>) {
    this.where = compileExpression(config.where);
  }

  process(batch: Batch, emit: Emit): void {
    const rows = batch.rows;
    const kept: Row[] = [];
    let failed: Row[] | null = null;
    let dropped: Row[] | null = null;
    const where = this.where;
    const upsertKey = batch.upsertKey;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      try {
        if (isTruthy(where.evaluate(row))) kept.push(row);
        else if (upsertKey) (dropped ??= []).push(keyOf(row, upsertKey));
      } catch (error) {
        (failed ??= []).push(deadLetter(this.ctx, row, rowFailure(error)));
      }
    }
    if (kept.length === rows.length) emit('out', batch);
    else if (kept.length > 0 || dropped || batch.retract) emit('out', withRows(batch, kept, dropped));
    if (failed) emit('error', { rows: failed, partition: batch.partition });
  }

  finish(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}

/**
 * The batch with other rows: what it says about keys (upserts, retractions) travels with them, plus
 * `retract`, keys of upserted rows an operator dropped.
 */
export function withRows(batch: Batch, rows: Row[], retract: readonly Row[] | null = null): Batch {
  if (!batch.upsertKey) return { rows, partition: batch.partition };
  const all = batch.retract && retract ? [...batch.retract, ...retract] : batch.retract ?? retract;
  return all ? { rows, partition: batch.partition, upsertKey: batch.upsertKey, retract: all } : { rows, partition: batch.partition, upsertKey: batch.upsertKey };
}

function keyOf(row: Row, columns: readonly string[]): Row {
  const key: Row = {};
  for (const c of columns) key[c] = row[c] ?? null;
  return key;
}

registerNode('transform.filter', { kind: 'operator', create: (spec, ctx) => new FilterOperator(spec.config, ctx) });
