// The schema registry of the chosen connection in the Kafka rail: its subjects, and a way to start a new
// one. Picking a subject shows it in the schema browser (SchemaView).
import { useCallback, useEffect, useState } from 'react';
import type { SchemaSubjectInfo } from '../../../engine/api/contract.ts';
import { useApi } from '../api/context.tsx';
import { onSubjectsChanged } from './changes.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const kindLabel = { AVRO: 'avro', PROTOBUF: 'proto', JSON: 'json' } as const;

export function SchemaNav({ connection, chosen, onPick }: { connection: string; chosen: string | undefined; onPick: (subject: string) => void }) {
  const api = useApi();
  const [subjects, setSubjects] = useState<SchemaSubjectInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const refresh = useCallback(() => {
    setError(null);
    api.schemaSubjects({ connection }).then(setSubjects, (e: unknown) => { setSubjects([]); setError(message(e)); });
  }, [api, connection]);
  useEffect(refresh, [refresh, chosen]);
  useEffect(() => onSubjectsChanged(refresh), [refresh]);
  return (
    <>
      <div className="section-head">
        <h3>Schemas</h3>
        <span className="row">
          <button className="ghost small" aria-label="Refresh subjects" onClick={refresh}>↻</button>
          <button className="small" aria-label="New subject" onClick={() => setDraft('')}>+ New</button>
        </span>
      </div>
      {draft !== null && (
        <form className="row" onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim() === '') return;
          onPick(draft.trim());
          setDraft(null);
        }}>
          <input className="grow mono" aria-label="New subject name" placeholder="orders-value" value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} />
          <button type="submit" className="small primary">Open</button>
        </form>
      )}
      {error && <p className="muted small" role="status" aria-label="Schema registry status">{error}</p>}
      {subjects === null ? <p className="muted small">Loading…</p> : (
        <div className="list" role="listbox" aria-label="Schema subjects">
          {subjects.map((s) => (
            <button key={s.subject} role="option" aria-selected={chosen === s.subject} className={`list-item ${chosen === s.subject ? 'active' : ''}`} onClick={() => onPick(s.subject)}>
              <span className="mono">{s.subject}</span>
              <span className="faint small">{kindLabel[s.schemaType]} · v{s.versions[s.versions.length - 1] ?? '—'}</span>
            </button>
          ))}
          {subjects.length === 0 && !error && <p className="muted small">No subjects yet.</p>}
        </div>
      )}
    </>
  );
}
