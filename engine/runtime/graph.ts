// The pipeline as the runtime walks it: nodes in topological order and, per node and port, the nodes
// that receive what it emits (fan-out), with fan-in falling out of several edges sharing a target.
import { EngineError } from '../errors.ts';
import type { NodeSpec, PipelineDoc } from '../format/pipeline.ts';
import { kindOf, type NodeKind } from '../nodes/registry.ts';
import type { PortName } from './types.ts';

export interface GraphNode {
  spec: NodeSpec;
  kind: NodeKind;
  /** Downstream node ids per output port. */
  routes: Record<PortName, string[]>;
  upstream: string[];
}

export interface Graph {
  nodes: Map<string, GraphNode>;
  /** Every node id, each after all of its upstream nodes. */
  order: string[];
}

export function buildGraph(doc: PipelineDoc): Graph {
  const nodes = new Map<string, GraphNode>();
  for (const spec of doc.nodes) {
    if (nodes.has(spec.id)) throw invalid(`duplicate node id "${spec.id}"`);
    nodes.set(spec.id, { spec, kind: kindOf(spec.type), routes: { out: [], error: [], late: [] }, upstream: [] });
  }
  for (const edge of doc.edges) {
    const from = nodes.get(edge.from);
    const to = nodes.get(edge.to);
    if (!from) throw invalid(`edge from unknown node "${edge.from}"`);
    if (!to) throw invalid(`edge to unknown node "${edge.to}"`);
    // A sink's only output is its error port: rows the sink itself rejected (e.g. a schema mismatch).
    if (from.kind === 'sink' && (edge.port ?? 'out') !== 'error') throw invalid(`sink "${edge.from}" has only an error port`);
    if (to.kind === 'source') throw invalid(`source "${edge.to}" takes no input`);
    const port = edge.port ?? 'out';
    if (!from.routes[port].includes(edge.to)) from.routes[port].push(edge.to);
    if (!to.upstream.includes(edge.from)) to.upstream.push(edge.from);
  }
  const indegree = new Map<string, number>();
  for (const [id, node] of nodes) indegree.set(id, node.upstream.length);
  const ready = doc.nodes.map((n) => n.id).filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    const node = nodes.get(id) as GraphNode;
    const targets = new Set([...node.routes.out, ...node.routes.error, ...node.routes.late]);
    for (const target of targets) {
      const left = (indegree.get(target) ?? 0) - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((id) => !order.includes(id));
    throw invalid(`the pipeline has a cycle through ${stuck.map((s) => `"${s}"`).join(', ')}`);
  }
  return { nodes, order };
}

function invalid(message: string): EngineError {
  return new EngineError('ENG_FORMAT_INVALID', message);
}
