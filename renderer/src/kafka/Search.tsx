// Message search: key text, value text, a JSON path (optionally equal to a value), a header, and a time
// range, over one or all partitions. Says how many messages were read and when the search was cut short.
import { useState } from 'react';
import type { KafkaSearchParams, KafkaSearchResult, KafkaTopicInfo } from '../../../engine/api/contract.ts';
import { useApi } from '../api/context.tsx';
import { message, parseTime } from './format.ts';
import { MessageTable } from './MessageTable.tsx';

export function Search({ connection, topic }: { connection: string; topic: KafkaTopicInfo }) {
  const api = useApi();
  const [partition, setPartition] = useState('all');
  const [key, setKey] = useState('');
  const [text, setText] = useState('');
  const [path, setPath] = useState('');
  const [pathValue, setPathValue] = useState('');
  const [header, setHeader] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<KafkaSearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const params: KafkaSearchParams = { connection, topic: topic.name, limit: 200 };
      if (partition !== 'all') params.partition = Number(partition);
      if (key !== '') params.key = key;
      if (text !== '') params.text = text;
      if (path.trim() !== '') params.jsonPath = path.trim();
      if (pathValue !== '') params.jsonValue = pathValue;
      if (header !== '') params.header = header;
      for (const [label, value, set] of [['From', from, (ms: number) => { params.fromMs = ms; }], ['To', to, (ms: number) => { params.toMs = ms; }]] as const) {
        const ms = parseTime(value);
        if (ms === undefined) continue;
        if (Number.isNaN(ms)) throw new Error(`${label}: "${value}" is not a date and time; use e.g. 2026-01-01 12:00 (UTC)`);
        set(ms);
      }
      setResult(await api.kafkaSearch(params));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" aria-label="Search messages" onSubmit={(e) => { e.preventDefault(); void search(); }}>
      <div className="section-head"><h2>Search messages</h2></div>
      <div className="row wrap">
        <select aria-label="Search scope" value={partition} onChange={(e) => setPartition(e.target.value)}>
          <option value="all">all partitions</option>
          {topic.partitions.map((p) => <option key={p.partition} value={p.partition}>partition {p.partition}</option>)}
        </select>
        <input className="mono" aria-label="Key contains" placeholder="key contains" value={key} onChange={(e) => setKey(e.target.value)} style={{ width: 140 }} />
        <input className="mono" aria-label="Value contains" placeholder="value contains" value={text} onChange={(e) => setText(e.target.value)} style={{ width: 160 }} />
        <input className="mono" aria-label="JSON path" placeholder="$.customer.city" value={path} onChange={(e) => setPath(e.target.value)} style={{ width: 150 }} />
        <input className="mono" aria-label="JSON path equals" placeholder="= value (optional)" value={pathValue} onChange={(e) => setPathValue(e.target.value)} style={{ width: 130 }} />
        <input className="mono" aria-label="Header contains" placeholder="header contains" value={header} onChange={(e) => setHeader(e.target.value)} style={{ width: 130 }} />
      </div>
      <div className="row wrap">
        <label className="row small muted">from <input className="mono" aria-label="From time" placeholder="2026-01-01 00:00 (UTC)" value={from} onChange={(e) => setFrom(e.target.value)} style={{ width: 180 }} /></label>
        <label className="row small muted">to <input className="mono" aria-label="To time" placeholder="(now)" value={to} onChange={(e) => setTo(e.target.value)} style={{ width: 180 }} /></label>
        <button type="submit" className="primary" aria-label="Search" disabled={busy}>{busy ? 'Searching…' : 'Search'}</button>
      </div>
      {error && <div className="field-error" role="alert">{error}</div>}
      {result && (
        <span className="small muted" role="status" aria-label="Search summary">
          {result.messages.length.toLocaleString()} match{result.messages.length === 1 ? '' : 'es'} in {result.scanned.toLocaleString()} messages read
          {result.truncated ? ' · stopped early (limit reached); narrow the search or the time range' : ''}
        </span>
      )}
      {result && result.messages.length > 0 && <MessageTable messages={result.messages} label="Search results" />}
    </form>
  );
}
