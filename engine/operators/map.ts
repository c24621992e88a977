// transform.map: computes output columns from SQL expressions, optionally keeping the input columns that
// are not selected. Column order: kept input columns first, then the selected ones in config order.
import { compileExpression, type CompiledExpression } from '../expr/index.ts';
import type { MapConfig } from '../format/pipeline.ts';
import { registerNode } from '../nodes/registry.ts';
import type { Batch, Emit, NodeContext, OperatorInstance, Row } from '../runtime/types.ts';
import { deadLetter, rowFailure } from './dead-letter.ts';
import { withRows } from './filter.ts';

export class MapOperator implements OperatorInstance {
  private readonly names: string[];
  private readonly expressions: CompiledExpression[];
  private readonly keepOthers: boolean;

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
    if (out.length > 0 || batch.retract) emit('out', withRows(batch, out));
    if (failed) emit('error', { rows: failed, partition: batch.partition });
  }

  finish(): void {}

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}

registerNode('transform.map', { kind: 'operator', create: (spec, ctx) => new MapOperator(spec.config, ctx) });
