// The form of one saved connection of any kind, generated from its descriptor: fields with their labels,
// problems worded with those labels, a password that is never shown back (empty keeps the stored one),
// Test (the layered result of the connection as typed) and Save.
import { useId, useState } from 'react';
import { useApi } from '../api/context.tsx';
import { fieldShown, forgetPassword, formProblems, initialValues } from './kinds.ts';
import type { ConnectionField, ConnectionKind, ConnectionTest, ConnectionValues, SavedConnection, TestTarget } from './kinds.ts';
import { TestResult } from './TestResult.tsx';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function FieldInput({ id, field, value, onChange, disabled, stored }: { id: string; field: ConnectionField; value: string; onChange: (v: string) => void; disabled: boolean; stored: boolean }) {
  const common = { id, className: field.mono ? 'mono' : undefined, value, disabled, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  switch (field.kind) {
    case 'select':
      return <select {...common}>{(field.options ?? []).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}</select>;
    case 'textarea':
      return <textarea {...common} rows={3} placeholder={field.placeholder} />;
    case 'password':
      return <input {...common} type="password" autoComplete="new-password" placeholder={stored ? '(stored; type to replace)' : '(none)'} />;
    case 'number':
      return <input {...common} inputMode="numeric" placeholder={field.placeholder} />;
    case 'text':
      return <input {...common} placeholder={field.placeholder} spellCheck={false} />;
  }
}

export function ConnectionForm({ kind, initial, onDone, target }: { kind: ConnectionKind; initial?: SavedConnection; onDone: (saved?: SavedConnection) => void; target?: TestTarget }) {
  const api = useApi();
  const [values, setValues] = useState<ConnectionValues>(() => (initial ? { ...initialValues(kind), ...initial.values, password: '' } : initialValues(kind)));
  const [checked, setChecked] = useState(false);
  const [test, setTest] = useState<{ result: ConnectionTest; values: ConnectionValues } | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const problems = formProblems(kind, values);
  const valid = Object.keys(problems).length === 0;
  // Unique per form: the rail and a sink node's inspector may both show one.
  const prefix = `conn-${kind.id}-${useId().replace(/:/g, '')}`;
  const attempt = (what: 'test' | 'save', work: () => Promise<void>) => {
    setChecked(true);
    setError(null);
    if (!valid) return;
    setBusy(what);
    work().catch((e: unknown) => setError(message(e))).finally(() => setBusy(null));
  };
  return (
    <form className="card connection-form" aria-label={`${kind.title} connection`} noValidate onSubmit={(e) => {
      e.preventDefault();
      attempt('save', async () => onDone(await kind.save(api, values)));
    }}>
      <h3>{initial ? `Edit ${initial.name}` : `New ${kind.title} connection`}</h3>
      {kind.fields.filter((f) => fieldShown(f, values)).map((f) => {
        const id = `${prefix}-${f.key}`;
        const problem = checked ? problems[f.key] : undefined;
        return (
          <div key={f.key} className="field">
            <span className="field-label"><label htmlFor={id}>{f.label}</label>{f.required && <span className="req" aria-hidden>*</span>}</span>
            <FieldInput id={id} field={f} value={values[f.key] ?? ''} stored={(initial?.hasPassword ?? false) && values[forgetPassword] !== 'yes'} disabled={(f.key === 'name' && initial !== undefined) || (f.kind === 'password' && values[forgetPassword] === 'yes')}
              onChange={(v) => { setValues((old) => ({ ...old, [f.key]: v })); setTest(null); }} />
            {f.kind === 'password' && initial?.hasPassword && (
              <label className="row small muted">
                <input type="checkbox" checked={values[forgetPassword] === 'yes'} onChange={(e) => { setValues((old) => ({ ...old, [forgetPassword]: e.target.checked ? 'yes' : '', [f.key]: '' })); setTest(null); }} />
                Forget the stored password
              </label>
            )}
            {problem && <div className="field-error" role="note">{problem}</div>}
            {f.help && <span className="field-help">{f.help}</span>}
          </div>
        );
      })}
      {test && <TestResult kind={kind} result={test.result} values={test.values} />}
      {error && <div className="field-error" role="alert">{error}</div>}
      <div className="row">
        <button type="button" aria-label="Test connection" disabled={busy !== null} onClick={() => attempt('test', async () => {
          setTest(null);
          const typed = { ...values };
          setTest({ result: await kind.test(api, { values: typed }, target), values: typed });
        })}>{busy === 'test' ? 'Testing…' : 'Test'}</button>
        <span className="grow" />
        <button type="button" className="ghost" onClick={() => onDone()}>Cancel</button>
        <button type="submit" className="primary" disabled={busy !== null}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
      </div>
    </form>
  );
}
