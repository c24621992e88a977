// SQL over the lake: several query tabs (each with its own text, results and chart), a persisted query
// history to re-open or re-run from, and a maximised mode that gives the workbench the whole window.
// Completion metadata (tables, columns, tags and branches) comes from the host's lake listing.
import { useCallback, useEffect, useState } from 'react';
import type { SqlCatalogTable } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { addHistory, readHistory } from './history.ts';
import type { HistoryEntry } from './history.ts';
import { QueryTab } from './QueryTab.tsx';
import type { RunOutcome } from './QueryTab.tsx';

interface Tab {
  id: number;
  sql: string;
  /** Bumped to make the tab run its text. */
  runTicket: number;
}

const firstQuery = 'SELECT * FROM sales_by_region ORDER BY window_start DESC LIMIT 100';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function title(sql: string): string {
  const from = /\bfrom\s+([A-Za-z_][\w.]*(?:@[\w.-]+)?)/i.exec(sql)?.[1];
  return from ?? (sql.trim().slice(0, 18) || 'empty');
}

export function Workbench() {
  const api = useApi();
  const store = useStudioStore();
  const request = useStudio((s) => s.sqlRequest);
  const [catalog, setCatalog] = useState<SqlCatalogTable[]>([]);
  const [tabs, setTabs] = useState<Tab[]>([{ id: 1, sql: firstQuery, runTicket: 0 }]);
  const [active, setActive] = useState(1);
  const [history, setHistory] = useState<HistoryEntry[]>(() => {
    const s = storage();
    return s ? readHistory(s) : [];
  });
  const [showHistory, setShowHistory] = useState(false);
  const [maximised, setMaximised] = useState(false);

  const loadCatalog = useCallback(() => {
    void api.sqlCatalog().then(setCatalog, () => undefined);
  }, [api]);
  useEffect(loadCatalog, [loadCatalog]);
  // New tables, tags and branches become completions as they appear.
  useEffect(() => {
    let timer: number | undefined;
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== 'lake.changed') return;
      window.clearTimeout(timer);
      timer = window.setTimeout(loadCatalog, 1000);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, [api, loadCatalog]);

  const update = (id: number, patch: Partial<Tab>) => setTabs((list) => list.map((t) => (t.id === id ? { ...t, ...patch } : t)));
  const runIn = (id: number, sql: string) => setTabs((list) => list.map((t) => (t.id === id ? { ...t, sql, runTicket: t.runTicket + 1 } : t)));
  const addTab = (sql = '') => {
    const id = Math.max(0, ...tabs.map((t) => t.id)) + 1;
    setTabs((list) => [...list, { id, sql, runTicket: 0 }]);
    setActive(id);
    return id;
  };
  const closeTab = (id: number) => {
    const rest = tabs.filter((t) => t.id !== id);
    if (rest.length === 0) return;
    setTabs(rest);
    if (active === id) setActive(rest[rest.length - 1]?.id ?? rest[0]?.id ?? 1);
  };

  const onRan = useCallback((outcome: RunOutcome) => {
    const s = storage();
    const entry = { sql: outcome.sql, at: Date.now(), outcome: outcome.outcome, ok: outcome.ok };
    setHistory(s ? addHistory(s, entry) : (list) => [entry, ...list]);
  }, []);

  // A query asked for elsewhere (the lake explorer) goes into the current tab.
  useEffect(() => {
    if (!request) return;
    if (request.run) runIn(active, request.sql);
    else update(active, { sql: request.sql });
    store.getState().setUi({ sqlRequest: undefined });
  }, [request, store]);

  useEffect(() => {
    if (!maximised) return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !(e.target instanceof HTMLElement && e.target.closest('.cm-tooltip-autocomplete'))) setMaximised(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [maximised]);

  return (
    <div className={`sql-workbench ${maximised ? 'maximised' : ''}`} aria-label="SQL workbench" role="region">
      <div className="row sql-tabs">
        <div className="tabs" role="tablist" aria-label="Query tabs">
          {tabs.map((t, i) => (
            <span key={t.id} className="row" style={{ gap: 0 }}>
              <button role="tab" className="tab" aria-selected={t.id === active} aria-label={`Query ${i + 1}`} title={t.sql} onClick={() => setActive(t.id)}>
                <span className="mono small">{i + 1} · {title(t.sql)}</span>
              </button>
              {tabs.length > 1 && <button className="ghost small" aria-label={`Close query ${i + 1}`} onClick={() => closeTab(t.id)}>✕</button>}
            </span>
          ))}
          <button className="ghost small" aria-label="New query tab" onClick={() => addTab()}>+</button>
        </div>
        <span className="grow" />
        <button className="ghost small" aria-label="Query history" aria-expanded={showHistory} onClick={() => setShowHistory((v) => !v)}>History ({history.length})</button>
        <button className="ghost small" aria-label={maximised ? 'Restore workbench' : 'Maximise workbench'} aria-pressed={maximised} onClick={() => setMaximised((v) => !v)}>{maximised ? '⤡' : '⤢'}</button>
      </div>
      {showHistory && (
        <div className="sql-history" role="list" aria-label="Query history list">
          {history.length === 0 && <p className="empty">Queries you run are kept here, also after a restart.</p>}
          {history.map((h) => (
            <div key={`${h.at}-${h.sql}`} role="listitem" className="sql-history-item">
              <span className={`small ${h.ok ? 'faint' : ''}`} style={h.ok ? undefined : { color: 'var(--error)' }}>{new Date(h.at).toLocaleTimeString()} · {h.outcome}</span>
              <code className="mono grow" title={h.sql}>{h.sql}</code>
              <button className="ghost small" aria-label={`Open in a new tab: ${h.sql}`} onClick={() => addTab(h.sql)}>Open</button>
              <button className="small" aria-label={`Run again: ${h.sql}`} onClick={() => {
                runIn(active, h.sql);
                setShowHistory(false);
              }}>Run</button>
            </div>
          ))}
        </div>
      )}
      {tabs.map((t) => (
        <QueryTab key={t.id} hidden={t.id !== active} sql={t.sql} onSql={(sql) => update(t.id, { sql })} catalog={catalog} loadCatalog={loadCatalog} onRan={onRan} runTicket={t.runTicket} />
      ))}
    </div>
  );
}
