// The saved connections of a kind as every screen sees them, reloaded whenever one screen changes them
// (the rail, a node's inline form), so the pickers never offer a deleted connection or miss a new one.
import { useCallback, useEffect, useState } from 'react';
import { useApi } from '../api/context.tsx';
import type { ConnectionKind, SavedConnection } from './kinds.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Tells every open list and picker of a kind that its saved connections changed. */
export const connectionsChanged = 'streamlake:connections-changed';

export function announceConnections(kind: string): void {
  window.dispatchEvent(new CustomEvent(connectionsChanged, { detail: kind }));
}

/** The saved connections of a kind, reloaded whenever any screen changes them; null while loading. */
export function useSavedConnections(kind: ConnectionKind): { list: SavedConnection[] | null; error: string | null; reload: () => void } {
  const api = useApi();
  const [list, setList] = useState<SavedConnection[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    kind.list(api).then((found) => { setList(found); setError(null); }, (e: unknown) => { setList([]); setError(message(e)); });
  }, [api, kind]);
  useEffect(() => {
    reload();
    const onChange = (event: Event) => {
      if ((event as CustomEvent<string>).detail === kind.id) reload();
    };
    window.addEventListener(connectionsChanged, onChange);
    return () => window.removeEventListener(connectionsChanged, onChange);
  }, [reload, kind.id]);
  return { list, error, reload };
}
