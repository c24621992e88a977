// The lake's reading API seen as a TableSource: resolves a version selector to a snapshot, picks the
// schema Iceberg readers use for it, and lists its files with what pruning needs.
import { readdir } from 'node:fs/promises';
import { EngineError, type ErrorPayload } from '../../errors.ts';
import { checkTableName, type LakeTable, type SnapshotInfo } from '../index.ts';
import { currentVersion } from '../table/store.ts';
import { isSnapshotIdText } from '../format/ids.ts';
import type { SnapshotView, TableSource, VersionSelector, ViewFile } from './types.ts';

/** The part of the lake API this adapter reads. */
export interface LakeReader {
  readonly dir: string;
  tablePath(name: string): string;
  tables(): Promise<{ name: string; error?: ErrorPayload }[]>;
  table(name: string): Promise<LakeTable>;
}

const fileListsKept = 64;

interface Resolved {
  snapshot: SnapshotInfo | null;
  /** Branch heads read with the table's current schema, fixed points in time with their own (as Iceberg does). */
  currentSchema: boolean;
}

function resolveRef(table: LakeTable, ref: string): Resolved {
  // exact 64-bit comparison: Number(ref) would round ids above 2^53 onto their neighbours
  if (isSnapshotIdText(ref) && table.snapshots().some((s) => s.snapshotId === BigInt(ref))) {
    return { snapshot: table.resolve({ snapshotId: BigInt(ref) }), currentSchema: false };
  }
  if (ref === 'main') return { snapshot: table.resolve(), currentSchema: true };
  const named = table.refs().find((r) => r.name === ref);
  if (named?.type === 'tag') return { snapshot: table.resolve({ tag: ref }), currentSchema: false };
  if (named?.type === 'branch') return { snapshot: table.resolve({ branch: ref }), currentSchema: true };
  const names = table.refs().map((r) => `${r.name} (${r.type})`);
  throw new EngineError(
    'ENG_LAKE_REF',
    `${table.name}: no snapshot, tag or branch "${ref}"` + (names.length ? `; refs: ${names.join(', ')}` : '; the table has no tags or branches'),
    { table: table.name, ref },
  );
}

function resolve(table: LakeTable, version: VersionSelector | undefined): Resolved {
  if (version === undefined) return { snapshot: table.resolve(), currentSchema: true };
  if ('ref' in version) return resolveRef(table, version.ref);
  if ('snapshot' in version) return { snapshot: table.resolve({ snapshotId: version.snapshot }), currentSchema: false };
  if ('tag' in version) return { snapshot: table.resolve({ tag: version.tag }), currentSchema: false };
  if ('branch' in version) return { snapshot: table.resolve({ branch: version.branch }), currentSchema: true };
  return { snapshot: table.resolve({ asOf: version.asOf }), currentSchema: false };
}

async function filesOf(table: LakeTable, snapshotId: bigint): Promise<ViewFile[]> {
  const specs = new Map(table.metadata()['partition-specs'].map((spec) => [spec['spec-id'], spec]));
  return (await table.dataFiles(snapshotId)).map((file) => {
    const identityPartition: Record<number, unknown> = {};
    for (const field of specs.get(file.specId)?.fields ?? []) {
      if (field.transform === 'identity') identityPartition[field['source-id']] = file.partition[field.name];
    }
    return {
      path: file.path,
      uri: file.uri,
      sequenceNumber: file.sequenceNumber,
      specId: file.specId,
      partitionKey: file.partitionKey,
      recordCount: file.recordCount,
      identityPartition,
      lowerBounds: file.lowerBounds,
      upperBounds: file.upperBounds,
    };
  });
}

/** Folder names that could be tables; whether they are is found out when a query uses one. */
async function tableNames(lake: LakeReader): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(lake.dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => {
      if (!entry.isDirectory()) return false;
      try {
        checkTableName(entry.name);
        return true;
      } catch {
        return false;
      }
    })
    .map((entry) => entry.name)
    .sort();
}

/**
 * `lake` as a TableSource. Opened tables are kept and reused while their metadata version is unchanged
 * (one small hint-file read instead of parsing the metadata JSON, which grows with the history). For a
 * query, table names come from the folder listing alone: a broken table fails when a query uses it,
 * with the lake's error naming the file, and never stops queries on the others.
 */
export function lakeSource(lake: LakeReader): TableSource {
  const open = new Map<string, LakeTable>();
  // A snapshot's file list never changes (Iceberg never rewrites a snapshot), so it is read from the
  // manifests once; the most recently used lists are kept.
  const files = new Map<string, ViewFile[]>();

  async function filesFor(table: LakeTable, snapshotId: bigint): Promise<ViewFile[]> {
    const key = `${table.dir}\u0000${snapshotId}`;
    const hit = files.get(key);
    if (hit) {
      files.delete(key);
      files.set(key, hit);
      return hit;
    }
    const list = await filesOf(table, snapshotId);
    files.set(key, list);
    if (files.size > fileListsKept) files.delete(files.keys().next().value!);
    return list;
  }

  async function tableFor(name: string): Promise<LakeTable> {
    const cached = open.get(name);
    if (cached && (await currentVersion(lake.tablePath(name))) === cached.version()) return cached;
    open.delete(name);
    const fresh = await lake.table(name);
    open.set(name, fresh);
    return fresh;
  }

  return {
    tables: () => lake.tables(),
    names: () => tableNames(lake),
    async view(name: string, version?: VersionSelector): Promise<SnapshotView> {
      const table = await tableFor(name);
      const { snapshot, currentSchema } = resolve(table, version);
      const refs = table.refs().map((ref) => ref.name);
      if (!snapshot) return { table: name, snapshotId: null, fields: table.schema().fields, files: [], refs };
      const schema = currentSchema || snapshot.schemaId === null ? table.schema() : table.schema(snapshot.schemaId);
      const deletes = await table.deleteFiles(snapshot.snapshotId);
      return { table: name, snapshotId: snapshot.snapshotId, fields: schema.fields, files: await filesFor(table, snapshot.snapshotId), refs, ...(deletes.length ? { deletes } : {}) };
    },
  };
}
