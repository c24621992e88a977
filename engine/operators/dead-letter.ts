// Building dead letters: what goes to an `error` or `late` port carries the reason, the node and the
// original event, so nothing a node rejects is ever lost without a trace.
import { EngineError } from '../errors.ts';
import type { DeadLetter, NodeContext, Row } from '../runtime/types.ts';

export function deadLetter(ctx: Pick<NodeContext, 'nodeId' | 'clock'>, payload: Row, reason: string, port: 'error' | 'late' = 'error'): DeadLetter {
  return { reason, node: ctx.nodeId, port, payload, at: new Date(ctx.clock.now()) };
}

/**
 * The reason to record for a row whose evaluation threw. Engine errors (bad values, types) are the row's
 * fault and become dead letters; anything else is a bug in the engine and is rethrown to fail the run.
 */
export function rowFailure(error: unknown): string {
  if (error instanceof EngineError) return `${error.code}: ${error.message}`;
  throw error;
}
