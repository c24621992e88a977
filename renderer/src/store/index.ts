// One vanilla store per studio window, composed from slices. Vanilla (not a React hook store) so the pure
// tests drive it directly and the provider hands the same instance to every component.
import { createStore } from 'zustand/vanilla';
import type { StoreApi } from 'zustand/vanilla';
import { createGraphSlice } from './graph.ts';
import { createHistorySlice } from './history.ts';
import { createHostSlice } from './host.ts';
import { createModalSlice } from './modal.ts';
import { createRunSlice } from './run.ts';
import { createSelectionSlice } from './selection.ts';
import type { StudioState } from './types.ts';
import { createUiSlice } from './ui.ts';

export type StudioStore = StoreApi<StudioState>;

export function createStudioStore(initial: Partial<Pick<StudioState, 'theme'>> = {}): StudioStore {
  const store = createStore<StudioState>()((...a) => ({
    ...createGraphSlice(...a),
    ...createSelectionSlice(...a),
    ...createHistorySlice(...a),
    ...createRunSlice(...a),
    ...createUiSlice(...a),
    ...createModalSlice(...a),
    ...createHostSlice(...a),
  }));
  if (initial.theme) store.setState({ theme: initial.theme });
  return store;
}
