// Which connections the canvas accepts, and in plain words why one is refused. Pure, so it is unit tested
// and the same rule runs while dragging (to dim invalid handles) and on drop.
import type { NodeType } from '../../../engine/format/pipeline.ts';
import type { Graph, Port } from './model.ts';
import { edgeId } from './model.ts';

/** The ports a node type has, as the canvas draws them. */
export interface PortShape {
  /** Whether the node takes input at all (sources do not). */
  input: boolean;
  /** Output ports; sinks have none. */
  outputs: readonly Port[];
}

export type PortsOf = (type: NodeType) => PortShape;

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

export interface ConnectionRequest {
  from: string;
  port: Port;
  to: string;
}

function label(graph: Graph, id: string): string {
  const node = graph.nodes.find((n) => n.id === id);
  return node?.label ?? id;
}

/** True when `to` can already reach `from`, so an edge from → to would close a loop. */
function reaches(graph: Graph, start: string, goal: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === goal) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

export function checkConnection(graph: Graph, portsOf: PortsOf, request: ConnectionRequest): ConnectionCheck {
  const from = graph.nodes.find((n) => n.id === request.from);
  const to = graph.nodes.find((n) => n.id === request.to);
  if (!from) return { ok: false, reason: `there is no node "${request.from}"` };
  if (!to) return { ok: false, reason: `there is no node "${request.to}"` };
  if (from.id === to.id) return { ok: false, reason: `${label(graph, from.id)} cannot feed itself` };
  const fromPorts = portsOf(from.type);
  if (!fromPorts.outputs.includes(request.port)) {
    if (fromPorts.outputs.length === 0) return { ok: false, reason: `${label(graph, from.id)} is a sink: it has no output` };
    if (request.port === 'late') return { ok: false, reason: `${label(graph, from.id)} has no late port: only windows emit late events` };
    return { ok: false, reason: `${label(graph, from.id)} has no ${request.port} port` };
  }
  if (!portsOf(to.type).input) return { ok: false, reason: `${label(graph, to.id)} is a source: it takes no input` };
  if (graph.edges.some((e) => e.id === edgeId(from.id, request.port, to.id))) {
    return { ok: false, reason: `${label(graph, from.id)} already feeds ${label(graph, to.id)} from this port` };
  }
  if (reaches(graph, to.id, from.id)) {
    return { ok: false, reason: `this would make a cycle: ${label(graph, to.id)} already feeds ${label(graph, from.id)}` };
  }
  return { ok: true };
}
