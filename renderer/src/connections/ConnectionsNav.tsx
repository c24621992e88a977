// The Connections rail: every kind of saved connection (one section per descriptor in kinds.ts)
// with add, edit, test and delete. The canvas stays beside it, so a connection can be made while building.
import { useState } from 'react';
import { useApi, useStudioStore } from '../api/context.tsx';
import { connectionKinds } from './kinds.ts';
import type { ConnectionKind, ConnectionTest, SavedConnection } from './kinds.ts';
import { ConnectionForm } from './ConnectionForm.tsx';
import { TestResult } from './TestResult.tsx';
import { announceConnections, useSavedConnections } from './useSavedConnections.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A connection's address, allowed to wrap after "user@" before anywhere else (the rail is narrow). */
function breakable(detail: string) {
  const at = detail.indexOf('@');
  return at < 0 ? detail : <>{detail.slice(0, at + 1)}<wbr />{detail.slice(at + 1)}</>;
}

function KindSection({ kind }: { kind: ConnectionKind }) {
  const api = useApi();
  const store = useStudioStore();
  const { list, error } = useSavedConnections(kind);
  const [editing, setEditing] = useState<SavedConnection | 'new' | undefined>(undefined);
  const [tests, setTests] = useState<Record<string, ConnectionTest | 'testing'>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const test = (c: SavedConnection) => {
    setTests((t) => ({ ...t, [c.name]: 'testing' }));
    kind.test(api, { name: c.name }).then(
      (result) => setTests((t) => ({ ...t, [c.name]: result })),
      (e: unknown) => { setTests((t) => { const rest = { ...t }; delete rest[c.name]; return rest; }); setFailure(message(e)); },
    );
  };
  return (
    <section className="col" style={{ gap: 6 }} aria-label={`${kind.title} connections`}>
      <div className="section-head">
        <h3>{kind.title}</h3>
        <button className="small" aria-label={`Add ${kind.title} connection`} onClick={() => setEditing('new')}>+ Add</button>
      </div>
      {editing && (
        <ConnectionForm kind={kind} {...(editing === 'new' ? {} : { initial: editing })} onDone={(saved) => {
          setEditing(undefined);
          if (saved) {
            setTests((t) => { const rest = { ...t }; delete rest[saved.name]; return rest; });
            announceConnections(kind.id);
            store.getState().notify('success', `Saved the ${kind.title} connection "${saved.name}".`);
          }
        }} />
      )}
      {error && <div className="field-error" role="alert">{error}</div>}
      {failure && <div className="field-error" role="alert">{failure}</div>}
      <div className="list" role="list" aria-label={`Saved ${kind.title} connections`}>
        {list === null && <p className="muted small">Loading…</p>}
        {list?.length === 0 && !editing && <p className="muted small">{kind.none ?? `None yet. Add one for the ${kind.title} sink.`}</p>}
        {list?.map((c) => {
          const result = tests[c.name];
          return (
            <div key={c.name} className="col" style={{ gap: 4 }} role="listitem" aria-label={`${kind.title} connection ${c.name}`}>
              <div className="list-item">
                <span className="col" style={{ gap: 0 }}><span>{c.name}</span><span className="faint small mono" style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}>{breakable(c.detail)}</span></span>
                <span className="row" style={{ gap: 2 }}>
                  <button className="ghost small" aria-label={`Test ${c.name}`} title="Test this connection" disabled={result === 'testing'} onClick={() => test(c)}>{result === 'testing' ? '…' : '⚡'}</button>
                  <button className="ghost small" aria-label={`Edit ${c.name}`} title="Edit" onClick={() => setEditing(c)}>✎</button>
                  {kind.remove && <button className="ghost small danger" aria-label={`Delete ${c.name}`} title="Delete" onClick={() => {
                    void store.getState().ask({ kind: 'confirm', title: `Delete the ${kind.title} connection ${c.name}?`, body: `Its address and stored password are forgotten; ${kind.nodeTypes.length > 0 ? `sink nodes that use "${c.name}" stop finding it. ` : ''}${kind.deleteNote ?? 'Tables in the database are not touched.'}`, confirmLabel: 'Delete connection', danger: true })
                      .then((ok) => (ok ? kind.remove?.(api, c.name).then(() => announceConnections(kind.id), (e: unknown) => setFailure(message(e))) : undefined));
                  }}>✕</button>}
                </span>
              </div>
              {result && result !== 'testing' && <TestResult kind={kind} result={result} values={c.values} />}
            </div>
          );
        })}
      </div>
    </section>
  );
}

export function ConnectionsNav() {
  return (
    <>
      <p className="muted small" style={{ margin: 0 }}>Saved connections of the database sinks and of Flink. Passwords and tokens stay on this machine and never go into a pipeline file.</p>
      {connectionKinds.map((kind) => <KindSection key={kind.id} kind={kind} />)}
    </>
  );
}
