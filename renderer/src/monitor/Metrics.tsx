// Monitoring: throughput, lag, watermark delay, late and error counts over time, from the host's series.
import { useState } from 'react';
import { Area, AreaChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricsSeries } from '../../../engine/api/contract.ts';
import { useApi, useHost, useStudio } from '../api/context.tsx';
import { usePoll } from '../hooks/usePoll.ts';

const panels: { name: string; title: string; unit: (v: number) => string; colour: string }[] = [
  { name: 'events_per_second', title: 'Throughput', unit: (v) => `${Math.round(v).toLocaleString()} ev/s`, colour: 'var(--accent)' },
  { name: 'kafka_lag', title: 'Kafka lag', unit: (v) => `${Math.round(v).toLocaleString()} msgs`, colour: '#a07bff' },
  { name: 'watermark_delay_ms', title: 'Watermark delay', unit: (v) => `${(v / 1000).toFixed(1)} s`, colour: '#2ec4c4' },
  { name: 'late', title: 'Late events', unit: (v) => Math.round(v).toLocaleString(), colour: 'var(--late)' },
  { name: 'errors', title: 'Errors', unit: (v) => Math.round(v).toLocaleString(), colour: 'var(--error)' },
  { name: 'queued', title: 'Queued batches', unit: (v) => Math.round(v).toLocaleString(), colour: 'var(--muted)' },
];

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function Metrics() {
  const api = useApi();
  const host = useHost();
  const runId = useStudio((s) => s.runId);
  const status = useStudio((s) => s.status);
  const [series, setSeries] = useState<MetricsSeries[]>([]);
  usePoll(async () => {
    setSeries(await api.metricsHistory({}).catch(() => []));
  }, 2000, runId !== undefined, [runId, status]);
  if (runId === undefined) return <p className="empty">Run a pipeline to see its throughput, lag, watermark delay, late and error counts over time.</p>;
  return (
    <div className="charts" aria-label="Metrics">
      {panels.map((p) => {
        const runWide = series.find((s) => s.name === p.name && s.nodeId === undefined);
        const perNode = series.filter((s) => s.name === p.name && s.nodeId !== undefined);
        const points = runWide?.points ?? sumSeries(perNode);
        const last = points[points.length - 1]?.[1];
        return (
          <div key={p.name} className="chart-card" role="figure" aria-label={`${p.title} over time`}>
            <div className="row">
              <span className="muted grow">{p.title}</span>
              <span className="big">{last === undefined ? '—' : p.unit(last)}</span>
            </div>
            <div style={{ height: 90 }}>
              <ResponsiveContainer width="100%" height="100%">
                <AreaChart data={points.map(([t, v]) => ({ t, v }))} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
                  <XAxis dataKey="t" hide />
                  <YAxis hide domain={[0, 'auto']} />
                  <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => [p.unit(Number(v)), p.title]} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }} />
                  <Area dataKey="v" stroke={p.colour} fill={p.colour} fillOpacity={0.15} isAnimationActive={false} />
                </AreaChart>
              </ResponsiveContainer>
            </div>
          </div>
        );
      })}
      {host.metricsPath && <p className="muted small">Prometheus: <code>{host.metricsPath}</code></p>}
    </div>
  );
}

function sumSeries(list: MetricsSeries[]): [number, number][] {
  const byTime = new Map<number, number>();
  for (const s of list) for (const [t, v] of s.points) byTime.set(t, (byTime.get(t) ?? 0) + v);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}
