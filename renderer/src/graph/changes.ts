// Graph edits are data: each is a typed change applied by a pure function, so undo, tests and the canvas
// all speak the same language (as xyflow's applyNodeChanges does).
import type { Position } from '../../../engine/format/pipeline.ts';
import type { Graph, GraphEdge, GraphNode } from './model.ts';

export type GraphChange =
  | { kind: 'addNodes'; nodes: GraphNode[]; edges?: GraphEdge[] }
  | { kind: 'removeNodes'; ids: string[] }
  | { kind: 'moveNodes'; positions: Record<string, Position> }
  | { kind: 'connect'; edge: GraphEdge }
  | { kind: 'removeEdges'; ids: string[] }
  | { kind: 'updateConfig'; id: string; config: GraphNode['config'] }
  | { kind: 'renameNode'; id: string; label: string | undefined }
  | { kind: 'renamePipeline'; name: string }
  | { kind: 'replace'; graph: Graph };

/** The graph after a change; the input is never mutated and unchanged parts keep their identity. */
export function applyGraphChange(graph: Graph, change: GraphChange): Graph {
  switch (change.kind) {
    case 'addNodes': {
      const known = new Set(graph.nodes.map((n) => n.id));
      const nodes = change.nodes.filter((n) => !known.has(n.id));
      const edgeIds = new Set(graph.edges.map((e) => e.id));
      const edges = (change.edges ?? []).filter((e) => !edgeIds.has(e.id));
      return { ...graph, nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] };
    }
    case 'removeNodes': {
      const ids = new Set(change.ids);
      return {
        ...graph,
        nodes: graph.nodes.filter((n) => !ids.has(n.id)),
        edges: graph.edges.filter((e) => !ids.has(e.from) && !ids.has(e.to)),
      };
    }
    case 'moveNodes':
      return {
        ...graph,
        nodes: graph.nodes.map((n) => {
          const p = change.positions[n.id];
          return p && (p.x !== n.position.x || p.y !== n.position.y) ? { ...n, position: p } : n;
        }),
      };
    case 'connect':
      if (graph.edges.some((e) => e.id === change.edge.id)) return graph;
      return { ...graph, edges: [...graph.edges, change.edge] };
    case 'removeEdges': {
      const ids = new Set(change.ids);
      return { ...graph, edges: graph.edges.filter((e) => !ids.has(e.id)) };
    }
    case 'updateConfig':
      return { ...graph, nodes: graph.nodes.map((n) => (n.id === change.id ? { ...n, config: change.config } : n)) };
    case 'renameNode':
      return {
        ...graph,
        nodes: graph.nodes.map((n) => {
          if (n.id !== change.id) return n;
          const next = { ...n };
          if (change.label === undefined || change.label === '') delete next.label;
          else next.label = change.label;
          return next;
        }),
      };
    case 'renamePipeline':
      return { ...graph, name: change.name };
    case 'replace':
      return change.graph;
  }
}
