import type { StateCreator } from 'zustand/vanilla';
import type { HistorySlice, StudioState } from './types.ts';

export const createHistorySlice: StateCreator<StudioState, [], [], HistorySlice> = (set, get) => ({
  past: [],
  future: [],
  moveStart: undefined,
  undo: () => {
    const { past, future, graph } = get();
    const previous = past[past.length - 1];
    if (!previous) return;
    set((s) => ({ graph: previous, past: past.slice(0, -1), future: [graph, ...future], revision: s.revision + 1, lastMergeKey: undefined, ...pruneSelection(s, previous) }));
  },
  redo: () => {
    const { past, future, graph } = get();
    const next = future[0];
    if (!next) return;
    set((s) => ({ graph: next, past: [...past, graph], future: future.slice(1), revision: s.revision + 1, lastMergeKey: undefined, ...pruneSelection(s, next) }));
  },
});

function pruneSelection(s: StudioState, graph: StudioState['graph']): Pick<StudioState, 'selectedNodes' | 'selectedEdges'> {
  const nodes = new Set(graph.nodes.map((n) => n.id));
  const edges = new Set(graph.edges.map((e) => e.id));
  return { selectedNodes: s.selectedNodes.filter((id) => nodes.has(id)), selectedEdges: s.selectedEdges.filter((id) => edges.has(id)) };
}
