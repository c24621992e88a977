// A database sink's connection field: a picker over the saved connections of the node's kind, a new one
// made inline without leaving the node, and "Test connection" of the chosen one from here (for PostgreSQL
// including the rights on the node's table).
import { useState } from 'react';
import { useApi, useStudioStore } from '../api/context.tsx';
import { ConnectionForm } from '../connections/ConnectionForm.tsx';
import { announceConnections, useSavedConnections } from '../connections/useSavedConnections.ts';
import type { ConnectionKind, ConnectionTest, ConnectionValues } from '../connections/kinds.ts';
import { TestResult } from '../connections/TestResult.tsx';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const tableName = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

export function SinkConnectionPicker({ kind, label, value, table, onChange }: { kind: ConnectionKind; label: string; value: string; table: string; onChange: (v: string | undefined) => void }) {
  const api = useApi();
  const store = useStudioStore();
  const { list } = useSavedConnections(kind);
  const [creating, setCreating] = useState(false);
  const [test, setTest] = useState<{ name: string; result: ConnectionTest; values: ConnectionValues } | 'testing' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const saved = list?.find((c) => c.name === value);
  const missing = value !== '' && list !== null && !saved;
  const target = tableName.test(table) ? { table } : {};
  return (
    <div className="col" style={{ gap: 6 }}>
      <div className="row">
        <select className="grow" aria-label={label} aria-invalid={missing} value={value} onChange={(e) => { setTest(null); onChange(e.target.value || undefined); }}>
          <option value="">{list === null ? 'loading connections…' : '(choose a connection)'}</option>
          {missing && <option value={value}>{value} — not saved here</option>}
          {list?.map((c) => <option key={c.name} value={c.name}>{c.name} — {c.detail}</option>)}
        </select>
        <button type="button" className="small" aria-label={`New ${kind.title} connection`} title={`Add a ${kind.title} connection without leaving this node`} onClick={() => setCreating(true)}>+ New</button>
      </div>
      {missing && <div className="field-error" role="note">No saved {kind.title} connection is named "{value}". Create it with + New, or choose another.</div>}
      {list?.length === 0 && !creating && <span className="faint small">No {kind.title} connections yet: + New adds one.</span>}
      {creating && (
        <ConnectionForm kind={kind} target={target} onDone={(made) => {
          setCreating(false);
          if (made) {
            announceConnections(kind.id);
            onChange(made.name);
          }
        }} />
      )}
      {!creating && (
        <div className="row">
          <button type="button" className="small" aria-label="Test connection" disabled={!saved || test === 'testing'} title={saved ? `Sign in to ${kind.title} with "${saved.name}"${target.table ? ` and check the rights on ${target.table}` : ''}` : 'Choose a saved connection first'} onClick={() => {
            if (!saved) return;
            setTest('testing');
            setError(null);
            kind.test(api, { name: saved.name }, target).then((result) => setTest({ name: saved.name, result, values: saved.values }), (e: unknown) => { setTest(null); setError(message(e)); });
          }}>{test === 'testing' ? 'Testing…' : 'Test connection'}</button>
          <span className="grow" />
          <button type="button" className="ghost small" aria-label={`Manage ${kind.title} connections`} title="Edit, test or delete saved connections" onClick={() => store.getState().setUi({ leftTab: 'connections', leftOpen: true })}>Manage…</button>
        </div>
      )}
      {test && test !== 'testing' && test.name === value && <TestResult kind={kind} result={test.result} values={test.values} />}
      {error && <div className="field-error" role="alert">{error}</div>}
    </div>
  );
}
