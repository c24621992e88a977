// The workbench's code editor: CodeMirror 6 with DuckDB highlighting, completion of the lake's tables,
// columns, refs and functions, Ctrl/Cmd+Enter to run, and the editor's own undo history. The text lives
// in the parent (a tab), so the editor is told about outside changes (history, a table picked elsewhere).
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { keywordCompletionSource, sql } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';
import type { SqlCatalogTable } from '../../../engine/api/contract.ts';
import { duckdb, lakeCompletionSource } from './duckdb.ts';

interface SqlEditorProps {
  value: string;
  onChange: (value: string) => void;
  onRun: (value: string) => void;
  catalog: readonly SqlCatalogTable[];
  /** Called when the editor gets focus (the workbench refreshes the lake listing then). */
  onFocus?: () => void;
  label?: string;
}

// Colours from the studio's theme variables, so light and dark both read.
const studioHighlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--accent)', fontWeight: '600' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--ok)' },
  { tag: [tags.number, tags.bool, tags.null], color: 'var(--late)' },
  { tag: [tags.function(tags.variableName), tags.standard(tags.name)], color: '#c792ea' },
  { tag: tags.typeName, color: '#2ec4c4' },
  { tag: [tags.lineComment, tags.blockComment], color: 'var(--faint)', fontStyle: 'italic' },
  { tag: tags.operator, color: 'var(--muted)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px', background: 'var(--panel-2)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: '6px' },
  '&.cm-focused': { outline: '1px solid var(--accent)' },
  '.cm-scroller': { fontFamily: "'JetBrains Mono', Menlo, monospace", lineHeight: '18px' },
  '.cm-content': { caretColor: 'var(--text)', padding: '6px 0' },
  '.cm-gutters': { display: 'none' },
  '.cm-tooltip': { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { background: 'var(--accent-soft)', color: 'var(--text)' },
  '.cm-completionDetail': { color: 'var(--faint)', marginLeft: '10px', fontStyle: 'normal' },
  '.cm-selectionBackground, &.cm-focused .cm-selectionBackground': { background: 'var(--accent-soft)' },
});

export function SqlEditor({ value, onChange, onRun, catalog, onFocus, label = 'SQL query' }: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // Extensions are built once; they read the latest props through these refs.
  const latest = useRef({ onChange, onRun, catalog, onFocus });
  latest.current = { onChange, onRun, catalog, onFocus };

  useEffect(() => {
    if (!host.current) return undefined;
    const run = (target: EditorView): boolean => {
      latest.current.onRun(target.state.doc.toString());
      return true;
    };
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          sql({ dialect: duckdb, upperCaseKeywords: true }),
          syntaxHighlighting(studioHighlight),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          autocompletion({ override: [lakeCompletionSource(() => latest.current.catalog), keywordCompletionSource(duckdb, true)], activateOnTyping: true }),
          keymap.of([{ key: 'Mod-Enter', run, preventDefault: true }, ...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap, indentWithTab]),
          placeholder('SELECT … FROM a lake table (Ctrl+Enter runs)'),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', role: 'textbox', spellcheck: 'false' }),
          EditorView.domEventHandlers({ focus: () => void latest.current.onFocus?.() }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
          theme,
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once per mount; later values arrive through the effect below.
  }, [label]);

  // Text set from outside (history, a request from the lake explorer) replaces the editor's.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value }, selection: { anchor: value.length } });
    }
  }, [value]);

  return <div className="sql-code" ref={host} />;
}
