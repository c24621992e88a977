// Autosave: a moment after the last edit the pipeline goes to the host's autosave slot and to this
// browser's storage (written synchronously again as the page goes away, so a reload right after an edit
// keeps it); the first screen restores the newer of the two as unsaved work. With nothing to restore it
// opens the featured example, ready to run. Closing or reloading the window with unsaved work asks first.
import { useEffect, useRef } from 'react';
import type { AutosaveSlot, StudioClient } from '../../../engine/api/contract.ts';
import type { PipelineDoc } from '../../../engine/format/pipeline.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { withLayout } from '../graph/layout.ts';
import { docFromGraph, graphFromDoc } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';
import { hasUnsavedWork, openExample } from './actions.ts';

const localKey = 'streamlake.autosave';

function isSlot(value: unknown): value is AutosaveSlot {
  if (!value || typeof value !== 'object') return false;
  const slot = value as Partial<AutosaveSlot>;
  const doc = slot.doc as Partial<PipelineDoc> | undefined;
  return typeof slot.savedAt === 'number' && (slot.path === null || typeof slot.path === 'string') && !!doc && Array.isArray(doc.nodes) && Array.isArray(doc.edges);
}

/** The copy in this browser's storage; anything that does not look like one is ignored. */
function readLocal(): AutosaveSlot | null {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(localKey) ?? 'null');
    return isSlot(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function writeLocal(store: StudioStore): AutosaveSlot {
  const s = store.getState();
  const slot: AutosaveSlot = { doc: docFromGraph(s.graph), path: s.fileName ?? null, savedAt: Date.now() };
  try {
    window.localStorage.setItem(localKey, JSON.stringify(slot));
  } catch {
    // Storage full or disabled: the host's slot still has it.
  }
  return slot;
}

/** Is the autosaved copy exactly its file as saved (then a reload has nothing unsaved to restore)? */
async function matchesFile(api: StudioClient, slot: AutosaveSlot): Promise<boolean> {
  if (!slot.path) return false;
  try {
    const opened = await api.fileOpen({ path: slot.path });
    if (!opened.doc) return false;
    const [saved, autosaved] = await Promise.all([api.pipelineExport({ doc: opened.doc }), api.pipelineExport({ doc: slot.doc })]);
    return saved.text === autosaved.text;
  } catch {
    return false;
  }
}

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
      const remote = await api.autosaveRead().catch(() => null);
      const local = readLocal();
      const slot = local && (!remote || local.savedAt > remote.savedAt) ? local : remote;
      if (slot && slot.doc.nodes.length > 0) {
        const graph = withLayout(graphFromDoc(slot.doc), (id) => slot.doc.layout?.[id] !== undefined);
        const saved = await matchesFile(api, slot);
        store.getState().load(graph, slot.path ? { fileName: slot.path, saved, edited: !saved } : { saved: false, edited: true });
        return;
      }
      await openExample(api, store, undefined, true);
    })();
  }, [api, store]);

  useEffect(() => {
    if (revision === 0) return undefined;
    const timer = window.setTimeout(() => {
      const slot = writeLocal(store);
      void api.autosaveWrite({ doc: slot.doc, path: slot.path }).catch(() => undefined);
    }, 1500);
    return () => window.clearTimeout(timer);
  }, [api, store, revision]);

  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (store.getState().revision === 0) return;
      writeLocal(store);
      if (!hasUnsavedWork(store)) return;
      // The browser shows its own "Leave site?" question; the text is not shown by current browsers.
      e.preventDefault();
      e.returnValue = 'The pipeline has unsaved changes';
    };
    window.addEventListener('beforeunload', onLeave);
    return () => window.removeEventListener('beforeunload', onLeave);
  }, [store]);
}
