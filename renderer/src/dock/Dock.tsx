import { lazy, Suspense, useState } from 'react';
import type { DeadLetterEntry } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore, useStudioWith } from '../api/context.tsx';
import { sameMeaning } from '../graph/meaning.ts';
import { usePoll } from '../hooks/usePoll.ts';
import type { DockTab } from '../store/types.ts';
import { Loading } from '../ui/Loading.tsx';

// Loaded after the first screen: the workbench and the charts behind it, and monitoring.
const Workbench = lazy(() => import('../sql/Workbench.tsx').then((m) => ({ default: m.Workbench })));
const Metrics = lazy(() => import('../monitor/Metrics.tsx').then((m) => ({ default: m.Metrics })));

function Problems() {
  const store = useStudioStore();
  const problems = useStudio((s) => s.problems);
  const nodes = useStudioWith((s) => s.graph, sameMeaning).nodes;
  const failure = useStudio((s) => s.failure);
  // Trouble nodes of the running pipeline report (a broker nobody answers at), next to validation problems.
  const alerts = useStudio((s) => s.nodeAlerts);
  const alerted = Object.entries(alerts);
  if (problems.length === 0 && !failure && alerted.length === 0) return <p className="empty">No problems: the pipeline is valid.</p>;
  return (
    <div className="list" aria-label="Problems list">
      {/* A failure that names its node is listed once, on that node's row below. */}
      {failure && !alerted.some(([, message]) => message === failure) && <div className="problem-row"><span className="sev">run</span><span>{failure}</span></div>}
      {alerted.map(([id, message]) => {
        const node = nodes.find((n) => n.id === id);
        return (
          <button key={`alert:${id}`} className="problem-row" onClick={() => store.getState().select([id])} aria-label={`Run problem: ${message}`}>
            <span className="sev">run</span>
            <span className="mono">{node?.label ?? id}</span>
            <span className="grow">{message}</span>
          </button>
        );
      })}
      {problems.map((p, i) => {
        const index = /^\/nodes\/(\d+)/.exec(p.path)?.[1];
        const node = index === undefined ? undefined : nodes[Number(index)];
        return (
          <button key={i} className="problem-row" onClick={() => node && store.getState().select([node.id])} aria-label={`Problem: ${p.message}`}>
            <span className="sev">✕</span>
            <span className="mono">{node ? node.label ?? node.id : 'pipeline'}</span>
            <span className="grow">{p.message}</span>
            <span className="path mono">{p.path}</span>
          </button>
        );
      })}
    </div>
  );
}

function DeadLetters() {
  const api = useApi();
  const runId = useStudio((s) => s.runId);
  const status = useStudio((s) => s.status);
  const [entries, setEntries] = useState<DeadLetterEntry[]>([]);
  usePoll(async () => {
    setEntries(await api.deadLetters({ limit: 200 }).catch(() => []));
  }, 2000, runId !== undefined, [runId, status]);
  if (entries.length === 0) return <p className="empty">No dead letters. Events a node cannot process, and window events beyond the allowed lateness, appear here with their reason.</p>;
  return (
    <div className="grid-wrap">
      <table className="grid" aria-label="Dead letters">
        <thead><tr><th>time</th><th>node</th><th>port</th><th>reason</th><th>payload</th></tr></thead>
        <tbody>
          {[...entries].reverse().map((e, i) => (
            <tr key={i}>
              <td>{new Date(e.at).toISOString().slice(11, 23)}</td>
              <td>{e.node}</td>
              <td style={{ color: e.port === 'error' ? 'var(--error)' : 'var(--late)' }}>{e.port}</td>
              <td title={e.reason} style={{ fontFamily: 'inherit' }}>{e.reason}</td>
              <td title={JSON.stringify(e.payload)}>{JSON.stringify(e.payload)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const tabs: { id: DockTab; label: string }[] = [
  { id: 'sql', label: 'SQL' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'problems', label: 'Problems' },
  { id: 'dead', label: 'Dead letters' },
];

export function Dock() {
  const store = useStudioStore();
  const tab = useStudio((s) => s.dockTab);
  const open = useStudio((s) => s.dockOpen);
  const problemCount = useStudio((s) => s.problems.length + Object.keys(s.nodeAlerts).length);
  return (
    <section className={`dock ${open ? '' : 'closed'}`} aria-label="Dock">
      <div className="tabs" role="tablist" aria-label="Dock tabs">
        {tabs.map((t) => (
          <button
            key={t.id}
            role="tab"
            className="tab"
            aria-selected={open && tab === t.id}
            onClick={() => store.getState().setUi({ dockTab: t.id, dockOpen: true })}
          >
            {t.label}
            {t.id === 'problems' && <span className={`count ${problemCount > 0 ? 'bad' : ''}`}>{problemCount}</span>}
          </button>
        ))}
        <span className="spacer" />
        <button className="ghost small" aria-label={open ? 'Collapse dock' : 'Expand dock'} onClick={() => store.getState().setUi({ dockOpen: !open })}>{open ? '▾' : '▴'}</button>
      </div>
      {open && (
        <div className="dock-body" role="tabpanel" aria-label={tabs.find((t) => t.id === tab)?.label}>
          {/* The workbench stays mounted so its query and results survive a look at another tab. */}
          <div style={{ display: tab === 'sql' ? 'contents' : 'none' }}><Suspense fallback={<Loading what="the SQL workbench" />}><Workbench /></Suspense></div>
          {tab === 'metrics' && <Suspense fallback={<Loading what="monitoring" />}><Metrics /></Suspense>}
          {tab === 'problems' && <Problems />}
          {tab === 'dead' && <DeadLetters />}
        </div>
      )}
    </section>
  );
}
