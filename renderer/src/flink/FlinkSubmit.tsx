// Submit the exported job to a Flink SQL Gateway through a saved Flink connection: pick one (or create one,
// test it layer by layer and save it), submit, then the job id, its status (refreshed while the dialog is
// open), Flink's own error text when it refuses, and Stop. Secrets typed here go to the host once and
// never come back (the list only says whether a token or password is stored). The connections are the same
// ones the Connections rail lists (its Flink section): each side announces a change and reloads on the
// other's, so neither shows a deleted connection or misses a new one.
import { useCallback, useEffect, useState } from 'react';
import type { FlinkConnectionInfo, FlinkConnectionInput, FlinkJobRef, FlinkTestResult } from '../../../engine/api/contract.ts';
import { useApi, useStudio } from '../api/context.tsx';
import { flinkKind } from '../connections/kinds.ts';
import { announceConnections, connectionsChanged } from '../connections/useSavedConnections.ts';
import { docFromGraph } from '../graph/model.ts';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Auth = 'none' | 'token' | 'basic';

const NEW = '';

function TestResult({ result }: { result: FlinkTestResult }) {
  return (
    <div role="status" aria-label="Flink connection test" className={result.ok ? 'small' : 'field-error'} style={result.ok ? { color: 'var(--ok)' } : undefined}>
      {result.ok ? '✓ ' : `✕ ${result.failedAt ?? ''}: `}{result.message}
    </div>
  );
}

/** A new (or edited) Flink connection: name, gateway URL, optional proxy auth; Test and Save. */
function ConnectionForm({ initial, onSaved, onCancel }: { initial?: FlinkConnectionInfo; onSaved: (name: string) => void; onCancel?: () => void }) {
  const api = useApi();
  const [name, setName] = useState(initial?.name ?? 'flink');
  const [url, setUrl] = useState(initial?.url ?? 'http://127.0.0.1:8083');
  const [auth, setAuth] = useState<Auth>(initial?.user ? 'basic' : initial?.hasToken ? 'token' : 'none');
  const [user, setUser] = useState(initial?.user ?? '');
  const [secret, setSecret] = useState('');
  const [test, setTest] = useState<FlinkTestResult>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = (): FlinkConnectionInput => {
    const base = { name: name.trim(), url: url.trim() };
    if (auth === 'basic') return { ...base, user: user.trim(), ...(secret ? { password: secret } : {}) };
    if (auth === 'token') return { ...base, ...(secret ? { token: secret } : {}) };
    return { ...base, token: null };
  };
  const stored = auth === 'token' ? initial?.hasToken : auth === 'basic' ? initial?.hasPassword : false;
  return (
    <form className="card" aria-label="Flink connection" onSubmit={(e) => {
      e.preventDefault();
      setBusy(true);
      setError('');
      api.flinkSaveConnection({ connection: input() }).then((saved) => onSaved(saved.name), (err: unknown) => setError(errorText(err))).finally(() => setBusy(false));
    }}>
      <div className="row" style={{ gap: 8, flexWrap: 'wrap' }}>
        <div className="field"><label htmlFor="fc-name">Name</label><input id="fc-name" value={name} onChange={(e) => setName(e.target.value)} disabled={initial !== undefined} /></div>
        <div className="field" style={{ flex: 1, minWidth: 260 }}><label htmlFor="fc-url">SQL Gateway URL</label><input id="fc-url" className="mono" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://flink-gateway:8083" /></div>
        <div className="field">
          <label htmlFor="fc-auth">Authentication</label>
          <select id="fc-auth" value={auth} onChange={(e) => setAuth(e.target.value as Auth)}>
            <option value="none">none</option><option value="token">bearer token</option><option value="basic">user and password</option>
          </select>
        </div>
        {auth === 'basic' && <div className="field"><label htmlFor="fc-user">User</label><input id="fc-user" value={user} onChange={(e) => setUser(e.target.value)} /></div>}
        {auth !== 'none' && (
          <div className="field"><label htmlFor="fc-secret">{auth === 'token' ? 'Token' : 'Password'}</label>
            <input id="fc-secret" type="password" value={secret} placeholder={stored ? '(stored; type to replace)' : ''} onChange={(e) => setSecret(e.target.value)} /></div>
        )}
      </div>
      <p className="faint small" style={{ margin: 0 }}>The gateway has no login of its own; a token or user is for a proxy in front of it. Saved in flink.json in the studio's home (readable by you only).</p>
      {test && <TestResult result={test} />}
      {error && <div className="field-error" role="alert">{error}</div>}
      <div className="row" style={{ gap: 8 }}>
        <button type="button" disabled={busy} onClick={() => {
          setBusy(true);
          setTest(undefined);
          setError('');
          api.flinkTestConnection({ connection: input() }).then(setTest, (err: unknown) => setError(errorText(err))).finally(() => setBusy(false));
        }}>Test connection</button>
        <span className="grow" />
        {onCancel && <button type="button" className="ghost" onClick={onCancel}>Cancel</button>}
        <button type="submit" disabled={busy}>Save connection</button>
      </div>
    </form>
  );
}

export function FlinkSubmit({ disabled }: { disabled: boolean }) {
  const api = useApi();
  const graph = useStudio((s) => s.graph);
  const [connections, setConnections] = useState<FlinkConnectionInfo[]>();
  const [chosen, setChosen] = useState(NEW);
  const [editing, setEditing] = useState(false);
  const [test, setTest] = useState<FlinkTestResult>();
  const [job, setJob] = useState<FlinkJobRef & { connection: string }>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const reload = useCallback((select?: string) => {
    api.flinkConnections().then((list) => {
      setConnections(list);
      setChosen((current) => select ?? (list.some((c) => c.name === current) ? current : list[0]?.name ?? NEW));
    }, (e: unknown) => setError(errorText(e)));
  }, [api]);
  useEffect(() => {
    reload();
    const onChange = (event: Event) => {
      if ((event as CustomEvent<string>).detail === flinkKind.id) reload();
    };
    window.addEventListener(connectionsChanged, onChange);
    return () => window.removeEventListener(connectionsChanged, onChange);
  }, [reload]);
  useEffect(() => {
    if (!job) return undefined;
    let live = true;
    const { connection, ...ref } = job;
    const refresh = () => api.flinkJobStatus({ connection, ...ref }).then((r) => live && setStatus(r.status), (e: unknown) => live && setError(errorText(e)));
    void refresh();
    const timer = window.setInterval(() => void refresh(), 2000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api, job]);
  const act = (task: () => Promise<void>) => () => {
    setBusy(true);
    setError('');
    task().catch((e: unknown) => setError(errorText(e))).finally(() => setBusy(false));
  };
  if (!connections) return <p className="muted small">Loading Flink connections…</p>;
  const selected = connections.find((c) => c.name === chosen);
  const showForm = editing || !selected;
  return (
    <section aria-label="Submit to Flink" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <h3 style={{ margin: 0 }}>Run on Flink</h3>
      <div className="row" style={{ gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
        <label className="small" style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
          Flink connection
          <select aria-label="Flink connection" value={chosen} onChange={(e) => {
            setChosen(e.target.value);
            setEditing(false);
            setTest(undefined);
          }}>
            {connections.map((c) => <option key={c.name} value={c.name}>{c.name} ({c.url})</option>)}
            <option value={NEW}>New connection…</option>
          </select>
        </label>
        {selected && !editing && (
          <>
            <button disabled={busy} onClick={act(async () => {
              setTest(undefined);
              setTest(await api.flinkTestConnection({ name: selected.name }));
            })}>Test</button>
            <button className="ghost" disabled={busy} onClick={() => setEditing(true)}>Edit</button>
            <button className="ghost" disabled={busy} onClick={act(async () => {
              await api.flinkDeleteConnection({ name: selected.name });
              setTest(undefined);
              announceConnections(flinkKind.id);
            })}>Delete</button>
            <button className="primary" disabled={disabled || busy} onClick={act(async () => {
              setJob(undefined);
              setStatus('');
              const ref = await api.flinkSubmit({ connection: selected.name, doc: docFromGraph(graph) });
              setJob({ ...ref, connection: selected.name });
            })}>Submit to Flink</button>
          </>
        )}
      </div>
      {showForm && (
        <ConnectionForm
          key={selected?.name ?? NEW}
          {...(editing && selected ? { initial: selected } : {})}
          onSaved={(name) => {
            setEditing(false);
            setTest(undefined);
            reload(name);
            announceConnections(flinkKind.id);
          }}
          {...(connections.length > 0 ? { onCancel: () => {
            setEditing(false);
            if (!selected) setChosen(connections[0]?.name ?? NEW);
          } } : {})}
        />
      )}
      {test && !showForm && <TestResult result={test} />}
      {job && (
        <div className="row" style={{ gap: 8, alignItems: 'center' }}>
          <span role="status" aria-label="Flink job" className="mono small">job {job.jobId}: {status || 'submitted'}</span>
          <button disabled={busy || status !== 'RUNNING'} onClick={act(async () => {
            const { connection, ...ref } = job;
            await api.flinkJobStop({ connection, ...ref });
            setStatus('stopping');
          })}>Stop job</button>
        </div>
      )}
      {error && <p role="alert" aria-label="Flink error" className="field-error small" style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{error}</p>}
    </section>
  );
}
