// A chart of a query result: the suggested kind first, switchable to line, bar, area or scatter.
import { useMemo, useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SqlColumn, WireValue } from '../../../engine/api/contract.ts';
import { chartData, suggestChart } from './chart.ts';
import type { ChartKind } from './chart.ts';

const palette = ['#4c8dff', '#3fbf7f', '#f0a93b', '#a07bff', '#f0616d', '#2ec4c4', '#d77bd1', '#9bbb3b', '#8a93a3', '#ff8a5c', '#5cc8ff', '#c9a227'];

type Cell = string | number | boolean | null;

function tickTime(v: unknown): string {
  if (typeof v !== 'string') return String(v);
  const m = /T(\d{2}:\d{2})(:\d{2})?/.exec(v.replace(' ', 'T'));
  if (!m) return v;
  return m[2] && m[2] !== ':00' ? `${m[1]}${m[2]}` : (m[1] ?? v);
}

export function ResultChart({ columns, rows }: { columns: readonly SqlColumn[]; rows: readonly (readonly WireValue[])[] }) {
  const suggestion = useMemo(() => suggestChart(columns), [columns]);
  const [kind, setKind] = useState<ChartKind | undefined>(undefined);
  const cells = useMemo(() => rows.map((r) => r.map((v): Cell => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v))), [rows]);
  const shaped = useMemo(() => (suggestion ? chartData(suggestion, columns, cells) : undefined), [suggestion, columns, cells]);
  if (!suggestion || !shaped) return <p className="empty">No chart for this shape: a chart needs a number plus a time, category or second number column.</p>;
  const chosen = kind ?? suggestion.kind;
  const x = suggestion.x;
  const common = { data: shaped.data, margin: { top: 6, right: 12, bottom: 0, left: 0 } };
  const axes = (
    <>
      <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
      <XAxis dataKey={x} tick={{ fill: 'var(--muted)', fontSize: 10 }} tickFormatter={tickTime} stroke="var(--border)" />
      <YAxis tick={{ fill: 'var(--muted)', fontSize: 10 }} stroke="var(--border)" width={56} />
      <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }} />
      {shaped.keys.length > 1 && <Legend wrapperStyle={{ fontSize: 11 }} />}
    </>
  );
  return (
    <div className="chart-box" role="figure" aria-label={`${chosen} chart of ${shaped.keys.join(', ')} by ${x}`}>
      <div className="row">
        <span className="muted small grow">{suggestion.reason}{suggestion.series ? `; one series per ${suggestion.series}` : ''}</span>
        <select aria-label="Chart type" value={chosen} onChange={(e) => setKind(e.target.value as ChartKind)}>
          {(['line', 'bar', 'area', 'scatter'] as const).map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
      </div>
      <div style={{ flex: 1, minHeight: 160 }}>
        <ResponsiveContainer width="100%" height="100%">
          {chosen === 'bar' ? (
            <BarChart {...common}>{axes}{shaped.keys.map((k, i) => <Bar key={k} dataKey={k} fill={palette[i % palette.length]} isAnimationActive={false} />)}</BarChart>
          ) : chosen === 'area' ? (
            <AreaChart {...common}>{axes}{shaped.keys.map((k, i) => <Area key={k} dataKey={k} stroke={palette[i % palette.length]} fill={palette[i % palette.length]} fillOpacity={0.15} isAnimationActive={false} connectNulls />)}</AreaChart>
          ) : chosen === 'scatter' ? (
            <ScatterChart {...common}>{axes}{shaped.keys.map((k, i) => <Scatter key={k} dataKey={k} fill={palette[i % palette.length]} isAnimationActive={false} />)}</ScatterChart>
          ) : (
            <LineChart {...common}>{axes}{shaped.keys.map((k, i) => <Line key={k} dataKey={k} stroke={palette[i % palette.length]} dot={false} strokeWidth={1.6} isAnimationActive={false} connectNulls />)}</LineChart>
          )}
        </ResponsiveContainer>
      </div>
    </div>
  );
}
