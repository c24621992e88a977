// The selected node's live output: latest rows as a table or JSON, pause/resume, a sample cap, a pinned
// sample; error and late ports list their events with reasons; windows explain why they are still open.
import { useState } from 'react';
import type { DeadLetterEntry, NodePreview, PortName, WindowExplanation, WireRow } from '../../../engine/api/contract.ts';
import { useApi, useStudio } from '../api/context.tsx';
import { deliveryTarget, portsOf } from '../graph/catalog.ts';
import type { GraphNode } from '../graph/model.ts';
import { usePoll } from '../hooks/usePoll.ts';
import { ObjectTable } from '../ui/DataTable.tsx';

function time(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function WindowWhy({ nodeId, live }: { nodeId: string; live: boolean }) {
  const api = useApi();
  const [why, setWhy] = useState<WindowExplanation | null>(null);
  usePoll(async () => {
    setWhy(await api.windowExplain({ nodeId }).catch(() => null));
  }, 1500, live, [nodeId]);
  if (!why) return null;
  return (
    <div className="card" aria-label="Why windows are still open" style={{ padding: 10 }}>
      <h3>Open windows</h3>
      <p style={{ margin: 0 }}>{why.summary}</p>
      <div className="stat-row">
        <div className="stat"><span className="v">{time(why.watermark)}</span><span className="k">watermark</span></div>
        <div className="stat"><span className="v">{why.openCount}</span><span className="k">open windows</span></div>
      </div>
      {why.openWindows.length > 0 && (
        <ObjectTable
          label="Open windows"
          rows={why.openWindows.slice(0, 8).map((w) => ({ ...w.key, start: time(w.start), end: time(w.end), closes_at: time(w.closesAt), events: w.events }))}
        />
      )}
    </div>
  );
}

/** A database sink's delivery in this run: what its table holds from it, and how the commits went. */
function Delivery({ nodeId, target }: { nodeId: string; target: string }) {
  const delivery = useStudio((s) => s.nodes[nodeId]?.delivery);
  if (!delivery) return null;
  const stat = (label: string, value: string) => <div className="stat" role="group" aria-label={label}><span className="v">{value}</span><span className="k">{label}</span></div>;
  return (
    <div className="card" aria-label="Delivery" style={{ padding: 10 }}>
      <h3>Delivered to the {target}</h3>
      <div className="stat-row">
        {stat('rows committed', delivery.rows.toLocaleString())}
        {stat('commits', delivery.batches.toLocaleString())}
        {stat('commit time (mean)', delivery.commitMsAvg === null ? '—' : `${delivery.commitMsAvg < 10 ? delivery.commitMsAvg.toFixed(1) : Math.round(delivery.commitMsAvg)} ms`)}
        {stat('retries', delivery.retries.toLocaleString())}
        {stat('refused', delivery.rejected.toLocaleString())}
      </div>
      <span className="faint small">Rows count once their checkpoint commits; refused rows leave through the error port with the server's message.</span>
    </div>
  );
}

function DeadLetterList({ nodeId, port, live }: { nodeId: string; port: 'error' | 'late'; live: boolean }) {
  const api = useApi();
  const [entries, setEntries] = useState<DeadLetterEntry[]>([]);
  usePoll(async () => {
    const all = await api.deadLetters({ nodeId, limit: 100 }).catch(() => []);
    setEntries(all.filter((e) => e.port === port));
  }, 2000, live, [nodeId, port]);
  if (entries.length === 0) return <p className="empty">No {port} events{live ? ' yet' : ''}.</p>;
  return (
    <ul className="list" aria-label={`${port} events`} style={{ margin: 0, padding: 0, listStyle: 'none' }}>
      {entries.slice(-50).reverse().map((e, i) => (
        <li key={i} className="card" style={{ padding: 8, gap: 4 }}>
          <span className={port === 'error' ? 'sev' : ''} style={port === 'late' ? { color: 'var(--late)' } : undefined}>{e.reason}</span>
          <code className="faint small" style={{ wordBreak: 'break-all' }}>{JSON.stringify(e.payload)}</code>
        </li>
      ))}
    </ul>
  );
}

export function LiveOutput({ node }: { node: GraphNode }) {
  const api = useApi();
  const status = useStudio((s) => s.status);
  const runId = useStudio((s) => s.runId);
  const ports = portsOf(node.type).outputs;
  const isSink = ports.length === 0;
  const [port, setPort] = useState<PortName>('out');
  const [view, setView] = useState<'table' | 'json'>('table');
  const [paused, setPaused] = useState(false);
  const [limit, setLimit] = useState(50);
  const [preview, setPreview] = useState<NodePreview | null>(null);
  const [pinned, setPinned] = useState<WireRow[] | null>(null);
  const live = status === 'running' || status === 'starting';
  const hasRun = runId !== undefined;
  const shownPort: PortName = isSink || !ports.includes(port) ? 'out' : port;

  usePoll(async () => {
    const p = await api.nodePreview({ nodeId: node.id, port: shownPort, limit }).catch(() => null);
    if (p) setPreview(p);
  }, 1000, hasRun && !paused && (shownPort === 'out'), [node.id, shownPort, limit, runId, live]);

  const rows = pinned ?? preview?.rows ?? [];
  return (
    <section className="side-section" aria-label="Live output" style={{ flex: 1 }}>
      <div className="section-head">
        <h2>Output</h2>
        <span className="faint small">{preview ? `${preview.seen.toLocaleString()} seen` : ''}</span>
      </div>
      {!hasRun ? (
        <p className="muted small" style={{ margin: 0 }}>Run the pipeline to see this node's latest rows here.</p>
      ) : (
        <>
          <div className="row wrap">
            {!isSink && ports.length > 1 && (
              <div className="row" role="radiogroup" aria-label="Port">
                {ports.map((p) => (
                  <button key={p} role="radio" aria-checked={shownPort === p} className={`chip-toggle small`} aria-pressed={shownPort === p} onClick={() => setPort(p)}>{p}</button>
                ))}
              </div>
            )}
            <span className="spacer" />
            <button className="small" aria-label={paused ? 'Resume preview' : 'Pause preview'} onClick={() => setPaused((p) => !p)}>{paused ? '▶ Resume' : '❚❚ Pause'}</button>
            <select aria-label="Sample size" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
              {[10, 50, 100, 500].map((n) => <option key={n} value={n}>{n} rows</option>)}
            </select>
            <button className="small" aria-label={view === 'table' ? 'Show JSON' : 'Show table'} onClick={() => setView((v) => (v === 'table' ? 'json' : 'table'))}>{view === 'table' ? '{ } JSON' : '▦ Table'}</button>
            <button className="small" aria-label={pinned ? 'Unpin sample' : 'Pin sample'} onClick={() => setPinned(pinned ? null : (preview?.rows ?? []))}>{pinned ? 'Unpin' : 'Pin'}</button>
          </div>
          <Delivery nodeId={node.id} target={deliveryTarget(node.type)} />
          {pinned && <span className="travel-banner">Pinned sample of {pinned.length} rows</span>}
          {shownPort === 'out' ? (
            rows.length === 0 ? (
              <p className="empty">No rows yet.</p>
            ) : view === 'table' ? (
              <ObjectTable label={`Output rows of ${node.id}`} rows={[...rows].reverse()} />
            ) : (
              <pre className="json mono" aria-label={`Output JSON of ${node.id}`}>{JSON.stringify([...rows].reverse(), null, 2)}</pre>
            )
          ) : (
            <DeadLetterList nodeId={node.id} port={shownPort} live={live} />
          )}
          {node.type.startsWith('window.') && <WindowWhy nodeId={node.id} live={live} />}
        </>
      )}
    </section>
  );
}
