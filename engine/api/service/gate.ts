// Pause for the studio's runs, without a runtime change: every source of the run is wrapped so that, after
// each push returns (the batch is handed over and its position covered, the runtime's contract), it waits
// at a gate while the run is paused. That is the backpressure path a slow sink already uses, so
// checkpoints, sinks and windows carry on as with a stalled input. The wrapper also hands each source a
// `report` for the trouble it wants shown on its node.
import type { NodeSpec, NodeType, PipelineDoc } from '../../format/pipeline.ts';
import type { NodeFactory } from '../../nodes/registry.ts';
import { nodeFactory } from '../../nodes/registry.ts';
import type { Batch, NodeContext, SourceInstance } from '../../runtime/types.ts';

export class PauseGate {
  private waiting: Promise<void> | null = null;
  private release: () => void = () => undefined;

  close(): void {
    if (this.waiting) return;
    this.waiting = new Promise<void>((resolve) => { this.release = resolve; });
  }

  open(): void {
    const release = this.release;
    this.waiting = null;
    release();
  }

  /** Resolves at once while open; while closed, when opened or when `signal` aborts (stop). */
  pass(signal: AbortSignal): Promise<void> {
    const waiting = this.waiting;
    if (!waiting || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void waiting.then(done);
    });
  }
}

function gated(source: SourceInstance, gate: PauseGate): SourceInstance {
  const wrapped: SourceInstance = {
    run: (push, signal) => source.run(async (batch: Batch, port?: 'out' | 'error') => {
      await push(batch, port);
      await gate.pass(signal);
    }, signal),
    positions: () => source.positions(),
    restore: (positions) => source.restore(positions),
    close: () => source.close(),
  };
  const committed = source.committed?.bind(source);
  if (committed) wrapped.committed = committed;
  return wrapped;
}

/** Factories for the source types of `doc` that pass the gate and give their nodes `report`. */
export function gatedSources(doc: PipelineDoc, gate: PauseGate, report: (nodeId: string, problem: string | null) => void): Partial<Record<NodeType, NodeFactory>> {
  const out: Partial<Record<NodeType, NodeFactory>> = {};
  for (const type of new Set(doc.nodes.map((n) => n.type))) {
    const base = nodeFactory(type);
    if (base?.kind !== 'source') continue;
    out[type] = {
      kind: 'source',
      create: async (spec: NodeSpec, ctx: NodeContext) => {
        const withReport: NodeContext = { ...ctx, report: (problem) => report(ctx.nodeId, problem) };
        return gated(await base.create(spec, withReport), gate);
      },
    };
  }
  return out;
}
