// Editors for the catalog's structured field kinds: name→expression maps, aggregates, field lists,
// string lists, type maps, durations and Kafka start positions.
import { useState } from 'react';
import type { FieldInfo } from '../../../engine/format/fields.ts';
import { parseDuration } from '../../../engine/format/duration.ts';
import { ExpressionInput } from './ExpressionInput.tsx';
import type { Samples } from './ExpressionInput.tsx';

export function DurationInput({ label, value, onChange, placeholder }: { label: string; value: string; onChange: (v: string | undefined) => void; placeholder?: string }) {
  const parsed = value === '' ? undefined : parseDuration(value);
  const presets = ['10s', '30s', '1m', '5m', '15m', '1h'];
  return (
    <div className="col" style={{ gap: 4 }}>
      <div className="row">
        <input className="mono grow" aria-label={label} aria-invalid={parsed !== undefined && !parsed.ok} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />
        <select aria-label={`${label} preset`} value="" onChange={(e) => e.target.value && onChange(e.target.value)} style={{ width: 64 }}>
          <option value="">…</option>
          {presets.map((p) => <option key={p} value={p}>{p}</option>)}
        </select>
      </div>
      {parsed && !parsed.ok && <div className="field-error" role="alert">{parsed.message}</div>}
    </div>
  );
}

function entriesOf(value: unknown): [string, string][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

function fromEntries(rows: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of rows) out[k] = v;
  return out;
}

/** Output column → expression rows (map's select, Kafka headers, lake schema types). */
export function KeyValueEditor({ label, value, onChange, fields, kind, samples }: { label: string; value: unknown; onChange: (v: Record<string, string>) => void; fields: readonly FieldInfo[] | null; kind: 'expression' | 'type'; samples?: Samples }) {
  const rows = entriesOf(value);
  const update = (i: number, k: string, v: string) => onChange(fromEntries(rows.map((r, j) => (j === i ? [k, v] : r))));
  const remove = (i: number) => onChange(fromEntries(rows.filter((_, j) => j !== i)));
  const add = () => {
    let n = rows.length + 1;
    while (rows.some(([k]) => k === `column_${n}`)) n++;
    const firstField = fields?.find((f) => !rows.some(([k]) => k === f.name))?.name;
    const name = firstField ?? `column_${n}`;
    onChange(fromEntries([...rows, [name, kind === 'type' ? 'string' : (firstField ?? '')]]));
  };
  return (
    <div className="map-rows" role="group" aria-label={label}>
      {rows.map(([k, v], i) => (
        <div key={i} className="map-row kv">
          <input className="mono" aria-label={`${label} ${i + 1} name`} value={k} onChange={(e) => update(i, e.target.value, v)} />
          {kind === 'expression' ? (
            <ExpressionInput label={`${label} ${k} expression`} value={v} fields={fields} onChange={(nv) => update(i, k, nv)} {...(samples ? { samples } : {})} />
          ) : (
            <input className="mono" aria-label={`${label} ${k} type`} value={v} list="lake-types" onChange={(e) => update(i, k, e.target.value)} />
          )}
          <button className="ghost small" aria-label={`Remove ${k}`} onClick={() => remove(i)}>✕</button>
        </div>
      ))}
      <datalist id="lake-types">
        {['string', 'int', 'long', 'double', 'boolean', 'timestamp', 'date', 'decimal(10,2)'].map((t) => <option key={t} value={t} />)}
      </datalist>
      <div><button className="small" onClick={add}>+ Add {kind === 'type' ? 'column' : 'row'}</button></div>
    </div>
  );
}

/** Starting points offered when adding an aggregate; any aggregate expression can be typed instead. */
function aggregateTemplates(column: string): string[] {
  return ['count(*)', `sum(${column})`, `avg(${column})`, `min(${column})`, `max(${column})`, `count(distinct ${column})`, `sum(CASE WHEN ${column} > 0 THEN ${column} ELSE 0 END)`, `first(${column})`, `last(${column})`];
}

/** Rows of output name + aggregate expression (`sum(amount)`, `sum(CASE WHEN status = 'paid' THEN amount END)`). */
export function AggregateEditor({ value, onChange, fields, error, samples }: { value: unknown; onChange: (v: Record<string, string>) => void; fields: readonly FieldInfo[] | null; error?: (name: string) => string | undefined; samples?: Samples }) {
  const rows = entriesOf(value);
  const set = (next: [string, string][]) => onChange(fromEntries(next));
  const numeric = fields?.find((f) => f.type === 'double' || f.type === 'long')?.name ?? 'amount';
  return (
    <div className="map-rows" role="group" aria-label="Aggregates">
      {rows.map(([name, text], i) => {
        const problem = error?.(name);
        return (
          <div key={i} className="map-row kv">
            <input className="mono" aria-label={`Aggregate ${i + 1} name`} value={name} onChange={(e) => set(rows.map((r, j) => (j === i ? [e.target.value, text] : r)))} />
            <ExpressionInput label={`Aggregate ${name}`} aggregate value={text} fields={fields} onChange={(next) => set(rows.map((r, j) => (j === i ? [name, next] : r)))} placeholder="sum(amount)" {...(problem ? { error: problem } : {})} {...(samples ? { samples } : {})} />
            <button className="ghost small" aria-label={`Remove aggregate ${name}`} onClick={() => set(rows.filter((_, j) => j !== i))}>✕</button>
          </div>
        );
      })}
      <div className="row">
        <button className="small" aria-label="Add aggregate" onClick={() => {
          let n = rows.length + 1;
          while (rows.some(([k]) => k === `agg_${n}`)) n++;
          set([...rows, [`agg_${n}`, `sum(${numeric})`]]);
        }}>+ Add aggregate</button>
        <select aria-label="Add aggregate from a template" value="" onChange={(e) => {
          if (!e.target.value) return;
          let n = rows.length + 1;
          while (rows.some(([k]) => k === `agg_${n}`)) n++;
          set([...rows, [`agg_${n}`, e.target.value]]);
        }}>
          <option value="">template…</option>
          {aggregateTemplates(numeric).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
    </div>
  );
}

/** Group-by picker: toggle chips for known upstream fields, or free text when they are unknown. */
export function FieldListPicker({ label, value, onChange, fields }: { label: string; value: unknown; onChange: (v: string[]) => void; fields: readonly FieldInfo[] | null }) {
  const chosen = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  if (!fields) return <StringListInput label={label} value={chosen} onChange={onChange} />;
  const candidates = fields.filter((f) => f.type !== 'timestamp' && f.type !== 'json');
  return (
    <div className="chips" role="group" aria-label={label}>
      {candidates.map((f) => {
        const on = chosen.includes(f.name);
        return (
          <button key={f.name} className="chip-toggle mono" aria-pressed={on} aria-label={`${label}: ${f.name}`} onClick={() => onChange(on ? chosen.filter((c) => c !== f.name) : [...chosen, f.name])}>
            {f.name}
          </button>
        );
      })}
      {chosen.filter((c) => !fields.some((f) => f.name === c)).map((c) => (
        <span key={c} className="chip" style={{ background: 'var(--error-soft)', color: 'var(--error)' }} title="not produced upstream">
          {c}<button aria-label={`Remove ${c}`} onClick={() => onChange(chosen.filter((x) => x !== c))}>✕</button>
        </span>
      ))}
    </div>
  );
}

export function StringListInput({ label, value, onChange, placeholder }: { label: string; value: readonly string[]; onChange: (v: string[]) => void; placeholder?: string }) {
  const [draft, setDraft] = useState('');
  const commit = () => {
    const v = draft.trim();
    if (v && !value.includes(v)) onChange([...value, v]);
    setDraft('');
  };
  return (
    <div className="col" style={{ gap: 4 }}>
      <div className="chips">
        {value.map((v) => (
          <span key={v} className="chip mono">{v}<button aria-label={`Remove ${v}`} onClick={() => onChange(value.filter((x) => x !== v))}>✕</button></span>
        ))}
      </div>
      <input className="mono" aria-label={label} value={draft} placeholder={placeholder ?? 'type and press Enter'} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } }} onBlur={commit} />
    </div>
  );
}

type StartFrom = 'earliest' | 'latest' | { offset: number } | { timestamp: string };

export function StartFromInput({ label, value, onChange }: { label: string; value: unknown; onChange: (v: StartFrom) => void }) {
  const v = (value ?? 'latest') as StartFrom;
  const mode = typeof v === 'string' ? v : 'offset' in v ? 'offset' : 'timestamp';
  return (
    <div className="row">
      <select aria-label={label} value={mode} onChange={(e) => {
        const m = e.target.value;
        onChange(m === 'offset' ? { offset: 0 } : m === 'timestamp' ? { timestamp: new Date().toISOString() } : (m as 'earliest' | 'latest'));
      }}>
        <option value="earliest">earliest</option>
        <option value="latest">latest</option>
        <option value="offset">offset</option>
        <option value="timestamp">timestamp</option>
      </select>
      {typeof v === 'object' && 'offset' in v && <input className="mono grow" type="number" aria-label={`${label} offset`} value={v.offset} onChange={(e) => onChange({ offset: Number(e.target.value) })} />}
      {typeof v === 'object' && 'timestamp' in v && <input className="mono grow" aria-label={`${label} timestamp`} value={v.timestamp} onChange={(e) => onChange({ timestamp: e.target.value })} />}
    </div>
  );
}
