// The Kafka browser: a topic's partitions, configuration and messages (seek by offset or time, search,
// decoded, with headers), deleting it, producing a test message or a generator's events, and a consumer
// group's lag per partition with its history and an offset reset.
import { useEffect, useState } from 'react';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { JobProgress, KafkaGroupInfo, KafkaMessage, KafkaPeekFrom, KafkaTopicInfo, LagPoint } from '../../../engine/api/contract.ts';
import { datasets } from '../../../engine/format/datasets.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { usePoll } from '../hooks/usePoll.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { RowsTable } from '../ui/DataTable.tsx';
import { announceTopics, bytes, clock, message } from './format.ts';
import { MessageTable } from './MessageTable.tsx';
import { OffsetReset } from './OffsetReset.tsx';
import { Search } from './Search.tsx';
import { TopicConfig } from './TopicConfig.tsx';
import { SchemaView } from '../schemas/SchemaView.tsx';

function Peek({ connection, topic }: { connection: string; topic: KafkaTopicInfo }) {
  const api = useApi();
  const [partition, setPartition] = useState('all');
  const [mode, setMode] = useState<'earliest' | 'latest' | 'offset' | 'timestamp'>('earliest');
  const [at, setAt] = useState('');
  const [format, setFormat] = useState<'auto' | KafkaMessage['format']>('auto');
  const [limit, setLimit] = useState(50);
  const [messages, setMessages] = useState<KafkaMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const peek = async () => {
    setBusy(true);
    setError(null);
    try {
      let from: KafkaPeekFrom = mode === 'earliest' || mode === 'latest' ? mode : { offset: 0 };
      if (mode === 'offset') from = { offset: Number(at || 0) };
      if (mode === 'timestamp') {
        const ms = Date.parse(at);
        if (Number.isNaN(ms)) throw new Error(`"${at}" is not a date and time; use e.g. 2026-01-01T12:00:00Z`);
        from = { timestamp: ms };
      }
      const list = await api.kafkaPeek({ connection, topic: topic.name, from, limit, format, ...(partition === 'all' ? {} : { partition: Number(partition) }) });
      setMessages(list);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setMessages(null);
  }, [topic.name]);
  return (
    <div className="card" aria-label="Messages">
      <div className="section-head"><h2>Messages</h2></div>
      <div className="row wrap">
        <select aria-label="Partition" value={partition} onChange={(e) => setPartition(e.target.value)}>
          <option value="all">all partitions</option>
          {topic.partitions.map((p) => <option key={p.partition} value={p.partition}>partition {p.partition}</option>)}
        </select>
        <select aria-label="Start from" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
          <option value="earliest">from earliest</option><option value="latest">latest</option><option value="offset">from offset</option><option value="timestamp">from time</option>
        </select>
        {(mode === 'offset' || mode === 'timestamp') && (
          <input className="mono" aria-label={mode === 'offset' ? 'Offset' : 'Timestamp'} value={at} placeholder={mode === 'offset' ? '0' : '2026-01-01T00:00:00Z'} onChange={(e) => setAt(e.target.value)} style={{ width: 200 }} />
        )}
        <select aria-label="Decode as" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          {['auto', 'json', 'avro', 'protobuf', 'json-schema', 'string', 'bytes'].map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
        <select aria-label="Message limit" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
          {[20, 50, 200, 1000].map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        <button className="primary" aria-label="Peek messages" disabled={busy} onClick={() => void peek()}>{busy ? 'Reading…' : 'Peek'}</button>
      </div>
      {error && <div className="field-error" role="alert">{error}</div>}
      {messages && messages.length === 0 && <p className="empty">No messages at that position.</p>}
      {messages && messages.length > 0 && <MessageTable messages={messages} label="Topic messages" />}
    </div>
  );
}

function Produce({ connection, topic, onSent }: { connection: string; topic: string; onSent: () => void }) {
  const api = useApi();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('{"hello": "streamlake"}');
  const [result, setResult] = useState<string | null>(null);
  const [dataset, setDataset] = useState('sales_orders');
  const [count, setCount] = useState(1000);
  const [rate, setRate] = useState(0);
  const [job, setJob] = useState<JobProgress | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => api.subscribe((e) => {
    if (e.type === 'job.progress' && e.progress.jobId === jobId) setJob(e.progress);
  }), [api, jobId]);
  return (
    <div className="cards">
      <div className="card" aria-label="Produce a message">
        <h2>Produce a test message</h2>
        <input className="mono" aria-label="Message key" placeholder="key (optional)" value={key} onChange={(e) => setKey(e.target.value)} />
        <textarea className="mono" aria-label="Message value" rows={3} value={value} onChange={(e) => setValue(e.target.value)} />
        <div className="row">
          <button className="primary" aria-label="Send message" onClick={() => {
            setResult(null);
            api.kafkaProduce({ connection, topic, key: key === '' ? null : key, value }).then(
              (r) => { setResult(`Sent to partition ${r.partition} at offset ${r.offset}`); onSent(); },
              (e: unknown) => setResult(`Failed: ${message(e)}`),
            );
          }}>Send</button>
          {result && <span className="small muted" role="status">{result}</span>}
        </div>
      </div>
      <div className="card" aria-label="Produce a generator">
        <h2>Produce a generator to this topic</h2>
        <div className="row wrap">
          <select aria-label="Generator dataset" value={dataset} onChange={(e) => setDataset(e.target.value)}>
            {datasets.map((d) => <option key={d.name} value={d.name}>{d.title}</option>)}
          </select>
          <input type="number" className="mono" aria-label="Events to produce" value={count} min={1} onChange={(e) => setCount(Number(e.target.value))} style={{ width: 110 }} />
          <input type="number" className="mono" aria-label="Events per second" value={rate} min={0} onChange={(e) => setRate(Number(e.target.value))} style={{ width: 90 }} title="0 = as fast as possible" />
          <button className="primary" aria-label="Produce generator" disabled={job !== null && !job.finished} onClick={() => {
            const id = `produce-${Date.now().toString(36)}`;
            setJobId(id);
            setJob({ jobId: id, kind: 'produce', label: `${dataset} → ${topic}`, phase: 'starting', done: 0, total: count, finished: false });
            api.kafkaProduceGenerator({ connection, topic, dataset, count, jobId: id, ...(rate > 0 ? { eventsPerSecond: rate } : {}) }).then(
              (r) => { setJob((j) => j && { ...j, done: r.produced, finished: true, phase: 'done' }); onSent(); },
              (e: unknown) => setJob((j) => j && { ...j, finished: true, phase: `failed: ${message(e)}` }),
            );
          }}>Produce</button>
          {job && !job.finished && <button aria-label="Cancel producing" onClick={() => void api.jobCancel({ jobId: job.jobId })}>Cancel</button>}
        </div>
        {job && (
          <div className="col" style={{ gap: 4 }}>
            <div className="progress" role="progressbar" aria-label="Produce progress" aria-valuenow={job.done} aria-valuemax={job.total ?? undefined}><div style={{ width: `${job.total ? Math.min(100, (100 * job.done) / job.total) : 0}%` }} /></div>
            <span className="small muted">{job.phase} · {job.done.toLocaleString()}{job.total ? ` / ${job.total.toLocaleString()}` : ''}</span>
          </div>
        )}
      </div>
    </div>
  );
}

function TopicView({ connection, name }: { connection: string; name: string }) {
  const api = useApi();
  const store = useStudioStore();
  const [topic, setTopic] = useState<KafkaTopicInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = () => {
    api.kafkaTopics({ connection, topics: [name] }).then((found) => {
      setTopic(found[0] ?? null);
      if (found.length === 0) setError(`Topic ${name} does not exist (any more) on ${connection}`);
    }, (e: unknown) => setError(message(e)));
  };
  useEffect(load, [api, connection, name]); // load is re-created each render; these are its inputs
  if (error) return <div className="field-error" role="alert">{error}</div>;
  if (!topic) return <p className="empty">Loading {name}…</p>;
  return (
    <>
      <div className="card" aria-label={`Topic ${name}`}>
        <div className="section-head">
          <h2 className="mono">{topic.name}</h2>
          <span className="row">
            <button className="ghost small" aria-label="Refresh topic" onClick={load}>↻</button>
            <button className="small danger" aria-label="Delete topic" onClick={() => setDeleting(true)}>Delete…</button>
          </span>
        </div>
        <div className="stat-row">
          <div className="stat"><span className="v">{topic.partitions.length}</span><span className="k">partitions</span></div>
          <div className="stat"><span className="v">{topic.messages.toLocaleString()}</span><span className="k">messages</span></div>
          <div className="stat"><span className="v">{bytes(topic.sizeBytes)}</span><span className="k">size</span></div>
        </div>
        <RowsTable
          label="Partitions"
          columns={['partition', 'leader', 'replicas', 'earliest', 'latest', 'messages', 'size']}
          rows={topic.partitions.map((p) => [p.partition, p.leader, p.replicas.join(','), p.earliestOffset, p.latestOffset, p.latestOffset - p.earliestOffset, bytes(p.sizeBytes)])}
        />
      </div>
      <Peek connection={connection} topic={topic} />
      <Search connection={connection} topic={topic} />
      <TopicConfig connection={connection} topic={topic.name} />
      <Produce connection={connection} topic={topic.name} onSent={load} />
      {deleting && (
        <ConfirmDialog title={`Delete topic ${topic.name}?`} confirmLabel="Delete topic" danger busy={busy} onCancel={() => setDeleting(false)} onConfirm={() => {
          setBusy(true);
          api.kafkaDeleteTopic({ connection, topic: topic.name }).then(() => {
            store.getState().notify('success', `Deleted topic ${topic.name}`);
            announceTopics({ connection, removed: topic.name });
            store.getState().setUi({ kafka: { connection, topic: undefined, group: undefined } });
          }, (e: unknown) => {
            setError(message(e));
            setDeleting(false);
            setBusy(false);
          });
        }}>
          <p>Its {topic.messages.toLocaleString()} messages in {topic.partitions.length} partition{topic.partitions.length === 1 ? '' : 's'} are removed from the broker for good; consumers and pipelines reading it will stop getting data.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function GroupView({ connection, groupId }: { connection: string; groupId: string }) {
  const api = useApi();
  const [group, setGroup] = useState<KafkaGroupInfo | null>(null);
  const [history, setHistory] = useState<LagPoint[]>([]);
  const [refresh, setRefresh] = useState(0);
  usePoll(async () => {
    const [groups, points] = await Promise.all([api.kafkaGroups({ connection }).catch(() => []), api.kafkaLagHistory({ connection, groupId }).catch(() => [])]);
    setGroup(groups.find((g) => g.groupId === groupId) ?? null);
    setHistory(points);
  }, 3000, true, [connection, groupId, refresh]);
  if (!group) return <p className="empty">Loading {groupId}…</p>;
  return (
    <>
      <div className="card" aria-label={`Consumer group ${groupId}`}>
        <h2 className="mono">{group.groupId}</h2>
        <div className="stat-row">
          <div className="stat"><span className="v" aria-label="Total lag">{group.totalLag.toLocaleString()}</span><span className="k">total lag</span></div>
          <div className="stat"><span className="v">{group.state}</span><span className="k">state</span></div>
          <div className="stat"><span className="v">{group.members}</span><span className="k">members</span></div>
        </div>
        <RowsTable label="Lag per partition" columns={['topic', 'partition', 'committed', 'latest', 'lag']} rows={group.partitions.map((p) => [p.topic, p.partition, p.committedOffset, p.latestOffset, p.lag])} />
      </div>
      <OffsetReset connection={connection} groupId={groupId} topics={[...new Set(group.partitions.map((p) => p.topic))]} onDone={() => setRefresh((n) => n + 1)} />
      <div className="card" role="figure" aria-label="Lag history">
        <h2>Lag over time</h2>
        <div style={{ height: 180 }}>
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={history.map((p) => ({ t: p.at, lag: p.lag }))} margin={{ top: 6, right: 12, bottom: 14, left: 4 }}>
              <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
              <XAxis dataKey="t" tickFormatter={(t) => new Date(Number(t)).toISOString().slice(11, 19)} tick={{ fill: 'var(--muted)', fontSize: 10 }} stroke="var(--border)"
                label={{ value: 'time (UTC)', position: 'insideBottom', offset: -10, fill: 'var(--faint)', fontSize: 10 }} />
              <YAxis tick={{ fill: 'var(--muted)', fontSize: 10 }} stroke="var(--border)" width={62}
                label={{ value: 'messages behind', angle: -90, position: 'insideLeft', offset: 10, fill: 'var(--faint)', fontSize: 10, style: { textAnchor: 'middle' } }} />
              <Tooltip labelFormatter={(t) => clock(Number(t))} contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 11 }} />
              <Area dataKey="lag" stroke="#a07bff" fill="#a07bff" fillOpacity={0.15} isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </div>
        <span className="faint small">Sampled by the host while this view is open.</span>
      </div>
    </>
  );
}

export function KafkaBrowser() {
  const chosen = useStudio((s) => s.kafka);
  if (chosen.connection && chosen.subject && !chosen.topic && !chosen.group) return <SchemaView key={`${chosen.connection}/${chosen.subject}`} connection={chosen.connection} subject={chosen.subject} />;
  return (
    <main className="view" aria-label="Kafka browser">
      {!chosen.connection ? (
        <p className="empty">Add a Kafka connection in the left rail to browse topics and consumer groups.</p>
      ) : chosen.topic ? (
        <TopicView key={chosen.topic} connection={chosen.connection} name={chosen.topic} />
      ) : chosen.group ? (
        <GroupView key={chosen.group} connection={chosen.connection} groupId={chosen.group} />
      ) : (
        <p className="empty">Pick a topic or a consumer group on the left.</p>
      )}
    </main>
  );
}
