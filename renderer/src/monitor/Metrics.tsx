// Monitoring: throughput, Kafka lag, watermark (as event time, and how far behind the wall clock in human
// units), late and error counts and queued batches over time, from the host's series. Every chart has a
// time axis (UTC) and a value axis with its unit; a time range picks how much history to show, and a
// node picker drills down from the whole run to one node.
import { useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricsSeries } from '../../../engine/api/contract.ts';
import { useApi, useHost, useStudio, useStudioStore } from '../api/context.tsx';
import { usePoll } from '../hooks/usePoll.ts';
import { clockTick, compact, durationTick, humanDuration, utc } from './units.ts';

interface Panel {
  name: string;
  title: string;
  /** Axis label: what the numbers are. */
  unit: string;
  value: (v: number) => string;
  tick: (v: number) => string;
  colour: string;
  /** Per-node values add up to the run's (rates, counts); the others are shown per node only. */
  additive: boolean;
  /** Shown only when the run has the series (the database sinks' panels). */
  optional?: boolean;
}

const panels: Panel[] = [
  { name: 'events_per_second', title: 'Throughput', unit: 'events/s', value: (v) => `${Math.round(v).toLocaleString()} events/s`, tick: compact, colour: 'var(--accent)', additive: true },
  { name: 'kafka_lag', title: 'Kafka lag', unit: 'messages', value: (v) => `${Math.round(v).toLocaleString()} messages`, tick: compact, colour: '#a07bff', additive: true },
  { name: 'watermark_delay_ms', title: 'Watermark behind now', unit: 'behind wall clock', value: humanDuration, tick: durationTick, colour: '#2ec4c4', additive: false },
  { name: 'late', title: 'Late events', unit: 'events (total)', value: (v) => Math.round(v).toLocaleString(), tick: compact, colour: 'var(--late)', additive: true },
  { name: 'errors', title: 'Errors', unit: 'events (total)', value: (v) => Math.round(v).toLocaleString(), tick: compact, colour: 'var(--error)', additive: true },
  { name: 'queued', title: 'Queued batches', unit: 'batches', value: (v) => Math.round(v).toLocaleString(), tick: compact, colour: 'var(--muted)', additive: true },
  { name: 'sink_rows', title: 'Rows committed', unit: 'rows (total)', value: (v) => `${Math.round(v).toLocaleString()} rows`, tick: compact, colour: 'var(--ok)', additive: true, optional: true },
  { name: 'sink_batches', title: 'Sink commits', unit: 'commits (total)', value: (v) => Math.round(v).toLocaleString(), tick: compact, colour: '#7aa2f7', additive: true, optional: true },
  { name: 'sink_commit_ms', title: 'Commit time', unit: 'ms per commit', value: (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`, tick: compact, colour: '#e0af68', additive: false, optional: true },
  { name: 'sink_retries', title: 'Sink retries', unit: 'attempts (total)', value: (v) => Math.round(v).toLocaleString(), tick: compact, colour: 'var(--late)', additive: true, optional: true },
];

const ranges: { label: string; ms: number }[] = [
  { label: 'last 1 min', ms: 60_000 },
  { label: 'last 5 min', ms: 5 * 60_000 },
  { label: 'last 15 min', ms: 15 * 60_000 },
];

function sumSeries(list: MetricsSeries[]): [number, number][] {
  const byTime = new Map<number, number>();
  for (const s of list) for (const [t, v] of s.points) byTime.set(t, (byTime.get(t) ?? 0) + v);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}

/** The slowest (largest) delay at each time: the run's watermark is only as far as its slowest node. */
function maxSeries(list: MetricsSeries[]): [number, number][] {
  const byTime = new Map<number, number>();
  for (const s of list) for (const [t, v] of s.points) byTime.set(t, Math.max(byTime.get(t) ?? Number.NEGATIVE_INFINITY, v));
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}

function Chart({ panel, points, from, to }: { panel: Panel; points: [number, number][]; from: number; to: number }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <AreaChart data={points.map(([t, v]) => ({ t, v }))} margin={{ top: 4, right: 8, bottom: 14, left: 4 }}>
        <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
        <XAxis dataKey="t" type="number" domain={[from, to]} scale="time" tickFormatter={clockTick} tick={{ fill: 'var(--muted)', fontSize: 10 }} stroke="var(--border)" minTickGap={40}
          label={{ value: 'time (UTC)', position: 'insideBottom', offset: -10, fill: 'var(--faint)', fontSize: 10 }} />
        <YAxis domain={[0, 'auto']} tickFormatter={panel.tick} tick={{ fill: 'var(--muted)', fontSize: 10 }} stroke="var(--border)" width={62}
          label={{ value: panel.unit, angle: -90, position: 'insideLeft', offset: 10, fill: 'var(--faint)', fontSize: 10, style: { textAnchor: 'middle' } }} />
        <Tooltip labelFormatter={(t) => `${utc(Number(t))} UTC`} formatter={(v) => [panel.value(Number(v)), panel.title]} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }} />
        <Area dataKey="v" stroke={panel.colour} fill={panel.colour} fillOpacity={0.15} isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  );
}

export function Metrics() {
  const api = useApi();
  const host = useHost();
  const store = useStudioStore();
  const runId = useStudio((s) => s.runId);
  const status = useStudio((s) => s.status);
  const labels = useStudio((s) => s.graph.nodes);
  const [series, setSeries] = useState<MetricsSeries[]>([]);
  const [range, setRange] = useState(5 * 60_000);
  const [nodeId, setNodeId] = useState('');
  usePoll(async () => {
    setSeries(await api.metricsHistory({}).catch(() => []));
  }, 2000, runId !== undefined, [runId, status]);

  const nodes = useMemo(() => [...new Set(series.flatMap((s) => (s.nodeId === undefined ? [] : [s.nodeId])))].sort(), [series]);
  const latest = Math.max(0, ...series.flatMap((s) => s.points.map(([t]) => t)));
  const from = latest - range;
  if (runId === undefined) return <p className="empty">Run a pipeline to see its throughput, lag, watermark, late and error counts over time.</p>;

  const label = (id: string) => labels.find((n) => n.id === id)?.label ?? id;
  const pick = (name: string): [number, number][] => {
    let points: [number, number][];
    if (nodeId !== '') points = series.find((s) => s.name === name && s.nodeId === nodeId)?.points ?? [];
    else {
      const runWide = series.find((s) => s.name === name && s.nodeId === undefined);
      const perNode = series.filter((s) => s.name === name && s.nodeId !== undefined);
      const additive = panels.find((p) => p.name === name)?.additive ?? true;
      points = runWide?.points ?? (additive ? sumSeries(perNode) : maxSeries(perNode));
    }
    return points.filter(([t]) => t >= from);
  };
  // The event time the watermark has reached: the slowest node's, or the chosen node's.
  const watermarks = series.filter((s) => s.name === 'watermark' && (nodeId === '' || s.nodeId === nodeId));
  const watermarkNow = watermarks.length === 0 ? undefined : Math.min(...watermarks.map((s) => s.points[s.points.length - 1]?.[1] ?? Number.POSITIVE_INFINITY));

  return (
    <div className="col" style={{ gap: 8, minHeight: 0 }}>
      <div className="row wrap small">
        <label className="row muted">Range
          <select aria-label="Time range" value={range} onChange={(e) => setRange(Number(e.target.value))}>
            {ranges.map((r) => <option key={r.ms} value={r.ms}>{r.label}</option>)}
          </select>
        </label>
        <label className="row muted">Node
          <select aria-label="Metrics node" value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
            <option value="">whole run</option>
            {nodes.map((id) => <option key={id} value={id}>{label(id)}</option>)}
          </select>
        </label>
        {nodeId !== '' && <button className="ghost small" aria-label="Show node on canvas" onClick={() => store.getState().select([nodeId])}>select on canvas</button>}
        <span className="grow" />
        {watermarkNow !== undefined && Number.isFinite(watermarkNow) && (
          <span role="status" aria-label="Watermark" className="mono">
            watermark at event time {utc(watermarkNow)} UTC · {humanDuration(Math.max(0, latest - watermarkNow))} behind now
          </span>
        )}
      </div>
      <div className="charts" aria-label="Metrics">
        {panels.filter((p) => !p.optional || series.some((s) => s.name === p.name)).map((p) => {
          const points = pick(p.name);
          const last = points[points.length - 1]?.[1];
          return (
            <div key={p.name} className="chart-card" role="figure" aria-label={`${p.title} over time`}>
              <div className="row">
                <span className="muted grow">{p.title}{nodeId !== '' ? ` · ${label(nodeId)}` : ''}</span>
                <span className="big" aria-label={`${p.title} now`}>{last === undefined ? '—' : p.value(last)}</span>
              </div>
              <div style={{ height: 130 }}>
                {points.length === 0 ? <p className="empty small">{nodeId !== '' ? 'this node has no such series' : 'no data yet'}</p> : <Chart panel={p} points={points} from={from} to={latest} />}
              </div>
            </div>
          );
        })}
      </div>
      {host.metricsPath && <p className="muted small">Prometheus: <code>{host.metricsPath}</code></p>}
    </div>
  );
}
