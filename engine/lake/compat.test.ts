// Compatibility is tested, not assumed: tables the engine writes are read by Apache Iceberg Java 1.10.0
// (engine/lake/java/ReadIceberg.java) and what Java sees must equal what the engine reports: rows,
// snapshots with summaries, refs, schemas after evolution, partition values, file metrics and sort orders.
// The first run downloads the jars with Maven into engine/lake/java/.cache (several minutes); later runs
// reuse them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManualTime } from '../runtime/clock.ts';
import { openLake, type Lake } from './lake.ts';
import type { IcebergType, NestedField, SortOrder } from './format/metadata.ts';
import { decimalScale, isPrimitive } from './format/values.ts';
import { parseLosslessJson } from './format/json.ts';
import { readRows } from './table/scan.ts';
import type { DataFileInfo, LakeTable, SnapshotRef } from './table/table.ts';
import { tempDir } from './testing/tmp.ts';

const JAVA_DIR = path.join(import.meta.dirname, 'java');
const CACHE = path.join(JAVA_DIR, '.cache');
const LIB = path.join(CACHE, 'lib');
const CLASSES = path.join(CACHE, 'classes');
const SOURCE = path.join(JAVA_DIR, 'ReadIceberg.java');

interface JavaSnapshot {
  snapshotId: bigint;
  parentId: bigint | null;
  sequenceNumber: number;
  timestampMs: number;
  operation: string;
  schemaId: number | null;
  summary: Record<string, string>;
}

interface JavaFile {
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

interface JavaTable {
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

function run(cmd: string, args: string[], cwd: string, log: (line: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
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
function prepareReader(log: (line: string) => void): Promise<void> {
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
    const compiled = path.join(CLASSES, 'ReadIceberg.class');
    if (!(await exists(compiled)) || (await stat(compiled)).mtimeMs < (await stat(SOURCE)).mtimeMs) {
      await mkdir(CLASSES, { recursive: true });
      const r = await run('javac', ['-cp', `${LIB}/*`, '-d', CLASSES, SOURCE], JAVA_DIR, log);
      if (r.code !== 0) assert.fail(`javac ReadIceberg.java failed: ${r.stderr}`);
    }
  })();
  return ready;
}

async function javaRead(requests: string[]): Promise<JavaTable[]> {
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

function fromJava(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJava);
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('timestampMicros' in v) return `ts:${String(v.timestampMicros)}`;
  if ('date' in v && Object.keys(v).length === 1) return `date:${String(v.date)}`;
  if ('decimal' in v && Object.keys(v).length === 1) return `dec:${String(v.decimal)}`;
  if ('bytes' in v && Object.keys(v).length === 1) return `hex:${String(v.bytes)}`;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJava(x)]));
}

function fromEngine(value: unknown, type: IcebergType): unknown {
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

async function engineRows(table: LakeTable, ref: SnapshotRef | undefined, fields: readonly NestedField[], key: string): Promise<unknown[]> {
  const rows = await readRows(table, ref);
  return sortBy(rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, fromEngine(r[f.name], f.type)]))), key);
}

function sortBy(rows: Record<string, unknown>[], key: string): Record<string, unknown>[] {
  return [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key]), 'en', { numeric: true }));
}

function engineSnapshots(table: LakeTable): JavaSnapshot[] {
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

function engineRefs(table: LakeTable): Record<string, { type: string; snapshotId: bigint }> {
  return Object.fromEntries(table.refs().map((r) => [r.name, { type: r.type, snapshotId: r.snapshotId }]));
}

/** Everything both sides must agree on for one table read at `ref`. */
async function compare(java: JavaTable, table: LakeTable, ref: SnapshotRef | undefined, key: string): Promise<void> {
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

function findType(table: LakeTable, id: number): string | null {
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

async function buildTables(lake: Lake, time: ManualTime): Promise<Record<string, { table: LakeTable; key: string; reads: (SnapshotRef | undefined)[] }>> {
  const at = (iso: string): Date => new Date(iso);
  const tick = (): void => time.advance(1000);

  // 1. every type, two appends
  const plain = await lake.createTable('plain', {
    fields: [
      { name: 'id', required: true, type: 'long' },
      { name: 'amount', required: false, type: 'decimal(10, 2)' },
      { name: 'day', required: false, type: 'date' },
      { name: 'counts', required: false, type: { type: 'map', 'key-id': 0, key: 'string', 'value-id': 0, value: 'long', 'value-required': false } },
      { name: 'small', required: false, type: 'int' },
    ],
  });
  await plain.append([
    { id: 1, amount: '12.50', day: '2026-01-01', counts: { a: 1, b: 2 }, small: 7, name: 'alpha', score: 1.25, ok: true, ts: at('2026-01-01T10:00:00.123Z'), tags: ['x', 'y'], address: { city: 'Oslo', zip: 150 } },
    { id: 2, amount: -3, day: null, counts: {}, small: null, name: 'beta', score: Number.NaN, ok: false, ts: at('1969-12-31T23:59:59.999Z'), tags: [], address: null },
  ]);
  tick();
  await plain.append([{ id: 3, name: 'gamma "quoted" ünïcode', score: -0.5, ok: null, ts: null, tags: null, address: { city: null, zip: 1 } }]);
  tick();

  // 2. schema evolution: added columns, int→long and float→double, rename, drop
  const evolved = await lake.createTable('evolved', { fields: [{ name: 'id', required: false, type: 'int' }, { name: 'ratio', required: false, type: 'float' }, { name: 'gone', required: false, type: 'string' }] });
  await evolved.append([{ id: 1, ratio: 0.5, gone: 'a' }, { id: 2, ratio: 0.25, gone: 'b' }]);
  tick();
  await evolved.append([{ id: 5_000_000_000, ratio: 0.1, note: 'wide', gone: 'c' }]);
  tick();
  await evolved.renameColumn('note', 'comment');
  tick();
  await evolved.dropColumn('gone');
  tick();
  await evolved.append([{ id: 4, ratio: 2, comment: 'after rename' }]);
  tick();

  // 3. partitioned by day + bucket + truncate + identity
  const parted = await lake.createTable('parted', {
    fields: [
      { name: 'id', required: false, type: 'long' },
      { name: 'ts', required: false, type: 'timestamptz' },
      { name: 'name', required: false, type: 'string' },
      { name: 'region', required: false, type: 'string' },
    ],
    partitionBy: ['day(ts)', 'bucket(8, id)', 'truncate(2, name)', 'region'],
  });
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ id: i, ts: at(`2026-01-0${1 + (i % 3)}T0${i % 10}:00:00Z`), name: `n${i % 7}x`, region: i % 5 === 0 ? null : ['eu', 'us'][i % 2] });
  await parted.append(rows);
  tick();

  // 3b. hour() and identity on a date
  const hourly = await lake.createTable('hourly', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }, { name: 'd', required: false, type: 'date' }],
    partitionBy: ['hour(ts)', 'd'],
  });
  await hourly.append([
    { id: 1, ts: at('2026-01-01T00:59:59.999Z'), d: '2026-01-01' },
    { id: 2, ts: at('2026-01-01T01:00:00Z'), d: '2026-01-01' },
    { id: 3, ts: at('1969-12-31T23:30:00Z'), d: '1969-12-31' },
  ]);
  tick();

  // 4. tags and branches
  const refs = await lake.createTable('refs', { fields: [{ name: 'id', required: false, type: 'long' }, { name: 'v', required: false, type: 'string' }] });
  await refs.append([{ id: 1, v: 'one' }]);
  tick();
  await refs.createTag('v1');
  await refs.createBranch('dev');
  await refs.append([{ id: 2, v: 'dev only' }], { branch: 'dev' });
  tick();
  await refs.append([{ id: 3, v: 'main' }]);
  tick();
  await refs.createBranch('ff');
  await refs.append([{ id: 4, v: 'ff' }], { branch: 'ff' });
  tick();
  await refs.fastForward('main', 'ff');
  await refs.createTag('v2');
  await refs.createTag('doomed');
  await refs.deleteTag('doomed');

  // 5. upsert overwrite (copy-on-write)
  const upsert = await lake.createTable('upsert', { fields: [{ name: 'k', required: false, type: 'string' }, { name: 'n', required: false, type: 'long' }] });
  await upsert.append([{ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'c', n: 1 }], { upsertKey: ['k'] });
  tick();
  await upsert.append([{ k: 'b', n: 2 }, { k: 'd', n: 2 }, { k: 'b', n: 3 }], { upsertKey: ['k'] });
  tick();

  // 6. compaction
  const compacted = await lake.createTable('compacted', { fields: [{ name: 'id', required: false, type: 'long' }] });
  for (let i = 0; i < 5; i++) {
    await compacted.append([{ id: i * 2 }, { id: i * 2 + 1 }]);
    tick();
  }
  await compacted.compact({ targetFileSizeBytes: 64 * 1024 * 1024 });
  tick();

  // 7. sort orders: created sorted, re-sorted (metadata only), then compacted into the new order
  const sorted = await lake.createTable('sorted', {
    fields: [{ name: 'id', required: false, type: 'long' }, { name: 'ts', required: false, type: 'timestamptz' }, { name: 'region', required: false, type: 'string' }],
    partitionBy: ['region'],
    sortBy: ['day(ts) desc', 'id desc nulls first'],
  });
  await sorted.append([{ id: 1, ts: at('2026-01-01T10:00:00Z'), region: 'eu' }, { id: 2, ts: at('2026-01-02T10:00:00Z'), region: 'eu' }, { id: null, ts: null, region: 'us' }]);
  tick();
  await sorted.replaceSortOrder(['truncate(2, region)', 'id']);
  await sorted.append([{ id: 3, ts: at('2026-01-03T10:00:00Z'), region: 'eu' }]);
  tick();
  const beforeResort = sorted.resolve()?.snapshotId ?? 0n;
  await sorted.compact({ targetFileSizeBytes: 1 });
  tick();

  return {
    sorted: { table: sorted, key: 'id', reads: [undefined, { snapshotId: beforeResort }] },
    plain: { table: plain, key: 'id', reads: [undefined] },
    evolved: { table: evolved, key: 'id', reads: [undefined, { snapshotId: evolved.snapshots()[0]?.snapshotId ?? 0n }] },
    parted: { table: parted, key: 'id', reads: [undefined] },
    hourly: { table: hourly, key: 'id', reads: [undefined] },
    refs: { table: refs, key: 'id', reads: [undefined, { tag: 'v1' }, { branch: 'dev' }] },
    upsert: { table: upsert, key: 'k', reads: [undefined, { snapshotId: upsert.snapshots()[0]?.snapshotId ?? 0n }] },
    compacted: { table: compacted, key: 'id', reads: [undefined] },
  };
}

function request(dir: string, ref: SnapshotRef | undefined): string {
  if (ref === undefined) return dir;
  if ('snapshotId' in ref) return `${dir}#snapshot=${ref.snapshotId}`;
  if ('tag' in ref) return `${dir}#ref=${ref.tag}`;
  if ('branch' in ref) return `${dir}#ref=${ref.branch}`;
  throw new Error('as-of reads are compared through the engine only');
}

test('Apache Iceberg Java 1.10 reads what the engine writes', { timeout: 30 * 60_000 }, async (t) => {
  const log = (line: string): void => {
    process.stderr.write(`[iceberg-java] ${line}\n`);
  };
  await prepareReader(log);
  const time = new ManualTime(1_767_225_600_000);
  const lake = openLake(await tempDir(t, 'lake-compat-'), { clock: time });
  const tables = await buildTables(lake, time);

  const requests: { name: string; ref: SnapshotRef | undefined }[] = [];
  for (const [name, spec] of Object.entries(tables)) for (const ref of spec.reads) requests.push({ name, ref });
  const java = await javaRead(requests.map((r) => request(lake.tablePath(r.name), r.ref)));
  for (const [i, r] of requests.entries()) {
    const spec = tables[r.name];
    const result = java[i];
    assert.ok(spec && result);
    await t.test(`${r.name} ${r.ref ? JSON.stringify(r.ref) : 'main'}`, () => compare(result, spec.table, r.ref, spec.key));
  }

  // spot checks of what the comparisons above rely on
  const byName = (name: string): JavaTable => java[requests.findIndex((r) => r.name === name && r.ref === undefined)] as JavaTable;
  assert.equal(byName('plain').rows.length, 3);
  const evolvedSchema = byName('evolved').schema.fields.map((f) => [f.name, f.type]);
  assert.deepEqual(evolvedSchema, [['id', 'long'], ['ratio', 'double'], ['comment', 'string']]);
  assert.deepEqual(byName('upsert').rows.map((r) => [r.k, r.n]).sort(), [['a', 1], ['b', 3], ['c', 1], ['d', 2]]);
  assert.equal(byName('upsert').snapshots.at(-1)?.operation, 'overwrite');
  assert.equal(byName('compacted').files.length, 1);
  assert.equal(byName('compacted').snapshots.at(-1)?.operation, 'replace');
  const parted = byName('parted');
  assert.deepEqual(parted.spec.fields.map((f) => [f.name, f.transform]), [['ts_day', 'day'], ['id_bucket', 'bucket[8]'], ['name_trunc', 'truncate[2]'], ['region', 'identity']]);
  const partedTable = tables.parted?.table;
  assert.ok(partedTable);
  const engineParted: DataFileInfo[] = await partedTable.dataFiles(partedTable.resolve()?.snapshotId ?? 0n);
  for (const jf of parted.files) {
    const ef: DataFileInfo | undefined = engineParted.find((f) => f.uri === jf.path);
    assert.ok(ef);
    const p: Record<string, unknown> = ef.partition;
    // Java's partition tuples hold the internal form too: day → days since epoch
    assert.deepEqual(jf.partition, [p.ts_day, p.id_bucket, p.name_trunc, p.region]);
  }
  const hourlyFiles = byName('hourly').files.map((f) => f.partition).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(hourlyFiles, [[-1, -1], [490896, 20454], [490897, 20454]], 'hours and days since the epoch, negative before it');
  const sortedJava = byName('sorted');
  assert.deepEqual(sortedJava.sortOrder, {
    'order-id': 2,
    fields: [
      { transform: 'truncate[2]', 'source-id': 3, direction: 'asc', 'null-order': 'nulls-first' },
      { transform: 'identity', 'source-id': 1, direction: 'asc', 'null-order': 'nulls-first' },
    ],
  });
  assert.deepEqual(sortedJava.files.map((f) => f.sortOrderId), [2, 2, 2], 'compaction re-sorted every file (each one alone: target 1 byte) in order 2');
  assert.equal(byName('plain').sortOrder['order-id'], 0);
  assert.ok(byName('plain').files.every((f) => f.sortOrderId === null));
  assert.deepEqual(byName('refs').refs.v1, { type: 'tag', snapshotId: tables.refs?.table.resolve({ tag: 'v1' })?.snapshotId });
});
