import type { StateCreator } from 'zustand/vanilla';
import type { StudioState, UiSlice } from './types.ts';

let nextNotice = 1;

export const createUiSlice: StateCreator<StudioState, [], [], UiSlice> = (set) => ({
  theme: 'dark',
  leftTab: 'pipeline',
  leftOpen: true,
  rightOpen: true,
  dockTab: 'sql',
  dockOpen: true,
  dockHeight: 280,
  leftWidth: 260,
  rightWidth: 380,
  notices: [],
  paletteQuery: '',
  travel: undefined,
  dialog: undefined,
  problems: [],
  nodeProblems: {},
  kafka: { connection: undefined, topic: undefined, group: undefined },
  lakeTable: undefined,
  sqlRequest: undefined,
  setUi: (patch) => set(patch),
  notify: (tone, text) => set((s) => ({ notices: [...s.notices, { id: nextNotice++, tone, text }].slice(-4) })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
});
