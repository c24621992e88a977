// Canvas keyboard shortcuts. Keys typed into a field belong to the field, so they are ignored there.
import type { FitViewOptions } from '@xyflow/react';
import { useEffect } from 'react';
import { useStudioStore } from '../api/context.tsx';

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The canvas adds its padding and readable minimum zoom (Canvas.tsx fitFrame). */
const keyFit: FitViewOptions = { duration: 200 };

/** Canvas keys; `fit` zooms to fit the way the canvas tracks it (busy until the animation ends). */
export function useCanvasShortcuts(fit: (options: FitViewOptions) => void): void {
  const store = useStudioStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const s = store.getState();
      if (s.leftTab !== 'pipeline' && s.leftTab !== 'connections') return;
      const key = e.key.toLowerCase();
      if ((e.key === 'Delete' || e.key === 'Backspace') && !mod) {
        s.deleteSelection();
      } else if (mod && key === 'c') {
        s.copySelection();
      } else if (mod && key === 'v') {
        s.paste();
      } else if (mod && key === 'x') {
        s.copySelection();
        s.deleteSelection();
      } else if (mod && key === 'z' && e.shiftKey) {
        s.redo();
      } else if (mod && key === 'z') {
        s.undo();
      } else if (mod && key === 'y') {
        s.redo();
      } else if (mod && key === 'a') {
        s.select(s.graph.nodes.map((n) => n.id), s.graph.edges.map((ed) => ed.id));
      } else if (!mod && key === 'f') {
        fit(keyFit);
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [fit, store]);
}
