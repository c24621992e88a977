// Can an edited pipeline take over a running one's checkpoint? The runtime restores operator state and
// source positions by node id (engine/runtime/run.ts restore), so the edit keeps state compatible when
// every node that carries state still means what its state was built for. Stateless nodes (filter, map,
// sinks) may change freely; nodes may be added; a stateful node may be removed (its state is dropped).
import type { NodeSpec, PipelineDoc } from '../../format/pipeline.ts';

export interface RestartCheck {
  compatible: boolean;
  /** Why not, one sentence per node, when not compatible. */
  reasons: string[];
}

/**
 * Config keys of stateful nodes that tune how the state is used, not what it holds: changing them keeps
 * the checkpoint valid. Any other change to a stateful node's config (window size, group-by, aggregates,
 * dedupe key, a source's topics or dataset) makes its state mean something else.
 */
const tuning: Record<string, readonly string[]> = {
  'source.generator': ['eventsPerSecond', 'outOfOrderRate', 'lateRate', 'malformedRate'],
  'source.file': [],
  'source.kafka': ['stopAtEnd', 'maxMessageBytes', 'columns', 'format'],
  'transform.dedupe': ['horizon'],
  'window.tumbling': ['watermarkDelay', 'allowedLateness', 'idleTimeout'],
  'window.hopping': ['watermarkDelay', 'allowedLateness', 'idleTimeout'],
  'window.session': ['watermarkDelay', 'allowedLateness', 'idleTimeout'],
};

function stateful(node: NodeSpec): boolean {
  return node.type in tuning;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The config keys whose values differ between two versions of a node. */
function changedKeys(before: NodeSpec, after: NodeSpec): string[] {
  const a = before.config as Record<string, unknown>;
  const b = after.config as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !same(a[key], b[key])).sort();
}

export function checkRestart(running: PipelineDoc, edited: PipelineDoc): RestartCheck {
  const reasons: string[] = [];
  if (running.name !== edited.name) {
    reasons.push(`the pipeline was renamed from "${running.name}" to "${edited.name}", and checkpoints are kept per name`);
  }
  const before = new Map(running.nodes.map((n) => [n.id, n]));
  for (const node of edited.nodes) {
    const old = before.get(node.id);
    if (!old || !stateful(old)) continue;
    if (old.type !== node.type) {
      reasons.push(`"${node.id}" changed from ${old.type} to ${node.type}, so its checkpointed state does not fit`);
      continue;
    }
    const safe = tuning[node.type] ?? [];
    const breaking = changedKeys(old, node).filter((key) => !safe.includes(key));
    if (breaking.length > 0) {
      reasons.push(`"${node.id}" changed ${breaking.join(', ')}, which its checkpointed ${node.type.startsWith('source.') ? 'read positions' : 'state'} depend${node.type.startsWith('source.') ? '' : 's'} on`);
    }
  }
  return { compatible: reasons.length === 0, reasons };
}
