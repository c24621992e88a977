// Turning a change (files added and removed, maybe a new schema) into a new snapshot and publishing it.
// A conflict (another writer published the version first) re-reads the table and calls `build` again on
// the new base, so the change is re-applied rather than the other writer's work overwritten.
import { newSnapshotId, type SnapshotId } from '../format/ids.ts';
import { EngineError } from '../../errors.ts';
import { ENTRY_ADDED, ENTRY_DELETED, ENTRY_EXISTING, type DataFileRecord, type ManifestFile } from '../format/avro.ts';
import { deleteAfterCommit, previousVersionsMax, type SchemaJson, type Snapshot, type SnapshotOperation, type StructType, type TableMetadata } from '../format/metadata.ts';
import type { Clock } from '../../runtime/clock.ts';
import { currentSchema, liveFiles, localPath, readManifest, snapshotManifests, writeManifest, writeManifestList, type DataFileEntry, type ManifestWrite, type TableFiles } from './manifests.ts';
import { deleteOldVersions, loadMetadata, publish, toLocalPath, toUri, versionFile, versionOf, type CommitHooks, type Loaded } from './store.ts';
import { maxFieldId } from './schema.ts';
import { withPending } from './pending.ts';

export const MAX_ATTEMPTS = 50;
/** Above this many manifests, a commit folds the old ones into one (Java's manifest merge does the same). */
export const MANIFEST_MERGE_AT = 100;

export interface CommitOptions {
  clock: Clock;
  hooks?: CommitHooks;
}

export { newSnapshotId };

/**
 * Publishes `mutate(base)` as the next version, retrying on conflicts. `mutate` may return null to skip.
 * Holds a pending marker meanwhile, so orphan removal leaves the files it writes alone (pending.ts).
 */
export function commitMetadata(
  tableDir: string,
  mutate: (base: Loaded) => Promise<TableMetadata | null> | TableMetadata | null,
  options: CommitOptions,
): Promise<Loaded> {
  return withPending(tableDir, 'commit', () => publishLoop(tableDir, mutate, options));
}

async function publishLoop(
  tableDir: string,
  mutate: (base: Loaded) => Promise<TableMetadata | null> | TableMetadata | null,
  options: CommitOptions,
): Promise<Loaded> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const base = await loadMetadata(tableDir);
    const next = await mutate(base);
    if (next === null) return base;
    const now = Math.max(options.clock.now(), base.metadata['last-updated-ms']);
    const log = [...base.metadata['metadata-log'], { 'timestamp-ms': base.metadata['last-updated-ms'], 'metadata-file': toUri(versionFile(tableDir, base.version)) }];
    const kept = log.slice(-previousVersionsMax(next.properties));
    const metadata: TableMetadata = { ...next, 'last-updated-ms': Math.max(next['last-updated-ms'], now), 'metadata-log': kept };
    if (await publish(tableDir, base.version, metadata, options.hooks)) {
      if (deleteAfterCommit(metadata.properties)) await pruneMetadataLog(tableDir, base.metadata.location, log.slice(0, log.length - kept.length), kept, base.version + 1);
      return { version: base.version + 1, metadata, file: versionFile(tableDir, base.version + 1) };
    }
  }
  throw new EngineError('ENG_LAKE_COMMIT_CONFLICT', `${tableDir}: gave up after ${MAX_ATTEMPTS} conflicting commits`, { file: tableDir });
}

/** Deletes the version files a commit dropped from `metadata-log`, never one it still lists nor the new current one. */
async function pruneMetadataLog(tableDir: string, location: string, dropped: TableMetadata['metadata-log'], kept: TableMetadata['metadata-log'], current: number): Promise<void> {
  const local = (entry: { 'metadata-file': string }): string => toLocalPath(entry['metadata-file'], location, tableDir);
  let oldestKept = current;
  for (const entry of kept) {
    const version = versionOf(tableDir, local(entry));
    // A log entry this layout did not write (another catalog's naming): delete nothing by number.
    if (version === null) return;
    oldestKept = Math.min(oldestKept, version);
  }
  await deleteOldVersions(tableDir, dropped.map(local), oldestKept);
}

export interface AddedFile {
  record: DataFileRecord;
  specId: number;
}

export interface Change {
  operation: SnapshotOperation;
  added: AddedFile[];
  /** Live files of the parent snapshot that this change removes. */
  deleted: DataFileEntry[];
  /** The table's new columns, when the change evolves the schema. */
  schema?: StructType;
  /** Extra summary keys (ours: streamlake.*). */
  summary?: Record<string, string>;
}

export interface BuildContext {
  base: Loaded;
  files: TableFiles;
  /** Head of the target branch (null for an empty table or a new branch of an empty main). */
  parent: Snapshot | null;
  /** The schema the change must be written against (the base's current schema). */
  schema: SchemaJson;
  attempt: number;
}

export function branchHead(metadata: TableMetadata, branch: string): Snapshot | null {
  const ref = metadata.refs[branch] ?? (branch === 'main' ? undefined : metadata.refs.main);
  if (ref && ref.type !== 'branch') throw new EngineError('ENG_LAKE_REF', `"${branch}" is a tag; commits go to branches`);
  if (!ref) return null;
  return metadata.snapshots.find((s) => s['snapshot-id'] === ref['snapshot-id']) ?? null;
}

/** Commits a change as a new snapshot on `branch`; `build` runs once per attempt against the newest base. */
export async function commitChange(
  tableDir: string,
  branch: string,
  build: (ctx: BuildContext) => Promise<Change | null>,
  options: CommitOptions,
): Promise<{ loaded: Loaded; snapshot: Snapshot | null }> {
  let attempt = 0;
  let made: Snapshot | null = null;
  const loaded = await commitMetadata(
    tableDir,
    async (base) => {
      const files: TableFiles = { tableDir, metadata: base.metadata };
      const parent = branchHead(base.metadata, branch);
      const change = await build({ base, files, parent, schema: currentSchema(base.metadata), attempt: attempt++ });
      if (!change) return null;
      const metadata = withSchema(base.metadata, change.schema);
      made = await makeSnapshot({ tableDir, metadata }, parent, change, options.clock);
      return withSnapshot(metadata, branch, made);
    },
    options,
  );
  return { loaded, snapshot: made };
}

/** Commits several changes as consecutive snapshots on `branch`, all published in one metadata version. */
export async function commitChanges(
  tableDir: string,
  branch: string,
  builds: readonly ((ctx: BuildContext) => Promise<Change | null>)[],
  options: CommitOptions,
): Promise<{ loaded: Loaded; snapshots: (Snapshot | null)[] }> {
  let attempt = 0;
  let made: (Snapshot | null)[] = [];
  const loaded = await commitMetadata(
    tableDir,
    async (base) => {
      made = [];
      let metadata = base.metadata;
      for (const build of builds) {
        const files: TableFiles = { tableDir, metadata };
        const parent = branchHead(metadata, branch);
        const change = await build({ base: { ...base, metadata }, files, parent, schema: currentSchema(metadata), attempt });
        if (!change) {
          made.push(null);
          continue;
        }
        metadata = withSchema(metadata, change.schema);
        const snapshot = await makeSnapshot({ tableDir, metadata }, parent, change, options.clock);
        made.push(snapshot);
        metadata = withSnapshot(metadata, branch, snapshot);
      }
      attempt++;
      return made.some((s) => s !== null) ? metadata : null;
    },
    options,
  );
  return { loaded, snapshots: made };
}

/** Adds the schema as a new version (or re-selects an identical existing one). */
export function withSchema(metadata: TableMetadata, struct: StructType | undefined): TableMetadata {
  if (!struct) return metadata;
  const key = JSON.stringify(struct.fields);
  const current = currentSchema(metadata);
  if (JSON.stringify(current.fields) === key) return metadata;
  const same = metadata.schemas.find((s) => JSON.stringify(s.fields) === key);
  if (same) return { ...metadata, 'current-schema-id': same['schema-id'] };
  const id = Math.max(...metadata.schemas.map((s) => s['schema-id'])) + 1;
  const schema: SchemaJson = { type: 'struct', 'schema-id': id, fields: struct.fields };
  return {
    ...metadata,
    schemas: [...metadata.schemas, schema],
    'current-schema-id': id,
    'last-column-id': Math.max(metadata['last-column-id'], maxFieldId([schema])),
  };
}

export function withSnapshot(metadata: TableMetadata, branch: string, snapshot: Snapshot): TableMetadata {
  const refs = { ...metadata.refs, [branch]: { ...(metadata.refs[branch] ?? {}), 'snapshot-id': snapshot['snapshot-id'], type: 'branch' as const } };
  const next: TableMetadata = {
    ...metadata,
    'last-sequence-number': snapshot['sequence-number'],
    'last-updated-ms': snapshot['timestamp-ms'],
    snapshots: [...metadata.snapshots, snapshot],
    refs,
  };
  if (branch === 'main') {
    next['current-snapshot-id'] = snapshot['snapshot-id'];
    next['snapshot-log'] = [...metadata['snapshot-log'], { 'timestamp-ms': snapshot['timestamp-ms'], 'snapshot-id': snapshot['snapshot-id'] }];
  }
  return next;
}

const counter = (summary: Record<string, string> | undefined, key: string): number | null => {
  const v = summary?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
};

async function makeSnapshot(files: TableFiles, parent: Snapshot | null, change: Change, clock: Clock): Promise<Snapshot> {
  const metadata = files.metadata;
  const snapshotId = newSnapshotId(new Set(metadata.snapshots.map((s) => s['snapshot-id'])));
  const sequenceNumber = metadata['last-sequence-number'] + 1;
  const schema = currentSchema(metadata);
  const manifests: ManifestFile[] = [];
  let created = 0;
  let kept = 0;

  // new files: one manifest per partition spec
  const bySpec = new Map<number, AddedFile[]>();
  for (const a of change.added) bySpec.set(a.specId, [...(bySpec.get(a.specId) ?? []), a]);
  for (const [specId, added] of bySpec) {
    const entries: ManifestWrite[] = added.map((a) => ({ status: ENTRY_ADDED, snapshotId: null, sequenceNumber: null, fileSequenceNumber: null, record: a.record }));
    manifests.push(await writeManifest(files, specId, schema, snapshotId, sequenceNumber, entries));
    created++;
  }

  // parent manifests: kept as they are unless they hold a removed file
  const deletedPaths = new Set(change.deleted.map((d) => d.record.file_path));
  const carried: ManifestFile[] = [];
  const rewrite: { m: ManifestFile; entries: ManifestWrite[] }[] = [];
  for (const m of parent ? await snapshotManifests(files, parent) : []) {
    const entries = await readManifest(localPath(files, m.manifest_path));
    const live = entries.filter((e) => e.status !== ENTRY_DELETED);
    if (!live.some((e) => deletedPaths.has(e.data_file.file_path))) {
      if (live.length > 0) carried.push(m);
      continue;
    }
    rewrite.push({ m, entries: live.map((e) => existingOrDeleted(m, e, deletedPaths, snapshotId)) });
  }
  const merge = carried.length + rewrite.length + manifests.length > MANIFEST_MERGE_AT;
  if (merge) {
    for (const m of carried) {
      if (m.content !== 0) {
        // delete manifests (other engines' merge-on-read deletes) are carried as they are, never merged into data ones
        manifests.push(m);
        kept++;
        continue;
      }
      const entries = await readManifest(localPath(files, m.manifest_path));
      rewrite.push({ m, entries: entries.filter((e) => e.status !== ENTRY_DELETED).map((e) => existingOrDeleted(m, e, deletedPaths, snapshotId)) });
    }
  } else {
    manifests.push(...carried);
    kept = carried.length;
  }
  const rewriteBySpec = new Map<number, ManifestWrite[]>();
  for (const { m, entries } of rewrite) rewriteBySpec.set(m.partition_spec_id, [...(rewriteBySpec.get(m.partition_spec_id) ?? []), ...entries]);
  for (const [specId, entries] of rewriteBySpec) {
    manifests.push(await writeManifest(files, specId, schema, snapshotId, sequenceNumber, entries));
    created++;
  }

  const addedRecords = sum(change.added.map((a) => a.record.record_count));
  const addedSize = sum(change.added.map((a) => a.record.file_size_in_bytes));
  const deletedRecords = sum(change.deleted.map((d) => d.record.record_count));
  const deletedSize = sum(change.deleted.map((d) => d.record.file_size_in_bytes));
  const partitions = new Set([...change.added.map((a) => partKey(a.specId, a.record)), ...change.deleted.map((d) => partKey(d.specId, d.record))]);
  const ps = parent?.summary;
  let totalFiles = counter(ps, 'total-data-files');
  let totalRecords = counter(ps, 'total-records');
  let totalSize = counter(ps, 'total-files-size');
  if (parent && (totalFiles === null || totalRecords === null || totalSize === null)) {
    // the parent was written by a tool that left totals out: count them
    const live = await liveFiles(files, parent);
    totalFiles = live.length;
    totalRecords = sum(live.map((f) => f.record.record_count));
    totalSize = sum(live.map((f) => f.record.file_size_in_bytes));
  }
  const summary: Record<string, string> = {};
  const put = (key: string, n: number, always = false): void => {
    if (always || n > 0) summary[key] = String(n);
  };
  put('added-data-files', change.added.length);
  put('deleted-data-files', change.deleted.length);
  put('added-records', addedRecords);
  put('deleted-records', deletedRecords);
  put('added-files-size', addedSize);
  put('removed-files-size', deletedSize);
  put('changed-partition-count', partitions.size, true);
  put('total-records', (totalRecords ?? 0) + addedRecords - deletedRecords, true);
  put('total-files-size', (totalSize ?? 0) + addedSize - deletedSize, true);
  put('total-data-files', (totalFiles ?? 0) + change.added.length - change.deleted.length, true);
  // delete files are only ever carried (other engines write them): their totals stay the parent's
  put('total-delete-files', counter(ps, 'total-delete-files') ?? 0, true);
  put('total-position-deletes', counter(ps, 'total-position-deletes') ?? 0, true);
  put('total-equality-deletes', counter(ps, 'total-equality-deletes') ?? 0, true);
  put('manifests-created', created, true);
  put('manifests-kept', kept, true);
  put('manifests-replaced', rewrite.length);

  const timestamp = Math.max(clock.now(), metadata['last-updated-ms']);
  const parentId = parent?.['snapshot-id'];
  const manifestList = await writeManifestList(files, snapshotId, parentId, sequenceNumber, manifests);
  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    ...(parentId === undefined ? {} : { 'parent-snapshot-id': parentId }),
    'sequence-number': sequenceNumber,
    'timestamp-ms': timestamp,
    'manifest-list': manifestList,
    summary: { operation: change.operation, ...summary, ...(change.summary ?? {}) },
    'schema-id': schema['schema-id'],
  };
  return snapshot;
}

function existingOrDeleted(m: ManifestFile, e: { status: number; snapshot_id: SnapshotId | null; sequence_number: number | null; file_sequence_number: number | null; data_file: DataFileRecord }, deleted: ReadonlySet<string>, snapshotId: SnapshotId): ManifestWrite {
  const inherit = e.status === ENTRY_ADDED;
  const seq = e.sequence_number ?? (inherit ? m.sequence_number : m.min_sequence_number);
  const fileSeq = e.file_sequence_number ?? (inherit ? m.sequence_number : m.min_sequence_number);
  if (deleted.has(e.data_file.file_path)) return { status: ENTRY_DELETED, snapshotId, sequenceNumber: seq, fileSequenceNumber: fileSeq, record: e.data_file };
  return { status: ENTRY_EXISTING, snapshotId: e.snapshot_id ?? m.added_snapshot_id, sequenceNumber: seq, fileSequenceNumber: fileSeq, record: e.data_file };
}

function partKey(specId: number, record: DataFileRecord): string {
  return `${specId}:${JSON.stringify(record.partition, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))}`;
}

function sum(values: readonly number[]): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}
