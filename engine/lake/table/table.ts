// One Iceberg table on local disk: reading its history and files, and every change to it (appends,
// schema changes, refs, maintenance). Each change is one atomic commit (see store.ts / commit.ts).
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../errors.ts';
import { systemClock, type Clock } from '../../runtime/clock.ts';
import { fromIdMap } from '../format/avro.ts';
import {
  UNSORTED_ORDER_ID,
  UNPARTITIONED_LAST_PARTITION_ID,
  DELETE_AFTER_COMMIT,
  METADATA_LOG_MAX,
  PREVIOUS_VERSIONS_MAX,
  type NestedField,
  type PartitionSpec,
  type PrimitiveType,
  type SchemaJson,
  type Snapshot,
  type SnapshotId,
  type StructType,
  type TableMetadata,
} from '../format/metadata.ts';
import { decodeValue, isPrimitive } from '../format/values.ts';
import { branchHead, commitMetadata, withSchema, type CommitOptions } from './commit.ts';
import { bindForRead, currentSchema, liveFiles, localPath, specById } from './manifests.ts';
import { bindSpec, fromAvroPartition, parsePartitionText, partitionFieldName } from './partition.ts';
import { findField, maxFieldId, schemaView, type IcebergSchema } from './schema.ts';
import { loadMetadata, publish, toUri, type CommitHooks, type Loaded } from './store.ts';
import { appendBatches, appendRows, type AppendOptions, type AppendResult } from './write.ts';
import { truncateBranch, type TruncateOptions, type TruncateResult } from './truncate.ts';
import { compact, expireSnapshots, removeOrphans, type CompactOptions, type ExpireOptions, type OrphanOptions, type Progress } from './maintenance.ts';
import { access } from 'node:fs/promises';
import { withPartitionSpec } from './spec-evolution.ts';
import { liveDeleteFiles, partitionKeyOf, type DeleteFileInfo } from './deletes.ts';
import { listPending, reservationOf, reservePending, type PendingReservation } from './pending.ts';
import { diffSnapshots, type RowDiff } from './diff.ts';
import { bindSortTexts, defaultSortOrder, sortOrderTexts, withSortOrder } from './sort.ts';

export interface SnapshotInfo {
  snapshotId: SnapshotId;
  parentId: SnapshotId | null;
  sequenceNumber: number;
  timestampMs: number;
  operation: string;
  summary: Record<string, string>;
  schemaId: number | null;
  manifestList: string;
}

export interface RefInfo {
  name: string;
  type: 'branch' | 'tag';
  snapshotId: SnapshotId;
}

export type SnapshotRef = { snapshotId: SnapshotId } | { tag: string } | { branch: string } | { asOf: number };

export interface DataFileInfo {
  /** Absolute local path of the Parquet file. */
  path: string;
  uri: string;
  recordCount: number;
  fileSizeBytes: number;
  specId: number;
  /**
   * Partition tuple by partition field name, in Iceberg's internal form: day → days since epoch,
   * hour → hours since epoch, bucket → bucket number, identity/truncate → the source value
   * (timestamps as µs since epoch, dates as days, decimals as unscaled bigint).
   */
  partition: Record<string, unknown>;
  /** Bounds by field id, same internal form as `partition`. */
  lowerBounds: Record<number, unknown>;
  upperBounds: Record<number, unknown>;
  nullCounts: Record<number, number>;
  valueCounts: Record<number, number>;
  nanCounts: Record<number, number>;
  /** Snapshot that added this file. */
  snapshotId: SnapshotId;
  sequenceNumber: number;
  /** The sort order the file was written in (manifest sort_order_id); null when unsorted or unknown. */
  sortOrderId: number | null;
  /** The partition tuple as comparable text (delete files apply per partition). */
  partitionKey: string;
}

/** A sort order as the API shows it: its id and texts like "customer_id asc nulls first" (none: unsorted). */
export interface SortOrderInfo {
  orderId: number;
  fields: string[];
}

export interface CreateTableOptions {
  /** Columns (ids are assigned here). */
  fields: Omit<NestedField, 'id'>[] | NestedField[];
  /** Partition texts: `region`, `day(ts)`, `bucket(16, id)`, `truncate(4, s)`. */
  partitionBy?: string[];
  /**
   * Sort texts the data files are written in: `customer_id`, `ts desc`, `amount desc nulls last`, `day(ts)`,
   * `truncate(4, s)` (asc puts nulls first and desc last unless told). Default: unsorted.
   */
  sortBy?: string[];
  properties?: Record<string, string>;
  clock?: Clock;
}

function snapshotInfo(s: Snapshot): SnapshotInfo {
  const { operation, ...rest } = s.summary;
  return {
    snapshotId: s['snapshot-id'],
    parentId: s['parent-snapshot-id'] ?? null,
    sequenceNumber: s['sequence-number'],
    timestampMs: s['timestamp-ms'],
    operation,
    summary: { operation, ...rest },
    schemaId: s['schema-id'] ?? null,
    manifestList: s['manifest-list'],
  };
}

export class LakeTable {
  readonly name: string;
  readonly dir: string;
  private loaded: Loaded;
  private snapshotCache: SnapshotInfo[] | null = null;
  private byId: Map<SnapshotId, Snapshot> | null = null;
  clock: Clock;
  hooks: CommitHooks | undefined;

  private constructor(name: string, dir: string, loaded: Loaded, clock: Clock) {
    this.name = name;
    this.dir = dir;
    this.loaded = loaded;
    this.clock = clock;
  }

  static async open(dir: string, options: { name?: string; clock?: Clock } = {}): Promise<LakeTable> {
    const loaded = await loadMetadata(dir);
    return new LakeTable(options.name ?? path.basename(dir), dir, loaded, options.clock ?? systemClock);
  }

  /** Creates the table if it does not exist (a concurrent creator wins quietly) and opens it. */
  static async create(dir: string, options: CreateTableOptions): Promise<LakeTable> {
    const clock = options.clock ?? systemClock;
    let nextId = 0;
    const withIds = assignIds(options.fields as NestedField[], () => ++nextId);
    const struct: StructType = { type: 'struct', fields: withIds };
    const fields = (options.partitionBy ?? []).map((text, i) => {
      const { column, transform } = parsePartitionText(text);
      const source = struct.fields.find((f) => f.name === column);
      if (!source) throw new EngineError('ENG_LAKE_SCHEMA', `partition "${text}": column "${column}" is not in the table schema`);
      return { 'source-id': source.id, 'field-id': 1000 + i, name: partitionFieldName(column, transform), transform };
    });
    const spec: PartitionSpec = { 'spec-id': 0, fields };
    bindSpec(spec, struct); // fails early on a transform that does not fit its column type
    const sortFields = bindSortTexts(options.sortBy ?? [], struct, path.basename(dir));
    const now = clock.now();
    const metadata: TableMetadata = {
      'format-version': 2,
      'table-uuid': randomUUID(),
      location: toUri(path.resolve(dir)),
      'last-sequence-number': 0,
      'last-updated-ms': now,
      'last-column-id': maxFieldId([struct]),
      schemas: [{ type: 'struct', 'schema-id': 0, fields: withIds }],
      'current-schema-id': 0,
      'partition-specs': [spec],
      'default-spec-id': 0,
      'last-partition-id': fields.length ? 999 + fields.length : UNPARTITIONED_LAST_PARTITION_ID,
      'sort-orders': [{ 'order-id': UNSORTED_ORDER_ID, fields: [] }, ...(sortFields.length ? [{ 'order-id': 1, fields: sortFields }] : [])],
      'default-sort-order-id': sortFields.length ? 1 : UNSORTED_ORDER_ID,
      // Old metadata versions are deleted after each commit (standard Iceberg keys, so Java writers do the
      // same): every version holds the whole snapshot history, so keeping them all grows without bound.
      properties: { 'write.format.default': 'parquet', [DELETE_AFTER_COMMIT]: 'true', [PREVIOUS_VERSIONS_MAX]: String(METADATA_LOG_MAX), ...(options.properties ?? {}) },
      snapshots: [],
      'snapshot-log': [],
      'metadata-log': [],
      refs: {},
    };
    await mkdir(path.join(dir, 'metadata'), { recursive: true });
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await publish(dir, 0, metadata);
    return LakeTable.open(dir, { clock });
  }

  private options(): CommitOptions {
    return { clock: this.clock, hooks: this.hooks };
  }

  private set(loaded: Loaded): void {
    this.loaded = loaded;
    this.snapshotCache = null;
    this.byId = null;
  }

  /** Re-reads the newest metadata version. */
  async refresh(): Promise<this> {
    this.set(await loadMetadata(this.dir));
    return this;
  }

  version(): number {
    return this.loaded.version;
  }

  metadataFile(): string {
    return this.loaded.file;
  }

  metadata(): TableMetadata {
    return this.loaded.metadata;
  }

  schema(schemaId?: number): IcebergSchema {
    const m = this.loaded.metadata;
    const id = schemaId ?? m['current-schema-id'];
    const s = m.schemas.find((x) => x['schema-id'] === id);
    if (!s) throw new EngineError('ENG_LAKE_REF', `${this.name}: no schema with id ${id}`);
    return schemaView(s);
  }

  /** The schema a snapshot was written with (falls back to the current one). */
  schemaFor(snapshotId: SnapshotId): IcebergSchema {
    const s = this.snapshotById(snapshotId);
    return this.schema(s['schema-id'] ?? undefined);
  }

  schemaHistory(): IcebergSchema[] {
    return this.loaded.metadata.schemas.map(schemaView);
  }

  partitionSpec(): PartitionSpec {
    return specById(this.loaded.metadata, this.loaded.metadata['default-spec-id']);
  }

  /** The default sort order new data files are written in. */
  sortOrder(): SortOrderInfo {
    const order = defaultSortOrder(this.loaded.metadata);
    return { orderId: order['order-id'], fields: sortOrderTexts(order, currentSchema(this.loaded.metadata)) };
  }

  snapshots(): SnapshotInfo[] {
    this.snapshotCache ??= this.loaded.metadata.snapshots.map(snapshotInfo);
    return this.snapshotCache;
  }

  refs(): RefInfo[] {
    return Object.entries(this.loaded.metadata.refs).map(([name, r]) => ({ name, type: r.type, snapshotId: r['snapshot-id'] }));
  }

  private snapshotById(id: SnapshotId): Snapshot {
    this.byId ??= new Map(this.loaded.metadata.snapshots.map((s) => [s['snapshot-id'], s]));
    const s = this.byId.get(id);
    if (!s) throw new EngineError('ENG_LAKE_REF', `${this.name}: no snapshot ${id}`, { table: this.name, snapshotId: String(id) });
    return s;
  }

  /** The snapshot a ref points at; undefined = main. Null when the ref is main of a table with no data yet. */
  resolve(ref?: SnapshotRef): SnapshotInfo | null {
    const m = this.loaded.metadata;
    if (ref === undefined) return m['current-snapshot-id'] === undefined ? null : snapshotInfo(this.snapshotById(m['current-snapshot-id']));
    if ('snapshotId' in ref) return snapshotInfo(this.snapshotById(ref.snapshotId));
    if ('tag' in ref || 'branch' in ref) {
      const name = 'tag' in ref ? ref.tag : ref.branch;
      const kind = 'tag' in ref ? 'tag' : 'branch';
      const r = m.refs[name];
      if (!r || r.type !== kind) {
        if (kind === 'branch' && name === 'main') return this.resolve();
        throw new EngineError('ENG_LAKE_REF', `${this.name}: no ${kind} "${name}"`, { table: this.name, [kind]: name });
      }
      return snapshotInfo(this.snapshotById(r['snapshot-id']));
    }
    // as of a time: the snapshot that was main's current then (snapshot-log keeps that history)
    let found: SnapshotId | null = null;
    for (const entry of m['snapshot-log']) if (entry['timestamp-ms'] <= ref.asOf) found = entry['snapshot-id'];
    if (found === null) throw new EngineError('ENG_LAKE_REF', `${this.name}: no snapshot at or before ${new Date(ref.asOf).toISOString()}`, { table: this.name, asOf: ref.asOf });
    return snapshotInfo(this.snapshotById(found));
  }

  /** Rows and files added and removed going from snapshot `from` to `to` (exact, see diff.ts). */
  diff(from: SnapshotId, to: SnapshotId): Promise<RowDiff> {
    return diffSnapshots(this, from, to);
  }

  /** Live data files of a snapshot; fails naming the file when a manifest or data file is missing. */
  async dataFiles(snapshotId: SnapshotId): Promise<DataFileInfo[]> {
    const m = this.loaded.metadata;
    const snapshot = this.snapshotById(snapshotId);
    const entries = await liveFiles({ tableDir: this.dir, metadata: m }, snapshot);
    const specs = new Map<number, ReturnType<typeof bindForRead>>();
    const schemas = [...m.schemas].reverse();
    const typeOf = (id: number): PrimitiveType | null => {
      for (const s of schemas) {
        const f = findField(s, id);
        if (f) return isPrimitive(f.type) ? f.type : null;
      }
      return null;
    };
    const decode = (list: Parameters<typeof fromIdMap<Buffer>>[0]): Record<number, unknown> => {
      const out: Record<number, unknown> = {};
      for (const [id, bytes] of fromIdMap(list)) {
        const type = typeOf(id);
        if (type) out[id] = decodeValue(type, bytes);
      }
      return out;
    };
    const out = entries.map((e) => {
      let bound = specs.get(e.specId);
      if (!bound) specs.set(e.specId, (bound = bindForRead(m, specById(m, e.specId))));
      return {
        path: localPath({ tableDir: this.dir, metadata: m }, e.record.file_path),
        uri: e.record.file_path,
        recordCount: e.record.record_count,
        fileSizeBytes: e.record.file_size_in_bytes,
        specId: e.specId,
        partition: fromAvroPartition(bound, e.record.partition),
        lowerBounds: decode(e.record.lower_bounds),
        upperBounds: decode(e.record.upper_bounds),
        nullCounts: Object.fromEntries(fromIdMap(e.record.null_value_counts)),
        valueCounts: Object.fromEntries(fromIdMap(e.record.value_counts)),
        nanCounts: Object.fromEntries(fromIdMap(e.record.nan_value_counts)),
        snapshotId: e.snapshotId,
        sequenceNumber: e.sequenceNumber,
        sortOrderId: e.record.sort_order_id ?? null,
        partitionKey: partitionKeyOf(e.record.partition),
      };
    });
    await Promise.all(
      out.map(async (f) => {
        try {
          await access(f.path);
        } catch {
          throw new EngineError('ENG_LAKE_MISSING_FILE', `${this.name}: data file ${f.path} is referenced by snapshot ${snapshotId} but missing`, { table: this.name, file: f.path });
        }
      }),
    );
    return out;
  }

  /** Live delete files (format-v2 merge-on-read deletes other engines wrote) of a snapshot. */
  async deleteFiles(snapshotId: SnapshotId): Promise<DeleteFileInfo[]> {
    return liveDeleteFiles({ tableDir: this.dir, metadata: this.loaded.metadata }, this.snapshotById(snapshotId));
  }

  // ---- writes ----

  async append(rows: readonly Record<string, unknown>[], options: Omit<AppendOptions, 'clock' | 'hooks'> = {}): Promise<AppendResult> {
    const result = await appendRows(this.dir, rows, { ...this.options(), ...options });
    await this.refresh();
    return result;
  }

  /** Several batches as consecutive snapshots in one metadata version (bulk loads, benchmarks). */
  async appendBatches(batches: readonly (readonly Record<string, unknown>[])[], options: Omit<AppendOptions, 'clock' | 'hooks'> = {}): Promise<AppendResult[]> {
    const results = await appendBatches(this.dir, batches, { ...this.options(), ...options });
    await this.refresh();
    return results;
  }

  /** Removes every row of a branch in one `delete` snapshot; earlier snapshots keep theirs (see truncate.ts). */
  async truncate(options: Omit<TruncateOptions, 'clock' | 'hooks'> = {}): Promise<TruncateResult> {
    const result = await truncateBranch(this.dir, { ...this.options(), ...options });
    await this.refresh();
    return result;
  }

  private async commit(mutate: (m: TableMetadata) => TableMetadata | null): Promise<void> {
    this.set(await commitMetadata(this.dir, (base) => mutate(base.metadata), this.options()));
  }

  async renameColumn(from: string, to: string): Promise<void> {
    await this.commit((m) => {
      const s = currentSchema(m);
      if (!s.fields.some((f) => f.name === from)) throw new EngineError('ENG_LAKE_SCHEMA', `${this.name}: no column "${from}"`);
      if (s.fields.some((f) => f.name === to)) throw new EngineError('ENG_LAKE_SCHEMA', `${this.name}: column "${to}" already exists`);
      return withSchema(m, { type: 'struct', fields: s.fields.map((f) => (f.name === from ? { ...f, name: to } : f)) });
    });
  }

  async dropColumn(name: string): Promise<void> {
    await this.commit((m) => {
      const s = currentSchema(m);
      const field = s.fields.find((f) => f.name === name);
      if (!field) throw new EngineError('ENG_LAKE_SCHEMA', `${this.name}: no column "${name}"`);
      if (specById(m, m['default-spec-id']).fields.some((p) => p['source-id'] === field.id)) {
        throw new EngineError('ENG_LAKE_SCHEMA', `${this.name}: column "${name}" is a partition source and cannot be dropped`);
      }
      if (defaultSortOrder(m).fields.some((f) => f['source-id'] === field.id)) {
        throw new EngineError('ENG_LAKE_SCHEMA', `${this.name}: column "${name}" is in the sort order; change the sort order first`);
      }
      return withSchema(m, { type: 'struct', fields: s.fields.filter((f) => f.name !== name) });
    });
  }

  /**
   * Makes `sortBy` (texts as in createTable; empty: unsorted) the order new data files are written in.
   * Metadata only, like Iceberg's ReplaceSortOrder: no snapshot, existing files keep their order until a
   * compaction rewrites them. An equal order already in the table is reused by id.
   */
  async replaceSortOrder(sortBy: readonly string[]): Promise<void> {
    await this.commit((m) => withSortOrder(m, bindSortTexts(sortBy, currentSchema(m), this.name)));
  }

  /**
   * Partition evolution: new files use a spec of `partitionBy` texts (`region`, `day(ts)`, `bucket(16, id)`;
   * none: unpartitioned); old specs and the files written with them stay as they are (spec-evolution.ts).
   */
  async replacePartitionSpec(partitionBy: readonly string[]): Promise<void> {
    await this.commit((m) => {
      const next = withPartitionSpec(m, partitionBy, this.name);
      return next === m ? null : next;
    });
  }

  /** Every partition spec the table has had, oldest first. */
  partitionSpecs(): PartitionSpec[] {
    return this.loaded.metadata['partition-specs'];
  }

  async createTag(name: string, snapshotId?: SnapshotId): Promise<void> {
    await this.commit((m) => {
      if (m.refs[name]) throw new EngineError('ENG_LAKE_REF', `${this.name}: ref "${name}" already exists`);
      const id = snapshotId ?? m['current-snapshot-id'];
      if (id === undefined) throw new EngineError('ENG_LAKE_REF', `${this.name}: the table has no snapshot to tag`);
      this.requireSnapshot(m, id);
      return { ...m, refs: { ...m.refs, [name]: { 'snapshot-id': id, type: 'tag' } } };
    });
  }

  async deleteTag(name: string): Promise<void> {
    await this.commit((m) => {
      if (m.refs[name]?.type !== 'tag') throw new EngineError('ENG_LAKE_REF', `${this.name}: no tag "${name}"`);
      const refs = { ...m.refs };
      delete refs[name];
      return { ...m, refs };
    });
  }

  async createBranch(name: string, snapshotId?: SnapshotId): Promise<void> {
    await this.commit((m) => {
      if (m.refs[name]) throw new EngineError('ENG_LAKE_REF', `${this.name}: ref "${name}" already exists`);
      const id = snapshotId ?? m['current-snapshot-id'];
      if (id === undefined) throw new EngineError('ENG_LAKE_REF', `${this.name}: the table has no snapshot to branch from`);
      this.requireSnapshot(m, id);
      return { ...m, refs: { ...m.refs, [name]: { 'snapshot-id': id, type: 'branch' } } };
    });
  }

  async deleteBranch(name: string): Promise<void> {
    await this.commit((m) => {
      if (name === 'main' || m.refs[name]?.type !== 'branch') throw new EngineError('ENG_LAKE_REF', `${this.name}: no deletable branch "${name}"`);
      const refs = { ...m.refs };
      delete refs[name];
      return { ...m, refs };
    });
  }

  /** Moves branch `target` to the head of `source`; only when target's head is an ancestor of it. */
  async fastForward(target: string, source: string): Promise<void> {
    await this.commit((m) => {
      const to = m.refs[source];
      if (!to) throw new EngineError('ENG_LAKE_REF', `${this.name}: no ref "${source}"`);
      const from = branchHead(m, target);
      if (target !== 'main' && m.refs[target]?.type !== 'branch') throw new EngineError('ENG_LAKE_REF', `${this.name}: no branch "${target}"`);
      if (from && !this.isAncestor(m, from['snapshot-id'], to['snapshot-id'])) {
        throw new EngineError('ENG_LAKE_REF', `${this.name}: cannot fast-forward "${target}" to "${source}": ${target} has commits that ${source} does not`);
      }
      return moveBranch(m, target, to['snapshot-id'], this.clock.now());
    });
  }

  /** Points main back at an older snapshot of its own history. */
  async rollback(snapshotId: SnapshotId): Promise<void> {
    await this.commit((m) => {
      this.requireSnapshot(m, snapshotId);
      const current = m['current-snapshot-id'];
      if (current === undefined || !this.isAncestor(m, snapshotId, current)) {
        throw new EngineError('ENG_LAKE_REF', `${this.name}: snapshot ${snapshotId} is not an ancestor of main's current snapshot`);
      }
      return moveBranch(m, 'main', snapshotId, this.clock.now());
    });
  }

  private requireSnapshot(m: TableMetadata, id: SnapshotId): void {
    if (!m.snapshots.some((s) => s['snapshot-id'] === id)) throw new EngineError('ENG_LAKE_REF', `${this.name}: no snapshot ${id}`);
  }

  private isAncestor(m: TableMetadata, ancestor: SnapshotId, of: SnapshotId): boolean {
    const byId = new Map(m.snapshots.map((s) => [s['snapshot-id'], s]));
    let at: SnapshotId | undefined = of;
    while (at !== undefined) {
      if (at === ancestor) return true;
      at = byId.get(at)?.['parent-snapshot-id'];
    }
    return false;
  }

  // ---- maintenance ----

  async compact(options: CompactOptions = {}, onProgress?: Progress): Promise<{ filesRewritten: number; filesWritten: number; snapshotId: SnapshotId | null }> {
    const result = await compact(this.dir, options, onProgress, this.options());
    await this.refresh();
    return result;
  }

  async expireSnapshots(options: ExpireOptions, onProgress?: Progress): Promise<{ expired: number; filesDeleted: number }> {
    const result = await expireSnapshots(this.dir, options, onProgress, this.options());
    await this.refresh();
    return result;
  }

  async removeOrphans(options: OrphanOptions = {}, onProgress?: Progress): Promise<{ removed: string[]; protectedByPending: number; staleMarkers: number }> {
    return removeOrphans(this.dir, options, onProgress, this.options());
  }

  /**
   * Marks files as pending for a writer that publishes them later, possibly after a restart (see
   * pending.ts and the README): orphan removal leaves the named files, and any file written after this
   * call, alone until `release()`. Call before writing the files; release after the commit that
   * references them (or after giving them up). `owner` lets a restarted writer find its marker again.
   */
  reservePending(paths: readonly string[] = [], owner = ''): Promise<PendingReservation> {
    return reservePending(this.dir, { kind: 'reservation', owner, paths });
  }

  /** The table's live pending markers (reservations and commits in flight), e.g. to resume one after a restart. */
  async pendingReservations(): Promise<{ owner: string; paths: string[]; sinceMs: number; reservation: PendingReservation }[]> {
    const { live } = await listPending(this.dir, this.clock.now());
    return live.filter((m) => m.kind === 'reservation').map((m) => ({ owner: m.owner, paths: m.paths, sinceMs: m.sinceMs, reservation: reservationOf(this.dir, m) }));
  }
}

function moveBranch(m: TableMetadata, branch: string, snapshotId: SnapshotId, now: number): TableMetadata {
  const refs = { ...m.refs, [branch]: { ...(m.refs[branch] ?? {}), 'snapshot-id': snapshotId, type: 'branch' as const } };
  if (branch !== 'main') return { ...m, refs };
  const ts = Math.max(now, m['last-updated-ms']);
  return {
    ...m,
    refs,
    'current-snapshot-id': snapshotId,
    'last-updated-ms': ts,
    'snapshot-log': [...m['snapshot-log'], { 'timestamp-ms': ts, 'snapshot-id': snapshotId }],
  };
}

function assignIds(fields: readonly NestedField[], next: () => number): NestedField[] {
  return fields.map((f) => ({ id: next(), name: f.name, required: f.required ?? false, type: assignTypeIds(f.type, next) }));
}

function assignTypeIds(type: NestedField['type'], next: () => number): NestedField['type'] {
  if (isPrimitive(type)) return type;
  if (type.type === 'struct') return { type: 'struct', fields: assignIds(type.fields, next) };
  if (type.type === 'list') return { ...type, 'element-id': next(), element: assignTypeIds(type.element, next) };
  return { ...type, 'key-id': next(), key: assignTypeIds(type.key, next), 'value-id': next(), value: assignTypeIds(type.value, next) };
}

export type { SchemaJson };
