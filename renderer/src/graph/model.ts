// The canvas's view of a pipeline: the document's nodes with their positions folded in, and edges with ids
// React Flow can key on. Converting back to a PipelineDoc is lossless, so export is always canonical.
import type { EdgeSpec, NodeSpec, NodeType, PipelineDoc, Position } from '../../../engine/format/pipeline.ts';
import { PIPELINE_FORMAT, PIPELINE_VERSION } from '../../../engine/format/pipeline.ts';

export type Port = 'out' | 'error' | 'late';

export interface GraphNode {
  id: string;
  type: NodeType;
  label?: string;
  config: NodeSpec['config'];
  position: Position;
}

export interface GraphEdge {
  id: string;
  from: string;
  port: Port;
  to: string;
}

export interface Graph {
  name: string;
  description?: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function edgeId(from: string, port: Port, to: string): string {
  return `${from}:${port}->${to}`;
}

export function emptyGraph(name = 'untitled'): Graph {
  return { name, nodes: [], edges: [] };
}

/** The graph of a (valid) document; nodes without a saved position are placed on a simple grid. */
export function graphFromDoc(doc: PipelineDoc): Graph {
  const nodes = doc.nodes.map((spec, index): GraphNode => {
    const node: GraphNode = {
      id: spec.id,
      type: spec.type,
      config: spec.config,
      position: doc.layout?.[spec.id] ?? { x: (index % 5) * 260, y: Math.floor(index / 5) * 140 },
    };
    if (spec.label !== undefined) node.label = spec.label;
    return node;
  });
  const edges = doc.edges.map((e): GraphEdge => {
    const port = e.port ?? 'out';
    return { id: edgeId(e.from, port, e.to), from: e.from, port, to: e.to };
  });
  const graph: Graph = { name: doc.name, nodes, edges };
  if (doc.description !== undefined) graph.description = doc.description;
  return graph;
}

/** The document for a graph; positions go to `layout`, rounded so moving by sub-pixels does not churn diffs. */
export function docFromGraph(graph: Graph): PipelineDoc {
  const layout: Record<string, Position> = {};
  for (const n of graph.nodes) layout[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  const doc: PipelineDoc = {
    format: PIPELINE_FORMAT,
    version: PIPELINE_VERSION,
    name: graph.name,
    nodes: graph.nodes.map((n) => {
      const spec = { id: n.id, type: n.type, config: n.config } as NodeSpec;
      if (n.label !== undefined) spec.label = n.label;
      return spec;
    }),
    edges: graph.edges.map((e): EdgeSpec => (e.port === 'out' ? { from: e.from, to: e.to } : { from: e.from, port: e.port, to: e.to })),
    layout,
  };
  if (graph.description !== undefined) doc.description = graph.description;
  return doc;
}

/** A fresh id for a node of a type: the type's last word plus the first free number (`filter`, `filter_2`). */
export function freshNodeId(graph: Graph, type: NodeType, taken: ReadonlySet<string> = new Set()): string {
  const base = type.split('.').pop() ?? 'node';
  const used = new Set(graph.nodes.map((n) => n.id));
  for (const t of taken) used.add(t);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}
