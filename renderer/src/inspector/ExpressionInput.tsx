// A one-or-few-line SQL expression editor: a transparent textarea over a highlighted copy of the same
// text (no heavy editor), inline errors as you type (syntax, unknown columns, type mismatches), and
// completion of upstream fields with their types and sample values. The error sits between the input and
// the completion list, so the list never covers it; the sample values of the columns in use show below.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { FieldInfo } from '../../../engine/format/fields.ts';
import { checkExpressionText, columnsUsed, highlight, wordAt } from './expression.ts';

/** Sample values per upstream field, already formatted (`'europe'`, `42`). */
export type Samples = ReadonlyMap<string, readonly string[]>;

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  fields: readonly FieldInfo[] | null;
  placeholder?: string;
  /** A window aggregate (`sum(CASE WHEN … END)`) rather than a plain expression. */
  aggregate?: boolean;
  rows?: number;
  /** A problem the pipeline validator found here, shown when the editor's own check finds none. */
  error?: string;
  samples?: Samples;
}

export function ExpressionInput({ label, value, onChange, fields, placeholder, aggregate = false, rows = 1, error, samples }: Props) {
  const known = useMemo(() => (fields ? new Set(fields.map((f) => f.name)) : undefined), [fields]);
  const tokens = useMemo(() => highlight(value, known), [value, known]);
  const own = useMemo(() => checkExpressionText(value, fields, aggregate), [value, fields, aggregate]);
  // The validator answers a moment after each edit: its problem belongs to the text it was given, so it is
  // not shown against newer text (the editor's own check covers that text at once).
  const [errorFor, setErrorFor] = useState<{ error: string | undefined; value: string }>({ error, value });
  // Only a new answer from the validator re-pairs it with the text as it is now.
  useEffect(() => setErrorFor({ error, value }), [error]);
  const external = error !== undefined && errorFor.error === error && errorFor.value === value ? error : undefined;
  const problem = own ?? (external ? { message: external, position: 0, length: 0 } : undefined);
  const used = useMemo(() => (known && samples ? columnsUsed(value, known).filter((c) => (samples.get(c)?.length ?? 0) > 0).slice(0, 3) : []), [value, known, samples]);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const errorId = useId();
  const listId = useId();

  const typed = caret === null ? undefined : wordAt(value, caret);
  const suggestions = useMemo(() => {
    if (!typed || typed.word.length === 0 || !fields) return [];
    const w = typed.word.toLowerCase();
    return fields.filter((f) => f.name.toLowerCase().startsWith(w) && f.name !== typed.word).slice(0, 8);
  }, [typed, fields]);

  const accept = (name: string) => {
    if (!typed) return;
    const next = value.slice(0, typed.start) + name + value.slice(caret ?? typed.start);
    onChange(next);
    const at = typed.start + name.length;
    window.requestAnimationFrame(() => {
      area.current?.setSelectionRange(at, at);
      setCaret(at);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((a) => (a + 1) % suggestions.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a - 1 + suggestions.length) % suggestions.length);
        return;
      }
      if (e.key === 'Tab' || e.key === 'Enter') {
        e.preventDefault();
        accept(suggestions[Math.min(active, suggestions.length - 1)]?.name ?? '');
        return;
      }
      if (e.key === 'Escape') {
        setCaret(null);
        return;
      }
    }
    if (e.key === 'Enter' && rows === 1 && !e.shiftKey) e.preventDefault();
  };

  return (
    <div className={`expr ${problem && value !== '' ? 'invalid' : ''}`}>
      <pre className="expr-layer" aria-hidden>
        {tokens.map((t) => (
          <span key={t.start} className={`tok-${t.cls}`}>{t.text}</span>
        ))}
        {'\n'}
      </pre>
      <textarea
        ref={area}
        aria-label={label}
        aria-invalid={problem !== undefined && value !== ''}
        aria-describedby={problem ? errorId : undefined}
        aria-autocomplete="list"
        aria-controls={suggestions.length > 0 ? listId : undefined}
        spellCheck={false}
        rows={rows}
        value={value}
        placeholder={placeholder}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        onClick={(e) => setCaret(e.currentTarget.selectionStart)}
        onBlur={() => window.setTimeout(() => setCaret(null), 150)}
      />
      {problem && value !== '' && (
        <div className="field-error" id={errorId} role="alert">
          {problem.message}
        </div>
      )}
      {used.length > 0 && (
        <div className="samples faint small" aria-label={`${label} sample values`}>
          {used.map((c) => <span key={c}><span className="mono">{c}</span>: {samples?.get(c)?.join(', ')}</span>)}
        </div>
      )}
      {suggestions.length > 0 && (
        <div className="completion" role="listbox" id={listId} aria-label={`${label} completions`}>
          {suggestions.map((f, i) => (
            <button key={f.name} role="option" aria-selected={i === active} onMouseDown={(e) => { e.preventDefault(); accept(f.name); }}>
              <span className="mono">{f.name}</span>
              <span className="faint small">{f.type}{samples?.get(f.name)?.length ? ` · ${samples.get(f.name)?.slice(0, 3).join(', ')}` : ''}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
