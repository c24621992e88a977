import type { StateCreator } from 'zustand/vanilla';
import { applyGraphChange } from '../graph/changes.ts';
import type { GraphSlice, StudioState } from './types.ts';

/** Undo depth: enough for a long editing session, bounded so memory stays flat. */
export const historyLimit = 200;

export const createGraphSlice: StateCreator<StudioState, [], [], GraphSlice> = (set, get) => ({
  graph: { name: 'untitled', nodes: [], edges: [] },
  revision: 0,
  savedRevision: 0,
  fileName: undefined,
  lastMergeKey: undefined,
  loads: 0,
  pristineRevision: 0,
  apply: (change, mergeKey) => {
    const before = get().graph;
    const after = applyGraphChange(before, change);
    if (after === before) return;
    const nodeIds = new Set(after.nodes.map((n) => n.id));
    const edgeIds = new Set(after.edges.map((e) => e.id));
    const merge = mergeKey !== undefined && mergeKey === get().lastMergeKey;
    set((s) => ({
      graph: after,
      revision: s.revision + 1,
      lastMergeKey: mergeKey,
      past: merge ? s.past : [...s.past, before].slice(-historyLimit),
      future: [],
      selectedNodes: s.selectedNodes.filter((id) => nodeIds.has(id)),
      selectedEdges: s.selectedEdges.filter((id) => edgeIds.has(id)),
    }));
  },
  moveLive: (positions) => {
    const s = get();
    const after = applyGraphChange(s.graph, { kind: 'moveNodes', positions });
    if (after === s.graph) return;
    set({ graph: after, moveStart: s.moveStart ?? s.graph });
  },
  finishMove: () => {
    const { moveStart, graph } = get();
    if (!moveStart || moveStart === graph) {
      set({ moveStart: undefined });
      return;
    }
    set((s) => ({ moveStart: undefined, lastMergeKey: undefined, revision: s.revision + 1, past: [...s.past, moveStart].slice(-historyLimit), future: [] }));
  },
  load: (graph, options) =>
    set((s) => {
      const revision = s.revision + 1;
      return {
        graph,
        revision,
        savedRevision: options.saved ? revision : s.savedRevision,
        fileName: options.fileName,
        loads: s.loads + 1,
        pristineRevision: options.edited ? -1 : revision,
        past: [],
        future: [],
        selectedNodes: [],
        selectedEdges: [],
        moveStart: undefined,
        lastMergeKey: undefined,
      };
    }),
  markSaved: (fileName, revision) => set({ fileName, savedRevision: revision }),
});
