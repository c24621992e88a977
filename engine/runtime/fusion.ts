// Fusion of a source's stateless chain and its window into the source's decode workers (local-global
// aggregation, engine/workers/README.md). For the shape
//
//   source → (transform.filter | transform.map)* → window.tumbling | window.hopping
//
// a worker decodes a task's records, runs the filters and maps, and folds the rows into partial window
// states (windows/partials.ts); the run's thread then merges a few partials per task instead of building
// and reading every row. `fusionPlan` decides, from the graph alone, whether a source's chain can be fused;
// the runtime carries out a fused batch (its counters, previews and the window's merge) and answers null
// when the batch must be pushed as rows instead, which is always exact.
import { compileExpression } from '../expr/index.ts';
import type { NodeSpec, NodeType } from '../format/pipeline.ts';
import { preAggregationBlocker, type FixedWindowSpec, type WindowPartials } from '../windows/partials.ts';
import type { Graph } from './graph.ts';
import type { Emit, Row } from './types.ts';

export type ChainSpec = Extract<NodeSpec, { type: 'transform.filter' | 'transform.map' }>;
export type FusedWindowSpec = FixedWindowSpec & { id: string };

export interface FusionPlan {
  /** The stateless operators between the source and the window, in order. */
  chain: ChainSpec[];
  window: FusedWindowSpec;
}

/** One task of a source, decoded, run through the chain and pre-aggregated by a worker. */
export interface FusedBatch {
  /** Rows the source decoded (its `out` port); every record of the task gave a row or nothing (blank). */
  records: number;
  /** Per chain node, the rows it passed on (its `out` port); none of them failed a row. */
  passed: number[];
  partials: WindowPartials;
  /** The last few rows of the source and of each chain node, for previews (the rows themselves never exist here). */
  samples: Row[][];
}

/** NodeContext.fusion: what a source with a fusable chain may hand over instead of rows. */
export interface Fusion {
  plan: FusionPlan;
  /**
   * Delivers a fused batch synchronously (counters, previews, the window's merge) and resolves when the
   * sinks have room, like push(). Null when nothing was delivered and the task's rows must be pushed
   * instead: a window past its lateness, a window holding values the partials do not fit, a cut under
   * maxEvents. The source moves its position in the same synchronous step, only when this is not null.
   */
  deliver(partition: string, batch: FusedBatch): Promise<void> | null;
}

/** A window operator that merges fused batches (FixedWindowOperator). */
export interface MergingOperator {
  merge(partials: WindowPartials, partition: string, emit: Emit): boolean;
}

export function isMerging(operator: unknown): operator is MergingOperator {
  return typeof (operator as Partial<MergingOperator> | null)?.merge === 'function';
}

/**
 * The fusable chain after `sourceId`, or the reason there is none. The source's `out` and every chain
 * node's `out` go to exactly one node with no other input (so the rows the worker does not build are
 * needed nowhere else); error and late ports may go anywhere, since a task with any failing row is pushed
 * as rows. `overridden` says a node type is not the built-in implementation (RunOptions.nodes).
 */
export function fusionPlan(graph: Graph, sourceId: string, overridden: (type: NodeType) => boolean): FusionPlan | string {
  const chain: ChainSpec[] = [];
  let from = graph.nodes.get(sourceId);
  if (!from || from.kind !== 'source') return `"${sourceId}" is not a source`;
  for (;;) {
    if (from.routes.out.length !== 1) return `"${from.spec.id}" sends its rows to ${from.routes.out.length} nodes`;
    const next = graph.nodes.get(from.routes.out[0] as string);
    if (!next) return 'a route leads nowhere';
    const spec = next.spec;
    if (next.upstream.length !== 1) return `"${spec.id}" has ${next.upstream.length} inputs`;
    if (overridden(spec.type)) return `"${spec.type}" is not the built-in implementation`;
    if (spec.type === 'transform.filter' || spec.type === 'transform.map') {
      try {
        if (spec.type === 'transform.filter') compileExpression(spec.config.where);
        else for (const text of Object.values(spec.config.select)) compileExpression(text);
      } catch (error) {
        return `"${spec.id}" does not compile (${(error as Error).message})`;
      }
      chain.push(spec);
      from = next;
      continue;
    }
    if (spec.type !== 'window.tumbling' && spec.type !== 'window.hopping') return `"${spec.id}" (${spec.type}) is not a filter, map, tumbling or hopping window`;
    const window: FusedWindowSpec = spec.type === 'window.tumbling' ? { id: spec.id, type: spec.type, config: spec.config } : { id: spec.id, type: spec.type, config: spec.config };
    const blocker = preAggregationBlocker(window);
    return blocker ?? { chain, window };
  }
}
