// Canvas keyboard shortcuts. Keys typed into a field belong to the field, so they are ignored there.
import type { ReactFlowInstance } from '@xyflow/react';
import { useEffect } from 'react';
import { useStudioStore } from '../api/context.tsx';
import type { FlowEdge } from './LiveEdge.tsx';
import type { FlowNode } from './PipelineNode.tsx';

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function useCanvasShortcuts(flow: ReactFlowInstance<FlowNode, FlowEdge>): void {
  const store = useStudioStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const s = store.getState();
      if (s.leftTab !== 'pipeline') return;
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
        void flow.fitView({ padding: 0.15, duration: 200 });
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, store]);
}
