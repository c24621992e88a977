import { useCallback, useEffect, useState } from 'react';
import type { LakeTableSummary } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';

export function LakeNav() {
  const api = useApi();
  const store = useStudioStore();
  const chosen = useStudio((s) => s.lakeTable);
  const [tables, setTables] = useState<LakeTableSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api.lakeTables().then((list) => {
      setTables(list);
      setError(null);
      if (!store.getState().lakeTable && list[0]) store.getState().setUi({ lakeTable: list[0].name });
    }, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, store]);
  useEffect(load, [load]);
  useEffect(() => api.subscribe((e) => {
    if (e.type === 'lake.changed') load();
  }), [api, load]);
  return (
    <>
      <div className="section-head">
        <h3>Tables</h3>
        <button className="ghost small" aria-label="Refresh tables" onClick={load}>↻</button>
      </div>
      {error && <div className="field-error" role="alert">{error}</div>}
      {tables === null ? <p className="muted small">Loading…</p> : tables.length === 0 ? (
        <p className="muted small">The lake is empty. Run a pipeline with a lake sink to create a table.</p>
      ) : (
        <div className="list" role="listbox" aria-label="Lake tables">
          {tables.map((t) => (
            <button key={t.name} role="option" aria-selected={chosen === t.name} className={`list-item ${chosen === t.name ? 'active' : ''}`} onClick={() => store.getState().setUi({ lakeTable: t.name })}>
              <span className="mono">{t.name}</span>
              <span className="faint small">{t.error ? '⚠' : `${(t.rows ?? 0).toLocaleString()} rows · ${t.snapshots} snap`}</span>
            </button>
          ))}
        </div>
      )}
    </>
  );
}
