// One workbench tab: a SQL editor, run (Ctrl+Enter) and cancel, a paged grid, CSV/JSON export, a chart
// suggested from the result's shape, and live refresh while a pipeline writes. A failing query clears
// the previous grid and chart, and a time-travel change clears them and re-runs against the new version,
// so what is shown always belongs to the query and the version in the banner.
import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import type { QueryVersion, SqlCatalogTable, SqlColumn, WireValue } from '../../../engine/api/contract.ts';
import { isEngineError } from '../../../engine/errors.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { RowsTable } from '../ui/DataTable.tsx';
import { Loading } from '../ui/Loading.tsx';
import { SqlEditor } from './SqlEditor.tsx';

// recharts is most of the workbench's weight: it loads with the first result to chart.
const ResultChart = lazy(() => import('./ResultChart.tsx').then((m) => ({ default: m.ResultChart })));

const pageSize = 200;
const shownPerPage = 100;

interface Result {
  queryId: string;
  columns: SqlColumn[];
  rows: WireValue[][];
  done: boolean;
  elapsedMs: number;
  sql: string;
}

export interface RunOutcome {
  sql: string;
  ok: boolean;
  outcome: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Named before the run starts, so Cancel can reach the query while sqlRun is still pending. */
function newQueryId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID exists only in secure contexts; a page served over plain http from another host lacks it.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

interface QueryTabProps {
  sql: string;
  onSql: (sql: string) => void;
  catalog: readonly SqlCatalogTable[];
  loadCatalog: () => void;
  onRan: (outcome: RunOutcome) => void;
  /** Bumped by the parent to run the current text (a request from the lake explorer, a history pick). */
  runTicket: number;
  hidden: boolean;
}

export function QueryTab({ sql, onSql, catalog, loadCatalog, onRan, runTicket, hidden }: QueryTabProps) {
  const api = useApi();
  const store = useStudioStore();
  const travel = useStudio((s) => s.travel);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const [page, setPage] = useState(0);
  const [live, setLive] = useState(false);
  const ticket = useRef(0);
  /** The id of the query whose sqlRun is pending, if any. */
  const pending = useRef<string | null>(null);
  const lastSql = useRef<string | null>(null);

  const version: QueryVersion | undefined = travel ? { snapshot: travel.snapshotId } : undefined;

  const run = useCallback(async (text: string) => {
    const mine = ++ticket.current;
    // A new run supersedes one still running: stop it on the host rather than let it finish unseen.
    if (pending.current) void api.sqlCancel({ queryId: pending.current }).catch(() => undefined);
    const queryId = newQueryId();
    pending.current = queryId;
    lastSql.current = text;
    setRunning(true);
    setCancelled(false);
    setError(null);
    try {
      const r = await api.sqlRun(version ? { sql: text, version, pageSize, queryId } : { sql: text, pageSize, queryId });
      if (mine !== ticket.current) {
        // Cancelled or superseded while running: close what the host still holds.
        if (!r.done) void api.sqlCancel({ queryId: r.queryId }).catch(() => undefined);
        return;
      }
      setResult({ queryId: r.queryId, columns: r.columns, rows: r.rows, done: r.done, elapsedMs: r.elapsedMs, sql: text });
      setPage(0);
      onRan({ sql: text, ok: true, outcome: `${r.rows.length}${r.done ? '' : '+'} row${r.rows.length === 1 && r.done ? '' : 's'}` });
    } catch (e) {
      if (mine !== ticket.current) return;
      // Nothing of an earlier query stays beside an error or a cancel: it would read as this query's answer.
      setResult(null);
      if (isEngineError(e) && e.code === 'ENG_LAKE_CANCELLED') setCancelled(true);
      else {
        setError(message(e));
        onRan({ sql: text, ok: false, outcome: message(e).split('\n')[0] ?? '' });
      }
    } finally {
      if (pending.current === queryId) pending.current = null;
      if (mine === ticket.current) setRunning(false);
    }
  }, [api, version?.snapshot, onRan]);

  const cancel = () => {
    ticket.current++;
    setRunning(false);
    setError(null);
    setCancelled(true);
    // The running query is interrupted on the host; its sqlRun then rejects with ENG_LAKE_CANCELLED (ignored
    // here, as the ticket moved on).
    if (pending.current) void api.sqlCancel({ queryId: pending.current }).catch(() => undefined);
    pending.current = null;
    // The grid no longer shows the previous result, so close it on the host too.
    if (result && !result.done) void api.sqlCancel({ queryId: result.queryId }).catch(() => undefined);
    setResult(null);
  };

  const latestSql = useRef(sql);
  latestSql.current = sql;
  useEffect(() => {
    if (runTicket > 0) void run(latestSql.current);
  }, [runTicket]);

  // Time travel: what is shown belongs to the old version, so it goes at once; the last query re-runs.
  const firstTravel = useRef(true);
  useEffect(() => {
    if (firstTravel.current) {
      firstTravel.current = false;
      return;
    }
    setResult(null);
    setError(null);
    if (lastSql.current !== null) void run(lastSql.current);
  }, [travel?.snapshotId]);

  useEffect(() => {
    if (!live) return undefined;
    let last = 0;
    let timer: number | undefined;
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== 'lake.changed') return;
      const wait = Math.max(0, last + 2000 - Date.now());
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        last = Date.now();
        if (result) void run(result.sql);
        loadCatalog();
      }, wait);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, [api, live, result, run, loadCatalog]);

  const loadMore = async () => {
    if (!result || result.done) return;
    try {
      const next = await api.sqlNext({ queryId: result.queryId });
      setResult({ ...result, rows: [...result.rows, ...next.rows], done: next.done });
    } catch (e) {
      setError(message(e));
    }
  };

  const exportAs = async (format: 'csv' | 'json') => {
    if (!result) return;
    try {
      const file = await api.sqlExport(version ? { sql: result.sql, version, format } : { sql: result.sql, format });
      if (file.path) {
        store.getState().notify('success', `Exported ${file.rows} rows to ${file.path}`);
        return;
      }
      const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      document.body.append(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
    } catch (e) {
      store.getState().notify('error', `Export failed: ${message(e)}`);
    }
  };

  const pages = result ? Math.max(1, Math.ceil(result.rows.length / shownPerPage)) : 0;
  const shown = result ? result.rows.slice(page * shownPerPage, (page + 1) * shownPerPage) : [];
  return (
    <div className="workbench" style={hidden ? { display: 'none' } : undefined}>
      <div className="editor-col">
        {travel && (
          <div className="travel-banner" role="status" aria-label="Time travel">
            <span className="grow">Time travel: {travel.label}</span>
            <button className="small" onClick={() => store.getState().setUi({ travel: undefined })}>Back to now</button>
          </div>
        )}
        <div className="sql-editor">
          {!hidden && <SqlEditor value={sql} onChange={onSql} onRun={(text) => void run(text)} catalog={catalog} onFocus={loadCatalog} />}
        </div>
        <div className="row wrap">
          <button className="primary" aria-label="Run query" disabled={running} onClick={() => void run(sql)} title="Ctrl+Enter">▶ Run</button>
          <button aria-label="Cancel query" disabled={!running} onClick={cancel}>Cancel</button>
          <label className="row"><input type="checkbox" aria-label="Live refresh" checked={live} onChange={(e) => setLive(e.target.checked)} /> live</label>
          <span className="spacer grow" />
          <select aria-label="Insert table" value="" onChange={(e) => e.target.value && onSql(`SELECT * FROM ${e.target.value} LIMIT 100`)}>
            <option value="">tables…</option>
            {catalog.map((t) => <option key={t.table} value={t.table}>{t.table}</option>)}
          </select>
        </div>
        {error && <div className="field-error" role="alert" aria-label="Query error">{error}</div>}
      </div>
      <div className="results-col">
        {!result ? (
          cancelled && !running
            ? <p className="empty" role="status" aria-label="Query status">Query cancelled</p>
            : <p className="empty">{running ? 'Running…' : error ? 'No results: the query failed.' : 'Run a query to see results and a chart.'}</p>
        ) : (
          <>
            <div className="row wrap small">
              <span className="muted" role="status" aria-label="Result summary">
                {result.rows.length.toLocaleString()}{result.done ? '' : '+'} rows · {result.elapsedMs} ms{running ? ' · refreshing…' : ''}
              </span>
              <span className="grow" />
              <button className="small" aria-label="Previous page" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>‹</button>
              <span className="muted">page {page + 1} / {pages}{result.done ? '' : '+'}</span>
              <button className="small" aria-label="Next page" disabled={page + 1 >= pages && result.done} onClick={async () => {
                if (page + 1 >= pages) await loadMore();
                setPage((p) => p + 1);
              }}>›</button>
              <button className="small" aria-label="Export CSV" onClick={() => void exportAs('csv')}>CSV</button>
              <button className="small" aria-label="Export JSON" onClick={() => void exportAs('json')}>JSON</button>
            </div>
            <div className="results-split">
              <RowsTable label="Query results" columns={result.columns.map((c) => c.name)} types={result.columns.map((c) => c.type.toLowerCase())} rows={shown} />
              <Suspense fallback={<Loading what="the chart" />}><ResultChart columns={result.columns} rows={result.rows} /></Suspense>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
