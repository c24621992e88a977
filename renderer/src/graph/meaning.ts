// Layout is kept apart from meaning: moving a node changes where it is drawn, not what the pipeline does.
// Whatever depends only on meaning (validation, inferred schemas, the inspector's form) compares graphs
// with these, so a drag does not redo that work on every pointer move.
import { nodeTypeInfo } from '../../../engine/format/node-catalog.ts';
import type { Problem } from '../../../engine/format/pipeline.ts';
import { labelledProblem } from '../inspector/expression.ts';
import type { Graph, GraphNode } from './model.ts';

/** Same node but for its position (config is compared by identity: edits always make a new object). */
export function sameNodeMeaning(a: GraphNode | undefined, b: GraphNode | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.id === b.id && a.type === b.type && a.label === b.label && a.config === b.config;
}

/** Same pipeline but for node positions. */
export function sameMeaning(a: Graph, b: Graph): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.description !== b.description || a.edges !== b.edges) return false;
  if (a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((n, i) => sameNodeMeaning(n, b.nodes[i]));
}

/**
 * The first problem of each node, keyed by node id, as one line ("where: unknown column 'x'"). Problems
 * name nodes by index in the document that was validated, so the ids come from that same graph.
 */
export function problemsByNode(graph: Graph, problems: readonly Problem[]): Record<string, string> {
  const byNode: Record<string, string> = {};
  for (const p of problems) {
    const match = /^\/nodes\/(\d+)(?:\/(.*))?$/.exec(p.path);
    const id = match ? graph.nodes[Number(match[1])]?.id : undefined;
    if (!match || id === undefined || byNode[id] !== undefined) continue;
    const field = (match[2] ?? '').replace(/^config\//, '');
    // Worded with the form's label ("Condition"), as the inspector shows it, not the JSON key.
    const key = field.split('/')[0] ?? '';
    const node = graph.nodes[Number(match[1])];
    const label = node ? nodeTypeInfo(node.type)?.fields.find((f) => f.key === key)?.label : undefined;
    if (!field || !label) byNode[id] = field ? `${field}: ${p.message}` : p.message;
    else {
      const worded = labelledProblem(p.message, key, label);
      byNode[id] = worded === p.message ? `${label}: ${p.message}` : worded;
    }
  }
  return byNode;
}
