// Auto-layout: layered left to right by topological depth (longest path from a source), with each layer
// ordered by the average row of its parents so edges cross less. Deterministic for a given graph.
import type { Position } from '../../../engine/format/pipeline.ts';
import type { Graph } from './model.ts';

export interface LayoutSpacing {
  column: number;
  row: number;
}

const defaultSpacing: LayoutSpacing = { column: 280, row: 130 };

/** Depth per node: 0 for nodes without inputs, otherwise one more than the deepest parent. Cycles are cut. */
export function depths(graph: Graph): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const n of graph.nodes) parents.set(n.id, []);
  for (const e of graph.edges) parents.get(e.to)?.push(e.from);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const p of parents.get(id) ?? []) if (parents.has(p)) d = Math.max(d, visit(p) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  for (const n of graph.nodes) visit(n.id);
  return depth;
}

/** New positions for every node. */
export function autoLayout(graph: Graph, spacing: LayoutSpacing = defaultSpacing): Record<string, Position> {
  const depth = depths(graph);
  const layers: string[][] = [];
  for (const n of graph.nodes) {
    const d = depth.get(n.id) ?? 0;
    (layers[d] ??= []).push(n.id);
  }
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) parents.set(e.to, [...(parents.get(e.to) ?? []), e.from]);
  const row = new Map<string, number>();
  const positions: Record<string, Position> = {};
  const tallest = Math.max(0, ...layers.map((l) => l?.length ?? 0));
  layers.forEach((layer = [], d) => {
    const keyed = layer.map((id, index) => {
      const ps = (parents.get(id) ?? []).map((p) => row.get(p)).filter((r): r is number => r !== undefined);
      const key = ps.length > 0 ? ps.reduce((a, b) => a + b, 0) / ps.length : index;
      return { id, key, index };
    });
    keyed.sort((a, b) => a.key - b.key || a.index - b.index);
    const offset = (tallest - keyed.length) / 2;
    keyed.forEach(({ id }, i) => {
      row.set(id, i);
      positions[id] = { x: d * spacing.column, y: Math.round((offset + i) * spacing.row) };
    });
  });
  return positions;
}

/** The graph with every node auto-placed, when the document it came from had no layout for some nodes. */
export function withLayout(graph: Graph, hadLayout: (id: string) => boolean): Graph {
  if (graph.nodes.every((n) => hadLayout(n.id))) return graph;
  const positions = autoLayout(graph);
  return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, position: positions[n.id] ?? n.position })) };
}
