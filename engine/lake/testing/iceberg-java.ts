// Iceberg Java 1.10 for the compatibility tests: builds the reader and the co-writer shell (Maven fetches
// the jars once into ~/.cache/streamlake/iceberg-java), runs them, and compares what Java sees with what the engine
// reports (rows, snapshots, refs, schemas, files and their metrics).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { IcebergType, NestedField, SortOrder } from '../format/metadata.ts';
import { decimalScale, isPrimitive } from '../format/values.ts';
import { parseLosslessJson } from '../format/json.ts';
import { readRows } from '../table/scan.ts';
import { cacheDir, contentKey } from '../../cache.ts';
import type { LakeTable, SnapshotRef } from '../table/table.ts';

const JAVA_DIR = path.join(import.meta.dirname, '..', 'java');
// Jars and compiled classes live in the user's cache, outside the checkout (engine/cache.ts).
const SOURCES = ['ReadIceberg.java', 'IcebergShell.java'].map((name) => path.join(JAVA_DIR, name));
// The jars follow the pom and the classes follow the sources, each in a folder named by their hash.
const LIB = cacheDir('iceberg-java', `lib-${contentKey([path.join(JAVA_DIR, 'pom.xml')])}`);
const CLASSES = cacheDir('iceberg-java', `classes-${contentKey(SOURCES)}`);

export interface JavaSnapshot {
  snapshotId: bigint;
  parentId: bigint | null;
  sequenceNumber: number;
  timestampMs: number;
  operation: string;
  schemaId: number | null;
  summary: Record<string, string>;
}

export interface JavaFile {
  path: string;
  recordCount: number;
  fileSizeInBytes: number;
  sortOrderId: number | null;
  partition: unknown[];
  valueCounts: Record<string, number>;
  nullCounts: Record<string, number>;
  lowerBounds: Record<string, string>;
  upperBounds: Record<string, string>;
}

export interface JavaTable {
  schema: { 'schema-id': number; fields: NestedField[] };
  schemas: { 'schema-id': number; fields: NestedField[] }[];
  spec: { 'spec-id': number; fields: { name: string; transform: string; 'source-id': number; 'field-id': number }[] };
  sortOrder: SortOrder;
  currentSnapshotId: bigint | null;
  snapshots: JavaSnapshot[];
  refs: Record<string, { type: string; snapshotId: bigint }>;
  rows: Record<string, unknown>[];
  files: JavaFile[];
}

export function run(cmd: string, args: string[], cwd: string, log: (line: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function missingTools(): string[] {
  return ['mvn', 'java', 'javac'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

let ready: Promise<void> | null = null;

/** Downloads Iceberg Java with Maven (once) and compiles the reader (when the source changed). */
export function prepareReader(log: (line: string) => void): Promise<void> {
  ready ??= (async () => {
    const missing = missingTools();
    if (missing.length) assert.fail(`Java compatibility test needs ${missing.join(', ')} on PATH (Java 17 + Maven); missing: ${missing.join(', ')}`);
    const marker = path.join(LIB, '.complete');
    if (!(await exists(marker))) {
      log('downloading Apache Iceberg 1.10.0 + Hadoop 3.4.1 jars from Maven Central (first run only, several minutes)…');
      const r = await run('mvn', ['-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`, '-DincludeScope=runtime'], JAVA_DIR, (line) => {
        if (/Download|BUILD|ERROR|Copying/.test(line)) log(line);
      });
      if (r.code !== 0) assert.fail(`mvn dependency:copy-dependencies failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
      await writeFile(marker, 'ok');
      log('jars ready');
    }
    const compiled = path.join(CLASSES, 'IcebergShell.class');
    if (!(await exists(compiled))) {
      await mkdir(CLASSES, { recursive: true });
      const r = await run('javac', ['-cp', `${LIB}/*`, '-d', CLASSES, ...SOURCES], JAVA_DIR, log);
      if (r.code !== 0) assert.fail(`javac ReadIceberg.java IcebergShell.java failed: ${r.stderr}`);
    }
  })();
  return ready;
}

export async function javaRead(requests: string[]): Promise<JavaTable[]> {
  const r = await run('java', ['-cp', `${CLASSES}:${LIB}/*`, 'ReadIceberg', ...requests], JAVA_DIR, () => undefined);
  if (r.code !== 0) assert.fail(`Iceberg Java could not read ${requests.join(' ')}:\n${r.stderr.split('\n').filter((l) => !/ INFO | WARN /.test(l)).slice(0, 40).join('\n')}`);
  return (parseLosslessJson(r.stdout) as JavaTable[]).map(javaIds);
}

/** Java prints ids as JSON numbers; read exactly, each one as a bigint like the engine's (small ones parse as numbers). */
function javaIds(t: JavaTable): JavaTable {
  const id = (v: unknown): bigint => BigInt(v as bigint | number);
  return {
    ...t,
    currentSnapshotId: t.currentSnapshotId === null ? null : id(t.currentSnapshotId),
    snapshots: t.snapshots.map((s) => ({ ...s, snapshotId: id(s.snapshotId), parentId: s.parentId === null ? null : id(s.parentId) })),
    refs: Object.fromEntries(Object.entries(t.refs).map(([name, r]) => [name, { ...r, snapshotId: id(r.snapshotId) }])),
  };
}

// ---- normalising values to one comparable form ----

export function fromJava(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJava);
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('timestampMicros' in v) return `ts:${String(v.timestampMicros)}`;
  if ('date' in v && Object.keys(v).length === 1) return `date:${String(v.date)}`;
  if ('decimal' in v && Object.keys(v).length === 1) return `dec:${String(v.decimal)}`;
  if ('bytes' in v && Object.keys(v).length === 1) return `hex:${String(v.bytes)}`;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJava(x)]));
}

export function fromEngine(value: unknown, type: IcebergType): unknown {
  if (value === null || value === undefined) return null;
  if (isPrimitive(type)) {
    if (type === 'timestamptz' || type === 'timestamp') return `ts:${(value as Date).getTime() * 1000}`;
    if (type === 'date') return `date:${(value as Date).toISOString().slice(0, 10)}`;
    const dec = decimalScale(type);
    if (dec) return `dec:${(value as number).toFixed(dec.scale)}`;
    if (type === 'binary') return `hex:${Buffer.from(value as Uint8Array).toString('hex')}`;
    if ((type === 'double' || type === 'float') && Number.isNaN(value)) return 'NaN';
    return value;
  }
  if (type.type === 'struct') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(type.fields.map((f) => [f.name, fromEngine(obj[f.name], f.type)]));
  }
  if (type.type === 'list') return (value as unknown[]).map((v) => fromEngine(v, type.element));
  return (value as { key: unknown; value: unknown }[]).map((e) => ({ key: fromEngine(e.key, type.key), value: fromEngine(e.value, type.value) }));
}

export async function engineRows(table: LakeTable, ref: SnapshotRef | undefined, fields: readonly NestedField[], key: string): Promise<unknown[]> {
  const rows = await readRows(table, ref);
  return sortBy(rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, fromEngine(r[f.name], f.type)]))), key);
}

export function sortBy(rows: Record<string, unknown>[], key: string): Record<string, unknown>[] {
  // ties (the same key in two partitions) are ordered by the whole row, so both sides sort alike
  return [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key]), 'en', { numeric: true }) || JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function engineSnapshots(table: LakeTable): JavaSnapshot[] {
  // Java keeps `operation` apart from the summary map
  return table.snapshots().map(({ summary: { operation: _op, ...summary }, ...s }) => ({
    snapshotId: s.snapshotId,
    parentId: s.parentId,
    sequenceNumber: s.sequenceNumber,
    timestampMs: s.timestampMs,
    operation: s.operation,
    schemaId: s.schemaId,
    summary,
  }));
}

export function engineRefs(table: LakeTable): Record<string, { type: string; snapshotId: bigint }> {
  return Object.fromEntries(table.refs().map((r) => [r.name, { type: r.type, snapshotId: r.snapshotId }]));
}

/** Everything both sides must agree on for one table read at `ref`. */
export async function compare(java: JavaTable, table: LakeTable, ref: SnapshotRef | undefined, key: string): Promise<void> {
  await table.refresh();
  assert.deepEqual(java.schema, { type: 'struct', 'schema-id': table.schema().schemaId, fields: table.schema().fields }, `${table.name}: schema`);
  assert.deepEqual(java.schemas.map((s) => s.fields), table.schemaHistory().map((s) => s.fields), `${table.name}: schema history`);
  assert.deepEqual(java.snapshots, engineSnapshots(table), `${table.name}: snapshots`);
  assert.deepEqual(java.refs, engineRefs(table), `${table.name}: refs`);
  assert.equal(java.currentSnapshotId, table.resolve()?.snapshotId ?? null);
  const m = table.metadata();
  assert.deepEqual(java.sortOrder, m['sort-orders'].find((o) => o['order-id'] === m['default-sort-order-id']), `${table.name}: sort order`);
  const snapshot = table.resolve(ref);
  assert.ok(snapshot, `${table.name}: snapshot to compare`);
  // Java reads a snapshot (or a ref's snapshot) with the schema that snapshot was written with
  const fields = ref === undefined ? table.schema().fields : table.schemaFor(snapshot.snapshotId).fields;
  const expected = await engineRows(table, ref === undefined ? undefined : { snapshotId: snapshot.snapshotId }, fields, key);
  assert.deepEqual(sortBy(fromJava(java.rows) as Record<string, unknown>[], key), expected, `${table.name}: rows`);
  const files = await table.dataFiles(snapshot.snapshotId);
  assert.deepEqual(
    java.files.map((f) => [f.path, f.recordCount, f.fileSizeInBytes, f.sortOrderId]).sort(),
    files.map((f) => [f.uri, f.recordCount, f.fileSizeBytes, f.sortOrderId]).sort(),
    `${table.name}: data files`,
  );
  for (const jf of java.files) {
    const ef = files.find((f) => f.uri === jf.path);
    assert.ok(ef);
    assert.deepEqual(jf.valueCounts, Object.fromEntries(Object.entries(ef.valueCounts).map(([k, v]) => [k, v])), `${table.name}: value counts`);
    assert.deepEqual(jf.nullCounts, Object.fromEntries(Object.entries(ef.nullCounts).map(([k, v]) => [k, v])), `${table.name}: null counts`);
    // bounds as Java decodes them (compared for types whose Java toString is the same text as JS String)
    for (const [side, engine] of [[jf.lowerBounds, ef.lowerBounds], [jf.upperBounds, ef.upperBounds]] as const) {
      // Java decodes bounds only for columns of the schema it reads with (a dropped column's are skipped)
      const visible = Object.keys(engine).filter((id) => JSON.stringify(fields).includes(`"id":${id},`));
      assert.deepEqual(Object.keys(side).sort(), visible.sort(), `${table.name}: bound columns`);
      for (const id of visible) {
        const v = engine[Number(id)];
        const field = findType(table, Number(id));
        if (field && ['long', 'int', 'string', 'timestamptz', 'date', 'boolean'].includes(field)) assert.equal(side[id], String(v), `${table.name}: bound of field ${id}`);
      }
    }
  }
}

export function findType(table: LakeTable, id: number): string | null {
  const walk = (fields: readonly NestedField[]): string | null => {
    for (const f of fields) {
      if (f.id === id) return typeof f.type === 'string' ? f.type : null;
      if (typeof f.type === 'object' && f.type.type === 'struct') {
        const inner = walk(f.type.fields);
        if (inner) return inner;
      }
    }
    return null;
  };
  for (const s of [...table.schemaHistory()].reverse()) {
    const found = walk(s.fields);
    if (found) return found;
  }
  return null;
}


/** One JVM running IcebergShell: `send` a command, get its answer (or a failed assertion with Java's error). */
export interface JavaShell {
  send(command: unknown[]): Promise<unknown>;
  read(requests: string[]): Promise<JavaTable[]>;
  close(): Promise<void>;
}

export function javaShell(): JavaShell {
  const child = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, 'IcebergShell'], { cwd: JAVA_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  const exited = new Promise<void>((resolve) =>
    child.on('close', () => {
      const error = new Error(`IcebergShell exited: ${stderr.split('\n').filter((l) => !/ INFO | WARN /.test(l)).slice(-30).join('\n')}`);
      for (const w of waiting.splice(0)) w.reject(error);
      resolve();
    }),
  );
  const send = async (command: unknown[]): Promise<unknown> => {
    const answer = new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
    child.stdin.write(`${JSON.stringify(command)}\n`);
    const parsed = parseLosslessJson(await answer) as { ok?: unknown; error?: string };
    if (parsed.error !== undefined) assert.fail(`Iceberg Java failed on ${JSON.stringify(command).slice(0, 300)}: ${parsed.error}`);
    return parsed.ok;
  };
  return {
    send,
    async read(requests) {
      return ((await send(['read', ...requests])) as JavaTable[]).map(javaIds);
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}
