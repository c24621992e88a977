// Autosave: a few seconds after the last edit the pipeline goes to the host's autosave slot, and the first
// screen restores it; with nothing to restore it opens the featured example, ready to run.
import { useEffect, useRef } from 'react';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { withLayout } from '../graph/layout.ts';
import { docFromGraph, graphFromDoc } from '../graph/model.ts';
import { openExample } from './actions.ts';

export function useAutosave(): void {
  const api = useApi();
  const store = useStudioStore();
  const revision = useStudio((s) => s.revision);
  const restored = useRef(false);

  useEffect(() => {
    if (restored.current) return;
    restored.current = true;
    void (async () => {
      // A URL like `?new` opens an empty canvas (the e2e spec builds the pipeline from scratch).
      if (new URLSearchParams(window.location.search).has('new')) return;
      const slot = await api.autosaveRead().catch(() => null);
      if (slot && slot.doc.nodes.length > 0) {
        store.getState().load(withLayout(graphFromDoc(slot.doc), (id) => slot.doc.layout?.[id] !== undefined), slot.path ? { fileName: slot.path, saved: false } : { saved: false });
        return;
      }
      await openExample(api, store, undefined, true);
    })();
  }, [api, store]);

  useEffect(() => {
    if (revision === 0) return undefined;
    const timer = window.setTimeout(() => {
      const s = store.getState();
      void api.autosaveWrite({ doc: docFromGraph(s.graph), path: s.fileName ?? null }).catch(() => undefined);
    }, 1500);
    return () => window.clearTimeout(timer);
  }, [api, store, revision]);
}
