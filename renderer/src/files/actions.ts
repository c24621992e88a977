// File commands shared by the menu, the keyboard and the welcome card. They talk to the host only
// through the contract; where the host has native dialogs (desktop) they use them, otherwise the
// pipelines folder the host serves.
import type { StudioClient } from '../../../engine/api/contract.ts';
import { isEngineError } from '../../../engine/errors.ts';
import type { PipelineDoc } from '../../../engine/format/pipeline.ts';
import { withLayout } from '../graph/layout.ts';
import type { Graph } from '../graph/model.ts';
import { docFromGraph, emptyGraph, graphFromDoc } from '../graph/model.ts';
import type { StudioStore } from '../store/index.ts';

function message(error: unknown): string {
  return isEngineError(error) || error instanceof Error ? error.message : String(error);
}

/** Documents may come without a layout (hand-written, examples): lay them out so they read left to right. */
function laidOut(doc: PipelineDoc): Graph {
  return withLayout(graphFromDoc(doc), (id) => doc.layout?.[id] !== undefined);
}

/** Edits since the pipeline was loaded or saved, which replacing it would throw away. */
export function hasUnsavedWork(store: StudioStore): boolean {
  const s = store.getState();
  return s.revision !== s.savedRevision && s.revision !== s.pristineRevision;
}

/** True when the canvas may be replaced: nothing unsaved, or the user chose to discard it. */
export async function mayReplace(store: StudioStore, what: string): Promise<boolean> {
  if (!hasUnsavedWork(store)) return true;
  return store.getState().ask({
    kind: 'confirm',
    title: 'Discard unsaved changes?',
    body: `"${store.getState().graph.name}" has changes that are not saved. ${what} replaces them, and undo cannot bring them back.`,
    confirmLabel: 'Discard changes',
    danger: true,
  });
}

export async function newPipeline(store: StudioStore): Promise<void> {
  if (!(await mayReplace(store, 'A new pipeline'))) return;
  store.getState().resetRun();
  store.getState().load(emptyGraph('untitled'), { saved: true });
}

/** The Open dialog: saved pipelines (recent ones on desktop, with Browse…) and the examples. */
export async function openDialog(api: StudioClient, store: StudioStore): Promise<void> {
  const choice = await store.getState().ask({ kind: 'open' });
  if (!choice) return;
  if (choice.kind === 'example') await openExample(api, store, choice.id);
  else if (choice.kind === 'file') await openFile(api, store, choice.path);
  else {
    const picked = await api.filePick({ purpose: 'open' });
    if (picked.path) await openFile(api, store, picked.path);
  }
}

export async function openExample(api: StudioClient, store: StudioStore, id?: string, quiet = false): Promise<void> {
  let examples;
  try {
    examples = await api.examplesList();
  } catch (error) {
    if (!quiet) store.getState().notify('error', `Could not load the examples: ${message(error)}`);
    return;
  }
  const example = examples.find((e) => (id ? e.id === id : e.featured)) ?? examples[0];
  if (!example) {
    store.getState().notify('error', 'The host offers no example pipelines');
    return;
  }
  const graph = laidOut(example.doc);
  if (!(await mayReplace(store, `Opening the example "${example.title}"`))) return;
  store.getState().resetRun();
  store.getState().load(graph, { saved: false });
}

export async function openFile(api: StudioClient, store: StudioStore, path: string): Promise<void> {
  try {
    const opened = await api.fileOpen({ path });
    if (opened.doc) {
      if (!(await mayReplace(store, `Opening ${opened.path}`))) return;
      store.getState().resetRun();
      store.getState().load(laidOut(opened.doc), { fileName: opened.path, saved: true });
      store.getState().notify('success', `Opened ${opened.path}`);
    } else {
      store.getState().setUi({ dialog: { kind: 'import-problems', fileName: opened.path, problems: opened.problems ?? [] } });
    }
  } catch (error) {
    store.getState().notify('error', `Could not open ${path}: ${message(error)}`);
  }
}

function fileNameFor(name: string): string {
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';
  return `${slug}.json`;
}

export async function save(api: StudioClient, store: StudioStore, options: { as?: boolean; nativeDialogs: boolean } = { nativeDialogs: false }): Promise<void> {
  const state = store.getState();
  let path = state.fileName;
  if (!path || options.as) {
    if (options.nativeDialogs) {
      const picked = await api.filePick({ purpose: 'save', defaultName: fileNameFor(state.graph.name) });
      if (!picked.path) return;
      path = picked.path;
    } else {
      const typed = await store.getState().ask({ kind: 'save-as', initial: path ?? fileNameFor(state.graph.name) });
      if (!typed) return;
      path = typed;
    }
  }
  const revision = store.getState().revision;
  try {
    await api.fileSave({ path, doc: docFromGraph(store.getState().graph), overwrite: true });
    store.getState().markSaved(path, revision);
    store.getState().notify('success', `Saved ${path}`);
  } catch (error) {
    store.getState().notify('error', `Could not save: ${message(error)}`);
  }
}

/** Downloads the canonical JSON the engine exports; refuses an invalid pipeline with the reason. */
export async function exportJson(api: StudioClient, store: StudioStore): Promise<void> {
  const graph = store.getState().graph;
  try {
    const { text } = await api.pipelineExport({ doc: docFromGraph(graph) });
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileNameFor(graph.name);
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
  } catch (error) {
    store.getState().notify('error', `Export refused: ${message(error)}`);
  }
}

/** Imports pipeline text; an invalid file opens the problems dialog and leaves the canvas as it was. */
export async function importText(api: StudioClient, store: StudioStore, fileName: string, text: string): Promise<void> {
  try {
    const result = await api.pipelineImport({ text });
    if (result.ok) {
      if (!(await mayReplace(store, `Importing ${fileName}`))) return;
      store.getState().resetRun();
      store.getState().load(laidOut(result.doc), { saved: false });
      store.getState().notify('success', `Imported ${fileName}`);
    } else {
      store.getState().setUi({ dialog: { kind: 'import-problems', fileName, problems: result.problems } });
    }
  } catch (error) {
    store.getState().notify('error', `Could not import ${fileName}: ${message(error)}`);
  }
}
