// Kafka in the left rail: saved connections (add, test, edit, delete), then the chosen connection's
// topics and consumer groups. The browser in the centre shows what is picked here.
import { useCallback, useEffect, useState } from 'react';
import type { KafkaConnectionInfo, KafkaConnectionInput, KafkaGroupInfo, KafkaSecurity, KafkaTestResult, KafkaTopicInfo } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import { SchemaNav } from '../schemas/SchemaNav.tsx';
import { useRegistryFields } from '../schemas/RegistryFields.tsx';
import { usePoll } from '../hooks/usePoll.ts';
import { announceTopics, topicsChanged } from './format.ts';
import type { TopicsChange } from './format.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ConnectionForm({ initial, onDone }: { initial?: KafkaConnectionInfo; onDone: (saved?: string) => void }) {
  const api = useApi();
  const store = useStudioStore();
  const [name, setName] = useState(initial?.name ?? 'local');
  const [brokers, setBrokers] = useState(initial?.brokers.join(', ') ?? '127.0.0.1:9092');
  const [security, setSecurity] = useState<KafkaSecurity>(initial?.security ?? 'plaintext');
  const [username, setUsername] = useState(initial?.username ?? '');
  const [password, setPassword] = useState('');
  const [mechanism, setMechanism] = useState(initial?.saslMechanism ?? 'scram-sha-256');
  const [ca, setCa] = useState(initial?.ca ?? '');
  const [test, setTest] = useState<KafkaTestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sasl = security === 'sasl_plaintext' || security === 'sasl_ssl';
  const tls = security === 'ssl' || security === 'sasl_ssl';
  const registry = useRegistryFields(initial);
  const input = (): KafkaConnectionInput => {
    const c: KafkaConnectionInput = { name: name.trim(), brokers: brokers.split(/[\s,]+/).filter(Boolean), security, ...registry.input() };
    if (sasl) {
      c.saslMechanism = mechanism;
      c.username = username;
      if (password !== '') c.password = password;
    }
    if (tls && ca.trim() !== '') c.ca = ca;
    return c;
  };
  return (
    <form className="card" aria-label="Kafka connection" onSubmit={(e) => {
      e.preventDefault();
      setBusy(true);
      api.kafkaSaveConnection({ connection: input() }).then((saved) => {
        if (saved.secretsIn === 'file') store.getState().notify('error', `No OS keychain answered, so the secrets of "${saved.name}" are kept in plain text in connections.json (readable by your user only). Install and unlock a keyring (GNOME Keyring, KWallet) to keep them there instead.`);
        onDone(saved.name);
      }, (err: unknown) => setError(message(err))).finally(() => setBusy(false));
    }}>
      <div className="field"><label htmlFor="kc-name">Name</label><input id="kc-name" value={name} onChange={(e) => setName(e.target.value)} disabled={initial !== undefined} /></div>
      <div className="field"><label htmlFor="kc-brokers">Brokers</label><input id="kc-brokers" className="mono" value={brokers} onChange={(e) => setBrokers(e.target.value)} placeholder="host:9092, host2:9092" /></div>
      <div className="field">
        <label htmlFor="kc-security">Security</label>
        <select id="kc-security" value={security} onChange={(e) => setSecurity(e.target.value as KafkaSecurity)}>
          <option value="plaintext">plaintext</option><option value="ssl">TLS</option><option value="sasl_plaintext">SASL</option><option value="sasl_ssl">SASL over TLS</option>
        </select>
      </div>
      {sasl && (
        <>
          <div className="field">
            <label htmlFor="kc-mech">Mechanism</label>
            <select id="kc-mech" value={mechanism} onChange={(e) => setMechanism(e.target.value as typeof mechanism)}>
              <option value="plain">PLAIN</option><option value="scram-sha-256">SCRAM-SHA-256</option><option value="scram-sha-512">SCRAM-SHA-512</option>
            </select>
          </div>
          <div className="field"><label htmlFor="kc-user">Username</label><input id="kc-user" value={username} onChange={(e) => setUsername(e.target.value)} /></div>
          <div className="field"><label htmlFor="kc-pass">Password</label><input id="kc-pass" type="password" value={password} placeholder={initial?.hasPassword ? '(stored; type to replace)' : ''} onChange={(e) => setPassword(e.target.value)} /></div>
        </>
      )}
      {tls && <div className="field"><label htmlFor="kc-ca">CA certificate (PEM)</label><textarea id="kc-ca" className="mono" rows={3} value={ca} onChange={(e) => setCa(e.target.value)} /></div>}
      {registry.fields}
      {test && <div role="status" aria-label="Connection test result" className={test.ok ? '' : 'field-error'} style={test.ok ? { color: 'var(--ok)' } : undefined}>{test.ok ? '✓ ' : '✕ '}{test.message}</div>}
      {error && <div className="field-error" role="alert">{error}</div>}
      <div className="row">
        <button type="button" aria-label="Test connection" disabled={busy} onClick={() => {
          setBusy(true);
          setTest(null);
          api.kafkaTestConnection({ connection: input() }).then(setTest, (err: unknown) => setError(message(err))).finally(() => setBusy(false));
        }}>Test</button>
        <span className="grow" />
        <button type="button" className="ghost" onClick={() => onDone()}>Cancel</button>
        <button type="submit" className="primary" disabled={busy}>Save</button>
      </div>
    </form>
  );
}

function TopicForm({ connection, onDone }: { connection: string; onDone: (created?: string) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState(3);
  const [retention, setRetention] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form className="card" aria-label="New topic" onSubmit={(e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      const topic = name.trim();
      api.kafkaCreateTopic({ connection, topic, partitions, ...(retention.trim() === '' ? {} : { configs: { 'retention.ms': retention.trim() } }) })
        .then(() => onDone(topic), (err: unknown) => setError(message(err)))
        .finally(() => setBusy(false));
    }}>
      <div className="field"><label htmlFor="kt-name">Topic name</label><input id="kt-name" className="mono" value={name} onChange={(e) => setName(e.target.value)} placeholder="orders" autoFocus /></div>
      <div className="field"><label htmlFor="kt-partitions">Partitions</label><input id="kt-partitions" type="number" min={1} className="mono" value={partitions} onChange={(e) => setPartitions(Number(e.target.value))} /></div>
      <div className="field"><label htmlFor="kt-retention">Retention (ms, optional)</label><input id="kt-retention" className="mono" value={retention} onChange={(e) => setRetention(e.target.value)} placeholder="broker default" /></div>
      {error && <div className="field-error" role="alert">{error}</div>}
      <div className="row">
        <span className="grow" />
        <button type="button" className="ghost" onClick={() => onDone()}>Cancel</button>
        <button type="submit" className="primary" disabled={busy || name.trim() === ''}>Create</button>
      </div>
    </form>
  );
}

export function KafkaNav() {
  const api = useApi();
  const store = useStudioStore();
  const chosen = useStudio((s) => s.kafka);
  const [connections, setConnections] = useState<KafkaConnectionInfo[]>([]);
  const [editing, setEditing] = useState<KafkaConnectionInfo | 'new' | undefined>(undefined);
  const [topics, setTopics] = useState<KafkaTopicInfo[] | null>(null);
  const [groups, setGroups] = useState<KafkaGroupInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);

  const reload = useCallback(() => {
    void api.kafkaConnections().then((list) => {
      setConnections(list);
      const current = store.getState().kafka.connection;
      if ((!current || !list.some((c) => c.name === current)) && list[0]) store.getState().setUi({ kafka: { connection: list[0].name, topic: undefined, group: undefined } });
    }, (e: unknown) => setError(message(e)));
  }, [api, store]);
  useEffect(reload, [reload]);

  const refreshTopics = useCallback(async () => {
    if (!chosen.connection) return;
    const connection = chosen.connection;
    await Promise.all([
      api.kafkaTopics({ connection }).then((list) => { setTopics(list); setError(null); }, (e: unknown) => { setTopics([]); setError(message(e)); }),
      api.kafkaGroups({ connection }).then(setGroups, () => setGroups([])),
    ]);
  }, [api, chosen.connection]);
  useEffect(() => setTopics(null), [chosen.connection]);
  // A topic created or deleted here or in the browser shows at once; the next listing confirms it.
  useEffect(() => {
    const onChange = (event: Event) => {
      const change = (event as CustomEvent<TopicsChange>).detail;
      if (change.connection !== chosen.connection) return;
      if (change.removed) setTopics((list) => list && list.filter((t) => t.name !== change.removed));
      if (change.created) {
        void api.kafkaTopics({ connection: change.connection, topics: [change.created] }).then((found) => {
          setTopics((list) => (list ? [...list.filter((t) => !found.some((f) => f.name === t.name)), ...found].sort((a, b) => a.name.localeCompare(b.name)) : found));
        }, () => undefined);
      }
    };
    window.addEventListener(topicsChanged, onChange);
    return () => window.removeEventListener(topicsChanged, onChange);
  }, [api, chosen.connection]);
  // Counts and lag change while pipelines and producers run: keep them live, not as of the first look.
  usePoll(refreshTopics, 10_000, chosen.connection !== undefined, [refreshTopics]);

  const pick = (patch: Partial<typeof chosen>) => store.getState().setUi({ kafka: { ...store.getState().kafka, ...patch } });

  return (
    <>
      <div className="section-head">
        <h3>Connections</h3>
        <button className="small" aria-label="Add connection" onClick={() => setEditing('new')}>+ Add</button>
      </div>
      {editing && (
        <ConnectionForm
          {...(editing === 'new' ? {} : { initial: editing })}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) {
              reload();
              pick({ connection: saved, topic: undefined, group: undefined });
            }
          }}
        />
      )}
      <div className="list" role="listbox" aria-label="Kafka connections">
        {connections.length === 0 && !editing && <p className="muted small">No connections yet. Add one to browse topics.</p>}
        {connections.map((c) => (
          <div key={c.name} className={`list-item ${chosen.connection === c.name ? 'active' : ''}`} role="option" aria-selected={chosen.connection === c.name} aria-label={`Connection ${c.name}`} onClick={() => pick({ connection: c.name, topic: undefined, group: undefined })}>
            <span className="col" style={{ gap: 0 }}><span>{c.name}</span><span className="faint small mono">{c.brokers.join(', ')}</span></span>
            <span className="row">
              <button className="ghost small" aria-label={`Edit ${c.name}`} onClick={(e) => { e.stopPropagation(); setEditing(c); }}>✎</button>
              <button className="ghost small danger" aria-label={`Delete ${c.name}`} onClick={(e) => {
                e.stopPropagation();
                void store.getState().ask({ kind: 'confirm', title: `Delete the connection ${c.name}?`, body: `Its brokers and stored secrets are forgotten; pipelines that use "${c.name}" stop finding it. Topics on the brokers are not touched.`, confirmLabel: 'Delete connection', danger: true })
                  .then((ok) => (ok ? api.kafkaDeleteConnection({ name: c.name }).then(reload) : undefined));
              }}>✕</button>
            </span>
          </div>
        ))}
      </div>
      {chosen.connection && (
        <>
          <div className="section-head">
            <h3>Topics</h3>
            <span className="row">
              <button className="small" aria-label="New topic" onClick={() => setCreating(true)}>+ New</button>
              <button className="ghost small" aria-label="Refresh topics" onClick={() => void refreshTopics()}>↻</button>
            </span>
          </div>
          {creating && chosen.connection && (
            <TopicForm connection={chosen.connection} onDone={(created) => {
              setCreating(false);
              if (created && chosen.connection) {
                announceTopics({ connection: chosen.connection, created });
                pick({ topic: created, group: undefined });
              }
            }} />
          )}
          <input type="search" aria-label="Filter topics" placeholder="Filter topics" value={filter} onChange={(e) => setFilter(e.target.value)} />
          {error && <div className="field-error" role="alert">{error}</div>}
          {topics === null ? <p className="muted small">Loading…</p> : (
            <div className="list" role="listbox" aria-label="Topics">
              {topics.filter((t) => !t.internal && t.name.includes(filter)).map((t) => (
                <button key={t.name} role="option" aria-selected={chosen.topic === t.name} className={`list-item ${chosen.topic === t.name ? 'active' : ''}`} onClick={() => pick({ topic: t.name, group: undefined, subject: undefined })}>
                  <span className="mono">{t.name}</span>
                  <span className="faint small">{t.partitions.length}p · {t.messages.toLocaleString()}</span>
                </button>
              ))}
              {topics.length === 0 && !error && <p className="muted small">No topics.</p>}
            </div>
          )}
          <SchemaNav connection={chosen.connection} chosen={chosen.subject} onPick={(subject) => pick({ subject, topic: undefined, group: undefined })} />
          <h3>Consumer groups</h3>
          <div className="list" role="listbox" aria-label="Consumer groups">
            {groups.map((g) => (
              <button key={g.groupId} role="option" aria-selected={chosen.group === g.groupId} className={`list-item ${chosen.group === g.groupId ? 'active' : ''}`} onClick={() => pick({ group: g.groupId, topic: undefined, subject: undefined })}>
                <span className="mono">{g.groupId}</span>
                <span className={`small ${g.totalLag > 0 ? '' : 'faint'}`} style={g.totalLag > 0 ? { color: 'var(--late)' } : undefined}>lag {g.totalLag.toLocaleString()}</span>
              </button>
            ))}
            {groups.length === 0 && <p className="muted small">No consumer groups.</p>}
          </div>
        </>
      )}
    </>
  );
}
