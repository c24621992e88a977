import type { StateCreator } from 'zustand/vanilla';
import { edgeId, freshNodeId } from '../graph/model.ts';
import type { GraphEdge, GraphNode } from '../graph/model.ts';
import type { SelectionSlice, StudioState } from './types.ts';

export const createSelectionSlice: StateCreator<StudioState, [], [], SelectionSlice> = (set, get) => ({
  selectedNodes: [],
  selectedEdges: [],
  clipboard: undefined,
  select: (nodes, edges = []) => {
    const s = get();
    if (same(s.selectedNodes, nodes) && same(s.selectedEdges, edges)) return;
    set({ selectedNodes: nodes, selectedEdges: edges });
  },
  deleteSelection: () => {
    const { selectedNodes, selectedEdges, graph, apply } = get();
    if (selectedNodes.length === 0 && selectedEdges.length === 0) return;
    // One undo step for the whole deletion: fold both edits into a single replacement.
    const nodes = new Set(selectedNodes);
    const edges = new Set(selectedEdges);
    apply({
      kind: 'replace',
      graph: {
        ...graph,
        nodes: graph.nodes.filter((n) => !nodes.has(n.id)),
        edges: graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.from) && !nodes.has(e.to)),
      },
    });
    set({ selectedNodes: [], selectedEdges: [] });
  },
  copySelection: () => {
    const { selectedNodes, graph } = get();
    if (selectedNodes.length === 0) return;
    const ids = new Set(selectedNodes);
    set({
      clipboard: {
        nodes: graph.nodes.filter((n) => ids.has(n.id)),
        edges: graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
      },
    });
  },
  paste: (offset = { x: 40, y: 40 }) => {
    const { clipboard, graph, apply } = get();
    if (!clipboard || clipboard.nodes.length === 0) return;
    const rename = new Map<string, string>();
    const taken = new Set<string>();
    const nodes = clipboard.nodes.map((n): GraphNode => {
      const id = freshNodeId(graph, n.type, taken);
      taken.add(id);
      rename.set(n.id, id);
      return { ...n, id, position: { x: n.position.x + offset.x, y: n.position.y + offset.y } };
    });
    const edges = clipboard.edges.map((e): GraphEdge => {
      const from = rename.get(e.from) ?? e.from;
      const to = rename.get(e.to) ?? e.to;
      return { id: edgeId(from, e.port, to), from, port: e.port, to };
    });
    apply({ kind: 'addNodes', nodes, edges });
    // The pasted copy becomes the selection, and the clipboard moves on so a second paste cascades.
    set({
      selectedNodes: nodes.map((n) => n.id),
      selectedEdges: [],
      clipboard: { nodes: nodes, edges },
    });
  },
});

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
