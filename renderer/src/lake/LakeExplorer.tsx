// The lake explorer: a table's schema (and its history), partitioning, snapshots as a timeline with their
// summaries, tags and branches, time travel into the SQL workbench, a diff of two snapshots, and
// maintenance with progress.
import { useCallback, useEffect, useState } from 'react';
import type { JobProgress, LakeRef, LakeSnapshot, LakeTableDetail, MaintenanceAction, SnapshotDiff } from '../../../engine/api/contract.ts';
import { useApi, useStudio, useStudioStore } from '../api/context.tsx';
import type { StudioStore } from '../store/index.ts';
import { RowsTable } from '../ui/DataTable.tsx';
import { describeMaintenance } from './results.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function num(summary: Record<string, string>, key: string): string | undefined {
  const v = summary[key];
  return v === undefined ? undefined : Number(v).toLocaleString();
}

/** Summary keys that name source positions (Kafka offsets, generator sequence) written by our sinks. */
function sourcePositions(summary: Record<string, string>): string[] {
  return Object.entries(summary)
    .filter(([k]) => /offset|position|source|checkpoint/i.test(k))
    .map(([k, v]) => `${k}=${v.length > 60 ? `${v.slice(0, 59)}…` : v}`);
}

function Timeline({ table, onRefresh }: { table: LakeTableDetail; onRefresh: () => void }) {
  const api = useApi();
  const store = useStudioStore();
  const travel = useStudio((s) => s.travel);
  const snapshots = [...table.snapshots].reverse();
  const refsBySnapshot = new Map<string, typeof table.refs>();
  for (const r of table.refs) refsBySnapshot.set(r.snapshotId, [...(refsBySnapshot.get(r.snapshotId) ?? []), r]);

  const travelTo = (s: LakeSnapshot, index: number) => {
    store.getState().setUi({
      travel: { table: table.name, snapshotId: s.snapshotId, label: `${table.name} at snapshot ${s.snapshotId} (#${snapshots.length - index}, ${when(s.timestampMs)})` },
      dockOpen: true,
      dockTab: 'sql',
      sqlRequest: { sql: `SELECT count(*) AS row_count FROM ${table.name}`, run: true, nonce: Date.now() },
    });
  };

  const tag = async (s: LakeSnapshot, kind: 'tag' | 'branch') => {
    const taken = new Set(table.refs.map((r) => r.name));
    const name = await store.getState().ask({
      kind: 'text',
      title: kind === 'tag' ? `Tag snapshot ${s.snapshotId}` : `Branch from snapshot ${s.snapshotId}`,
      label: kind === 'tag' ? 'Tag name' : 'Branch name',
      initial: '',
      confirmLabel: kind === 'tag' ? 'Create tag' : 'Create branch',
      hint: kind === 'tag'
        ? `Query it as ${table.name}@<name>; a tagged snapshot is never expired.`
        : `A branch starts at this snapshot; query it as ${table.name}@<name>.`,
      check: (value) => refNameProblem(value, taken),
    });
    if (!name) return;
    const call = kind === 'tag' ? api.lakeCreateTag({ table: table.name, tag: name, snapshotId: s.snapshotId }) : api.lakeCreateBranch({ table: table.name, branch: name, snapshotId: s.snapshotId });
    call.then(() => {
      store.getState().notify('success', `Created ${kind} ${name} at snapshot ${s.snapshotId}`);
      onRefresh();
    }, (e: unknown) => store.getState().notify('error', message(e)));
  };

  return (
    <section className="card" aria-label="Snapshots">
      <div className="section-head"><h2>Snapshots</h2><span className="faint small">{table.snapshots.length} · newest first</span></div>
      {snapshots.length === 0 && <p className="muted small">No snapshots yet.</p>}
      <ol className="timeline" aria-label="Snapshot timeline" style={{ margin: 0, padding: 0, listStyle: 'none' }}>
        {snapshots.map((s, i) => {
          const refs = refsBySnapshot.get(s.snapshotId) ?? [];
          const positions = sourcePositions(s.summary);
          const chosen = travel?.table === table.name && travel.snapshotId === s.snapshotId;
          return (
            <li key={s.snapshotId} className={`snap ${s.snapshotId === table.currentSnapshotId ? 'current' : ''} ${chosen ? 'chosen' : ''}`} aria-label={`Snapshot ${s.snapshotId}`}>
              <span className="snap-dot" aria-hidden />
              <div className="col" style={{ gap: 2 }}>
                <div className="row wrap">
                  <span className="mono">{s.snapshotId}</span>
                  <span className="badge">{s.operation}</span>
                  {refs.map((r) => <span key={r.name} className={`ref-chip ${r.type}`}>{r.type === 'tag' ? 'tag ' : 'branch '}{r.name}</span>)}
                  {!s.onMain && <span className="ref-chip">off main</span>}
                </div>
                <span className="small muted">
                  {when(s.timestampMs)}
                  {num(s.summary, 'added-records') && ` · +${num(s.summary, 'added-records')} rows`}
                  {num(s.summary, 'added-data-files') && ` · +${num(s.summary, 'added-data-files')} files`}
                  {num(s.summary, 'deleted-records') && ` · −${num(s.summary, 'deleted-records')} rows`}
                  {num(s.summary, 'total-records') && ` · ${num(s.summary, 'total-records')} total`}
                </span>
                {positions.length > 0 && <span className="small faint mono" style={{ wordBreak: 'break-all' }}>{positions.join(' · ')}</span>}
              </div>
              <div className="row">
                <button className="small" aria-label={`Query at snapshot ${s.snapshotId}`} onClick={() => travelTo(s, i)}>Time travel</button>
                <button className="ghost small" aria-label={`Tag snapshot ${s.snapshotId}`} onClick={() => void tag(s, 'tag')}>Tag</button>
                <button className="ghost small" aria-label={`Branch from snapshot ${s.snapshotId}`} onClick={() => void tag(s, 'branch')}>Branch</button>
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Why a typed tag or branch name cannot be used, or null (the engine checks the same pattern). */
function refNameProblem(value: string, taken: ReadonlySet<string>): string | null {
  const name = value.trim();
  if (!name) return 'Type a name';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) return 'Use letters, digits and _ . - (starting with a letter, digit or _)';
  if (taken.has(name)) return `${name} already exists in this table`;
  return null;
}

async function deleteRef(api: ReturnType<typeof useApi>, store: StudioStore, table: string, ref: LakeRef, onDone: () => void): Promise<void> {
  const ok = await store.getState().ask({
    kind: 'confirm',
    title: `Delete ${ref.type} ${ref.name}?`,
    body: ref.type === 'tag'
      ? `Queries of ${table}@${ref.name} stop working, and snapshot ${ref.snapshotId} may be expired later. The table's data does not change.`
      : `The branch ${ref.name} goes away; its snapshots stay until they are expired. Main does not change.`,
    confirmLabel: `Delete ${ref.type}`,
    danger: true,
  });
  if (!ok) return;
  const call = ref.type === 'tag' ? api.lakeDeleteTag({ table, tag: ref.name }) : api.lakeDeleteBranch({ table, branch: ref.name });
  await call.then(() => {
    store.getState().notify('success', `Deleted ${ref.type} ${ref.name}`);
    onDone();
  }, (e: unknown) => store.getState().notify('error', message(e)));
}

function Refs({ table, onRefresh }: { table: LakeTableDetail; onRefresh: () => void }) {
  const api = useApi();
  const store = useStudioStore();
  return (
    <div className="grid-wrap">
    <table className="grid" aria-label="Refs">
      <thead><tr><th>name</th><th>type</th><th>snapshot</th><th aria-label="actions" /></tr></thead>
      <tbody>
        {table.refs.map((r) => (
          <tr key={r.name}>
            <td className="mono">{r.name}</td>
            <td>{r.type}</td>
            <td className="mono">{r.snapshotId}</td>
            <td>
              {r.name !== 'main' && (
                <button className="ghost small" aria-label={`Delete ${r.type} ${r.name}`} onClick={() => void deleteRef(api, store, table.name, r, onRefresh)}>Delete</button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}

function Diff({ table }: { table: LakeTableDetail }) {
  const api = useApi();
  const ids = table.snapshots.map((s) => s.snapshotId);
  // ids stay decimal text: they are 64-bit, and Number() would round them
  const [from, setFrom] = useState<string | undefined>(ids[0]);
  const [to, setTo] = useState<string | undefined>(ids[ids.length - 1]);
  const [diff, setDiff] = useState<SnapshotDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (ids.length < 2) return null;
  return (
    <section className="card" aria-label="Snapshot diff">
      <h2>Compare snapshots</h2>
      <div className="row wrap">
        <select aria-label="Diff from snapshot" value={from} onChange={(e) => setFrom(e.target.value)}>{ids.map((id) => <option key={id} value={id}>{id}</option>)}</select>
        <span>→</span>
        <select aria-label="Diff to snapshot" value={to} onChange={(e) => setTo(e.target.value)}>{ids.map((id) => <option key={id} value={id}>{id}</option>)}</select>
        <button aria-label="Compare" onClick={() => {
          if (from === undefined || to === undefined) return;
          setError(null);
          api.lakeDiff({ table: table.name, from, to }).then(setDiff, (e: unknown) => setError(message(e)));
        }}>Compare</button>
      </div>
      {error && <div className="field-error" role="alert">{error}</div>}
      {diff && (
        <div className="col">
          <div className="stat-row" role="status" aria-label="Diff result">
            <div className="stat"><span className="v" style={{ color: 'var(--ok)' }}>+{diff.rowsAdded.toLocaleString()}</span><span className="k">rows added</span></div>
            <div className="stat"><span className="v" style={{ color: 'var(--error)' }}>−{diff.rowsRemoved.toLocaleString()}</span><span className="k">rows removed</span></div>
            <div className="stat"><span className="v">+{diff.filesAdded} / −{diff.filesRemoved}</span><span className="k">files</span></div>
          </div>
          {diff.schemaChanges.length === 0 ? <span className="muted small">No schema changes.</span> : (
            <ul style={{ margin: 0 }}>{diff.schemaChanges.map((c, i) => <li key={i} className="mono small">{c.kind} {c.name}{c.from ? ` (${c.from} → ${c.to ?? ''})` : ''}</li>)}</ul>
          )}
        </div>
      )}
    </section>
  );
}

const actions: { action: MaintenanceAction; title: string; help: string }[] = [
  { action: 'compact', title: 'Compact', help: 'Rewrite small data files into larger ones.' },
  { action: 'expire', title: 'Expire snapshots', help: 'Drop old snapshots (keeps the last 5 and anything tagged).' },
  { action: 'clean', title: 'Remove orphans', help: 'Delete files no snapshot references (older than 3 days).' },
];

function Maintenance({ table, onDone }: { table: string; onDone: () => void }) {
  const api = useApi();
  const [jobs, setJobs] = useState<Record<string, JobProgress>>({});
  const [results, setResults] = useState<Record<string, string>>({});
  useEffect(() => api.subscribe((e) => {
    if (e.type === 'job.progress' && e.progress.kind === 'maintenance') setJobs((j) => ({ ...j, [e.progress.jobId]: e.progress }));
  }), [api]);
  const [running, setRunning] = useState<Record<string, string>>({});
  return (
    <section className="card" aria-label="Maintenance">
      <h2>Maintenance</h2>
      {actions.map(({ action, title, help }) => {
        const jobId = running[action];
        const job = jobId ? jobs[jobId] : undefined;
        const pct = job && job.total ? Math.min(100, (100 * job.done) / job.total) : jobId ? 5 : 0;
        return (
          <div key={action} className="col" style={{ gap: 4 }}>
            <div className="row">
              <button aria-label={title} disabled={jobId !== undefined} onClick={() => {
                const id = `${action}-${table}-${Date.now().toString(36)}`;
                setRunning((r) => ({ ...r, [action]: id }));
                setResults((r) => ({ ...r, [action]: '' }));
                const options = action === 'expire' ? { retainLast: 5 } : {};
                api.lakeMaintain({ table, action, options, jobId: id }).then(
                  (res) => setResults((r) => ({ ...r, [action]: describeMaintenance(res) })),
                  (err: unknown) => setResults((r) => ({ ...r, [action]: `failed: ${message(err)}` })),
                ).finally(() => {
                  setRunning((r) => {
                    const copy = { ...r };
                    delete copy[action];
                    return copy;
                  });
                  onDone();
                });
              }}>{title}</button>
              <span className="muted small grow">{help}</span>
            </div>
            {jobId && <div className="progress" role="progressbar" aria-label={`${title} progress`} aria-valuenow={pct}><div style={{ width: `${pct}%` }} /></div>}
            {jobId && job && <span className="small faint">{job.phase} {job.done}{job.total ? `/${job.total}` : ''}</span>}
            {results[action] && <span className="small muted" role="status">{results[action]}</span>}
          </div>
        );
      })}
    </section>
  );
}

export function LakeExplorer() {
  const api = useApi();
  const store = useStudioStore();
  const name = useStudio((s) => s.lakeTable);
  const [table, setTable] = useState<LakeTableDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [schemaId, setSchemaId] = useState<number | undefined>(undefined);
  const load = useCallback(() => {
    if (!name) return;
    api.lakeTable({ table: name }).then((t) => { setTable(t); setError(null); }, (e: unknown) => setError(message(e)));
  }, [api, name]);
  useEffect(() => {
    setTable(null);
    setSchemaId(undefined);
    load();
  }, [load]);
  useEffect(() => api.subscribe((e) => {
    if (e.type === 'lake.changed' && e.table === name) load();
  }), [api, load, name]);
  if (!name) return <main className="view" aria-label="Lake explorer"><p className="empty">Pick a table in the left rail.</p></main>;
  if (error) return <main className="view" aria-label="Lake explorer"><div className="field-error" role="alert">{error}</div></main>;
  if (!table) return <main className="view" aria-label="Lake explorer"><p className="empty">Loading {name}…</p></main>;
  const schema = table.schemas.find((s) => s.schemaId === schemaId) ?? table.schema;
  const current = table.snapshots.find((s) => s.snapshotId === table.currentSnapshotId);
  return (
    <main className="view" aria-label="Lake explorer">
      <div className="card" aria-label={`Table ${table.name}`}>
        <div className="section-head">
          <h2 className="mono">{table.name}</h2>
          <div className="row">
            <button className="small" aria-label="Query this table" onClick={() => store.getState().setUi({ dockOpen: true, dockTab: 'sql', sqlRequest: { sql: `SELECT * FROM ${table.name} LIMIT 100`, run: true, nonce: Date.now() } })}>Query</button>
            <button className="ghost small" aria-label="Refresh table" onClick={load}>↻</button>
          </div>
        </div>
        <div className="stat-row">
          <div className="stat"><span className="v">{current?.summary['total-records'] ? Number(current.summary['total-records']).toLocaleString() : '—'}</span><span className="k">rows</span></div>
          <div className="stat"><span className="v">{current?.summary['total-data-files'] ?? '—'}</span><span className="k">data files</span></div>
          <div className="stat"><span className="v">{table.snapshots.length}</span><span className="k">snapshots</span></div>
          <div className="stat"><span className="v">v{table.formatVersion}</span><span className="k">Iceberg format</span></div>
        </div>
        <span className="faint small mono" style={{ wordBreak: 'break-all' }}>{table.location}</span>
      </div>
      <div className="cards">
        <section className="card" aria-label="Schema">
          <div className="section-head">
            <h2>Schema</h2>
            {table.schemas.length > 1 && (
              <select aria-label="Schema version" value={schema.schemaId} onChange={(e) => setSchemaId(Number(e.target.value))}>
                {table.schemas.map((s) => <option key={s.schemaId} value={s.schemaId}>schema {s.schemaId}{s.schemaId === table.currentSchemaId ? ' (current)' : ''}</option>)}
              </select>
            )}
          </div>
          <RowsTable label="Columns" columns={['id', 'name', 'type', 'required']} rows={schema.fields.map((f) => [f.id, f.name, f.type, f.required])} />
          <h3>Partitioning</h3>
          {table.partitionSpec.fields.length === 0 ? <span className="muted small">Unpartitioned.</span> : (
            <RowsTable label="Partition fields" columns={['name', 'source', 'transform']} rows={table.partitionSpec.fields.map((p) => [p.name, p.sourceName, p.transform])} />
          )}
          <h3>Sort order</h3>
          {table.sortOrder.fields.length === 0 ? <span className="muted small">Unsorted.</span> : (
            <span className="small" aria-label="Sort order">{table.sortOrder.fields.join(', ')} <span className="muted">(order {table.sortOrder.orderId}; compact to re-sort older files)</span></span>
          )}
          <h3>Tags and branches</h3>
          <Refs table={table} onRefresh={load} />
        </section>
        <Timeline table={table} onRefresh={load} />
      </div>
      <div className="cards">
        {/* Keyed by the newest snapshot: after a commit or Compact the choices start from the new head. */}
        <Diff key={`${table.name}:${table.snapshots.at(-1)?.snapshotId ?? 'none'}`} table={table} />
        <Maintenance table={table.name} onDone={load} />
      </div>
    </main>
  );
}
