// The schema browser: one subject of a connection's schema registry. Its versions and schema text, the
// diff between two versions, its compatibility level (view and change), and registering a new version,
// typed or inferred from a node's live rows. The registry decides compatibility; its refusal is shown as
// it gave it.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { SchemaCompatibilityInfo, SchemaCompatibilityLevel, SchemaFormatName, SchemaKind, SchemaVersionInfo } from '../../../engine/api/contract.ts';
import { useApi, useStudio } from '../api/context.tsx';
import { subjectsChanged } from './changes.ts';
import { diffLines } from './diff.ts';
import { SchemaDiff, SchemaText } from './SchemaText.tsx';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const levels: SchemaCompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];
const formatOf: Record<SchemaKind, SchemaFormatName> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json-schema' };
const kindNames: Record<SchemaKind, string> = { AVRO: 'Avro', PROTOBUF: 'Protobuf', JSON: 'JSON Schema' };

function Compatibility({ connection, subject }: { connection: string; subject: string }) {
  const api = useApi();
  const [info, setInfo] = useState<SchemaCompatibilityInfo | null>(null);
  const [level, setLevel] = useState<SchemaCompatibilityLevel>('BACKWARD');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.schemaCompatibility({ connection, subject }).then((i) => { setInfo(i); setLevel(i.level); }, (e: unknown) => setError(message(e)));
  }, [api, connection, subject]);
  return (
    <div className="row wrap" aria-label="Compatibility">
      <span className="muted">Compatibility</span>
      <select aria-label="Compatibility level" value={level} onChange={(e) => setLevel(e.target.value as SchemaCompatibilityLevel)}>
        {levels.map((l) => <option key={l} value={l}>{l}</option>)}
      </select>
      <button className="small" aria-label="Set compatibility" disabled={!info || (info.own && info.level === level)} onClick={() => {
        setError(null);
        api.schemaSetCompatibility({ connection, subject, level }).then(setInfo, (e: unknown) => setError(message(e)));
      }}>Set</button>
      {info && <span className="faint small" role="status" aria-label="Compatibility in force">in force: {info.level}</span>}
      {error && <span className="field-error" role="alert">{error}</span>}
    </div>
  );
}

function Register({ connection, subject, kind, onRegistered }: { connection: string; subject: string; kind: SchemaKind | undefined; onRegistered: (v: SchemaVersionInfo) => void }) {
  const api = useApi();
  const nodes = useStudio((s) => s.graph.nodes);
  const [schemaType, setSchemaType] = useState<SchemaKind>(kind ?? 'AVRO');
  const [text, setText] = useState('');
  const [nodeId, setNodeId] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { if (kind) setSchemaType(kind); }, [kind]);
  const infer = () => {
    setNote(null);
    setBusy(true);
    api.schemaInfer({ nodeId, format: formatOf[schemaType], recordName: subject.replace(/-value$/, '') })
      .then((inferred) => { setText(inferred.schema); setNote({ ok: true, text: `Inferred from ${inferred.rows} live row${inferred.rows === 1 ? '' : 's'} of ${nodeId}; review it, then register.` }); },
        (e: unknown) => setNote({ ok: false, text: message(e) }))
      .finally(() => setBusy(false));
  };
  return (
    <div className="card" aria-label="Register a schema">
      <div className="section-head"><h2>Register a new version</h2></div>
      <div className="row wrap">
        <select aria-label="Schema type" value={schemaType} onChange={(e) => setSchemaType(e.target.value as SchemaKind)} disabled={kind !== undefined}>
          {(['AVRO', 'PROTOBUF', 'JSON'] as const).map((k) => <option key={k} value={k}>{kindNames[k]}</option>)}
        </select>
        <span className="muted small">infer from node</span>
        <select aria-label="Infer from node" value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
          <option value="">(choose a node)</option>
          {nodes.map((n) => <option key={n.id} value={n.id}>{n.label ?? n.id}</option>)}
        </select>
        <button className="small" aria-label="Infer schema" disabled={nodeId === '' || busy} onClick={infer}>Infer from live rows</button>
      </div>
      <textarea aria-label="New schema" className="mono" rows={10} value={text} onChange={(e) => setText(e.target.value)} placeholder={schemaType === 'PROTOBUF' ? 'syntax = "proto3"; message …' : '{"type": "record", …}'} />
      {note && <div role={note.ok ? 'status' : 'alert'} aria-label="Register result" className={note.ok ? 'small' : 'field-error'} style={note.ok ? { color: 'var(--ok)' } : undefined}>{note.text}</div>}
      <div className="row">
        <span className="grow" />
        <button className="primary" aria-label="Register schema" disabled={text.trim() === '' || busy} onClick={() => {
          setNote(null);
          setBusy(true);
          api.schemaRegister({ connection, subject, schemaType, schema: text })
            .then((v) => { setNote({ ok: true, text: `Registered version ${v.version} (schema id ${v.id}).` }); onRegistered(v); }, (e: unknown) => setNote({ ok: false, text: message(e) }))
            .finally(() => setBusy(false));
        }}>Register</button>
      </div>
    </div>
  );
}

export function SchemaView({ connection, subject }: { connection: string; subject: string }) {
  const api = useApi();
  const [versions, setVersions] = useState<SchemaVersionInfo[] | null>(null);
  const [shown, setShown] = useState<number | undefined>(undefined);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      const subjects = await api.schemaSubjects({ connection });
      const numbers = subjects.find((s) => s.subject === subject)?.versions ?? [];
      const all = await Promise.all(numbers.map((version) => api.schemaVersion({ connection, subject, version })));
      setVersions(all);
      const last = all[all.length - 1]?.version;
      setShown(last);
      setTo(last);
      setFrom(all.length > 1 ? all[all.length - 2]!.version : last);
    } catch (e) {
      setVersions([]);
      setError(message(e));
    }
  }, [api, connection, subject]);
  useEffect(() => { void load(); }, [load]);
  const current = versions?.find((v) => v.version === shown);
  const diff = useMemo(() => {
    const a = versions?.find((v) => v.version === from);
    const b = versions?.find((v) => v.version === to);
    return a && b ? diffLines(a.schema, b.schema) : null;
  }, [versions, from, to]);
  const kind = versions?.[versions.length - 1]?.schemaType;
  return (
    <main className="view" aria-label="Schema browser">
      <div className="card">
        <div className="section-head">
          <h2 className="mono">{subject}</h2>
          {kind && <span className="badge">{kindNames[kind]}</span>}
        </div>
        {error && <div className="field-error" role="alert">{error}</div>}
        {versions && versions.length === 0 && !error && <p className="muted" role="status">No versions yet: register the first one below.</p>}
        {versions && versions.length > 0 && (
          <>
            <Compatibility connection={connection} subject={subject} />
            <div className="row wrap" role="tablist" aria-label="Versions">
              {versions.map((v) => (
                <button key={v.version} role="tab" aria-selected={v.version === shown} className={`chip-toggle ${v.version === shown ? '' : 'ghost'}`} aria-pressed={v.version === shown} onClick={() => setShown(v.version)}>v{v.version}</button>
              ))}
            </div>
            {current && (
              <>
                <span className="faint small">version {current.version} · schema id {current.id}</span>
                <SchemaText text={current.schema} label="Schema text" />
              </>
            )}
          </>
        )}
      </div>
      {versions && versions.length > 1 && (
        <div className="card" aria-label="Compare versions">
          <div className="section-head"><h2>Compare versions</h2></div>
          <div className="row">
            <select aria-label="Diff from version" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
              {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
            </select>
            <span className="muted">→</span>
            <select aria-label="Diff to version" value={to} onChange={(e) => setTo(Number(e.target.value))}>
              {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
            </select>
          </div>
          {diff && <SchemaDiff lines={diff} label="Schema diff" />}
        </div>
      )}
      <Register connection={connection} subject={subject} kind={kind} onRegistered={() => { void load(); subjectsChanged(); }} />
    </main>
  );
}
