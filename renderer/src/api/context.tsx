// The engine client and the studio store reach components through context, never through module globals,
// so one window holds exactly one of each and tests could mount several.
import { createContext, useContext, useRef, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { HostInfo, StudioClient } from '../../../engine/api/contract.ts';
import type { StudioStore } from '../store/index.ts';
import type { StudioState } from '../store/types.ts';

interface Studio {
  api: StudioClient;
  store: StudioStore;
  host: HostInfo;
}

const StudioContext = createContext<Studio | null>(null);

export function StudioProvider({ value, children }: { value: Studio; children: ReactNode }) {
  return <StudioContext.Provider value={value}>{children}</StudioContext.Provider>;
}

function useStudioContext(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio must be used inside <StudioProvider>');
  return studio;
}

export function useApi(): StudioClient {
  return useStudioContext().api;
}

export function useHost(): HostInfo {
  return useStudioContext().host;
}

export function useStudioStore(): StudioStore {
  return useStudioContext().store;
}

/**
 * Reads one narrow slice of the studio state; the component re-renders only when that value changes
 * (compared with Object.is), so return primitives or values whose identity the store keeps stable.
 */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  const store = useStudioContext().store;
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()), () => selector(store.getState()));
}

/**
 * Like `useStudio`, for a value the store rebuilds more often than it changes: while `equal` says the new
 * value is the same as the last one, the component keeps the last one and does not re-render (a graph
 * whose nodes only moved, for what depends on its meaning alone).
 */
export function useStudioWith<T>(selector: (state: StudioState) => T, equal: (a: T, b: T) => boolean): T {
  const store = useStudioContext().store;
  const last = useRef<{ value: T } | null>(null);
  const read = (): T => {
    const next = selector(store.getState());
    if (last.current && equal(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  };
  return useSyncExternalStore(store.subscribe, read, read);
}
