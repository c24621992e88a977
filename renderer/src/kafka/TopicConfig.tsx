// A topic's configuration: every entry with where it comes from, and setting or removing topic overrides.
import { useEffect, useState } from 'react';
import type { KafkaTopicConfigEntry } from '../../../engine/api/contract.ts';
import { useApi } from '../api/context.tsx';
import { message } from './format.ts';

export function TopicConfig({ connection, topic }: { connection: string; topic: string }) {
  const api = useApi();
  const [entries, setEntries] = useState<KafkaTopicConfigEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => {
    api.kafkaTopicConfig({ connection, topic }).then(setEntries, (e: unknown) => setError(message(e)));
  }, [api, connection, topic]);
  const change = (set: Record<string, string | null>, done: string) => {
    setError(null);
    setStatus(null);
    api.kafkaAlterTopicConfig({ connection, topic, set }).then((next) => {
      setEntries(next);
      setStatus(done);
    }, (e: unknown) => setError(message(e)));
  };
  const shown = (entries ?? []).filter((e) => e.name.includes(filter.trim()));
  return (
    <section className="card" aria-label="Topic configuration">
      <div className="section-head"><h2>Configuration</h2><span className="faint small">{entries ? `${entries.filter((e) => e.overridden).length} set on this topic` : ''}</span></div>
      <form className="row wrap" onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() === '') return;
        change({ [name.trim()]: value }, `${name.trim()} = ${value}`);
      }}>
        <input className="mono" aria-label="Config name" list="topic-config-names" placeholder="retention.ms" value={name} onChange={(e) => {
          setName(e.target.value);
          const entry = entries?.find((x) => x.name === e.target.value);
          if (entry?.value !== null && entry?.value !== undefined) setValue(entry.value);
        }} style={{ width: 220 }} />
        <datalist id="topic-config-names">{(entries ?? []).filter((e) => !e.readOnly).map((e) => <option key={e.name} value={e.name} />)}</datalist>
        <input className="mono" aria-label="Config value" value={value} onChange={(e) => setValue(e.target.value)} style={{ width: 180 }} />
        <button type="submit" className="primary" aria-label="Set config">Set</button>
        <span className="grow" />
        <input type="search" aria-label="Filter configs" placeholder="filter" value={filter} onChange={(e) => setFilter(e.target.value)} style={{ width: 140 }} />
      </form>
      {status && <span className="small muted" role="status" aria-label="Config status">Saved: {status}</span>}
      {error && <div className="field-error" role="alert">{error}</div>}
      {!entries ? <p className="empty">Loading…</p> : (
        <div className="grid-wrap" style={{ maxHeight: 260 }}>
          <table className="grid" aria-label="Topic configs">
            <thead><tr><th>name</th><th>value</th><th>source</th><th /></tr></thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.name} style={e.overridden ? { fontWeight: 600 } : undefined}>
                  <td>{e.name}</td>
                  <td title={e.value ?? ''}>{e.sensitive ? <span className="faint">(hidden)</span> : e.value}</td>
                  <td className="faint">{e.overridden ? 'topic' : e.readOnly ? 'read-only' : 'default'}</td>
                  <td>{e.overridden && <button className="ghost small" aria-label={`Reset ${e.name} to default`} onClick={() => change({ [e.name]: null }, `${e.name} back to default`)}>reset</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
