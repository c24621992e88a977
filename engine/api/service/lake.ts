// The lake explorer's side of the contract, over the lake library (engine/lake): tables, their schema
// history, partition spec, snapshots and refs, ref changes, snapshot diffs and maintenance with progress.
import { durationMs } from '../../format/duration.ts';
import { EngineError, toErrorPayload } from '../../errors.ts';
import { openLake } from '../../lake/index.ts';
import type { IcebergSchema, Lake, LakeTable, NestedField } from '../../lake/index.ts';
import type { IcebergType } from '../../lake/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type {
  LakeField, LakeRef, LakeSchema, LakeSnapshot, LakeTableDetail, LakeTableSummary, MaintenanceAction, MaintenanceOptions, MaintenanceResult, SchemaChange, SnapshotDiff, SnapshotIdText,
} from '../contract.ts';
import { parseSnapshotId, type SnapshotId } from '../../lake/format/ids.ts';
import type { EventHub } from './events.ts';

export class LakeExplorer {
  private readonly lake: Lake;
  private jobs = 0;

  constructor(lakeDir: string, private readonly clock: Clock, private readonly events: EventHub) {
    this.lake = openLake(lakeDir, { clock });
  }

  async tables(): Promise<LakeTableSummary[]> {
    const listed = await this.lake.tables();
    return Promise.all(listed.map(async (entry): Promise<LakeTableSummary> => {
      if (entry.error) return { name: entry.name, rows: null, snapshots: 0, currentSnapshotId: null, lastUpdatedMs: null, error: entry.error };
      try {
        const table = await this.lake.table(entry.name);
        const current = table.resolve();
        const total = current?.summary['total-records'];
        return {
          name: entry.name,
          rows: current === null ? 0 : total === undefined ? null : Number(total),
          snapshots: table.snapshots().length,
          currentSnapshotId: current === null ? null : String(current.snapshotId),
          lastUpdatedMs: table.metadata()['last-updated-ms'],
        };
      } catch (error) {
        // A table that broke between listing and opening is shown with its error; the others still list.
        return { name: entry.name, rows: null, snapshots: 0, currentSnapshotId: null, lastUpdatedMs: null, error: toErrorPayload(error, 'ENG_LAKE_METADATA') };
      }
    }));
  }

  async table(name: string): Promise<LakeTableDetail> {
    const table = await this.lake.table(name);
    const m = table.metadata();
    const current = table.schema();
    const main = mainHistory(table);
    return {
      name,
      location: m.location,
      formatVersion: m['format-version'],
      currentSnapshotId: idText(m['current-snapshot-id']),
      currentSchemaId: m['current-schema-id'],
      schema: schemaOf(current),
      schemas: table.schemaHistory().map(schemaOf),
      partitionSpec: specOf(table),
      sortOrder: table.sortOrder(),
      snapshots: table.snapshots().map((s): LakeSnapshot => ({
        snapshotId: String(s.snapshotId),
        parentId: idText(s.parentId),
        sequenceNumber: s.sequenceNumber,
        timestampMs: s.timestampMs,
        operation: s.operation,
        schemaId: s.schemaId,
        summary: { ...s.summary },
        onMain: main.has(s.snapshotId),
      })).sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.timestampMs - b.timestampMs),
      refs: refsOf(table),
      properties: { ...m.properties },
    };
  }

  async createTag(name: string, tag: string, snapshotId?: SnapshotIdText): Promise<LakeRef> {
    const table = await this.lake.table(name);
    await table.createTag(tag, snapshotId === undefined ? undefined : parseSnapshotId(snapshotId));
    return this.changed(name, tag);
  }

  async setPartitionSpec(name: string, partitionBy: string[]): Promise<LakeTableDetail['partitionSpec']> {
    const table = await this.lake.table(name);
    await table.replacePartitionSpec(partitionBy);
    this.events.emit({ type: 'lake.changed', table: name });
    return specOf(table);
  }

  async deleteTag(name: string, tag: string): Promise<void> {
    const table = await this.lake.table(name);
    await table.deleteTag(tag);
    this.events.emit({ type: 'lake.changed', table: name });
  }

  async deleteBranch(name: string, branch: string): Promise<void> {
    const table = await this.lake.table(name);
    await table.deleteBranch(branch);
    this.events.emit({ type: 'lake.changed', table: name });
  }

  async createBranch(name: string, branch: string, snapshotId?: SnapshotIdText): Promise<LakeRef> {
    const table = await this.lake.table(name);
    await table.createBranch(branch, snapshotId === undefined ? undefined : parseSnapshotId(snapshotId));
    return this.changed(name, branch);
  }

  async fastForward(name: string, branch: string, target = 'main'): Promise<LakeRef> {
    const table = await this.lake.table(name);
    await table.fastForward(target, branch);
    return this.changed(name, target);
  }

  async rollback(name: string, snapshotId: SnapshotIdText): Promise<LakeRef> {
    const table = await this.lake.table(name);
    await table.rollback(parseSnapshotId(snapshotId));
    return this.changed(name, 'main');
  }

  /** Exact row-level diff (engine/lake/table/diff.ts): a copy-on-write rewrite counts only the rows it changed. */
  async diff(name: string, from: SnapshotIdText, to: SnapshotIdText): Promise<SnapshotDiff> {
    const table = await this.lake.table(name);
    const [a, b] = [parseSnapshotId(from, 'from'), parseSnapshotId(to, 'to')];
    const rows = await table.diff(a, b);
    return { table: name, from, to, ...rows, schemaChanges: schemaChanges(table.schemaFor(a), table.schemaFor(b)) };
  }

  async maintain(name: string, action: MaintenanceAction, options: MaintenanceOptions = {}, jobId?: string): Promise<MaintenanceResult> {
    const id = jobId ?? `job-${++this.jobs}-${this.clock.now().toString(36)}`;
    const label = `${action} ${name}`;
    const report = (done: number, total: number | null, phase: string, finished = false): void =>
      this.events.emit({ type: 'job.progress', progress: { jobId: id, kind: 'maintenance', label, phase, done, total, finished } });
    const onProgress = (done: number, total: number, message: string): void => report(done, total, message);
    report(0, null, 'starting');
    try {
      const table = await this.lake.table(name);
      let result: MaintenanceResult;
      if (action === 'compact') {
        const r = await table.compact(options.targetFileSizeBytes === undefined ? {} : { targetFileSizeBytes: options.targetFileSizeBytes }, onProgress);
        result = { jobId: id, table: name, action, snapshotId: idText(r.snapshotId), stats: { filesRewritten: r.filesRewritten, filesWritten: r.filesWritten } };
      } else if (action === 'expire') {
        const r = await table.expireSnapshots({
          ...(options.olderThan === undefined ? {} : { olderThanMs: durationMs(options.olderThan) }),
          ...(options.retainLast === undefined ? {} : { retainLast: options.retainLast }),
        }, onProgress);
        result = { jobId: id, table: name, action, snapshotId: null, stats: { snapshotsExpired: r.expired, filesDeleted: r.filesDeleted } };
      } else {
        const r = await table.removeOrphans({ ...(options.orphanOlderThan === undefined ? {} : { olderThanMs: durationMs(options.orphanOlderThan) }), force: options.force === true }, onProgress);
        result = { jobId: id, table: name, action, snapshotId: null, stats: { filesRemoved: r.removed.length, filesPending: r.protectedByPending } };
      }
      report(1, 1, 'done', true);
      this.events.emit({ type: 'lake.changed', table: name });
      return result;
    } catch (error) {
      this.events.emit({ type: 'job.progress', progress: { jobId: id, kind: 'maintenance', label, phase: 'failed', done: 0, total: null, finished: true, error: toErrorPayload(error, 'ENG_LAKE_METADATA') } });
      throw error;
    }
  }

  private async changed(name: string, ref: string): Promise<LakeRef> {
    this.events.emit({ type: 'lake.changed', table: name });
    const table = await this.lake.table(name);
    const found = refsOf(table).find((r) => r.name === ref);
    if (!found) throw new EngineError('ENG_LAKE_REF', `${name}: ref "${ref}" is missing right after it was written`);
    return found;
  }
}

/** An engine snapshot id as the API's decimal text. */
function idText(id: SnapshotId | null | undefined): SnapshotIdText | null {
  return id === null || id === undefined ? null : String(id);
}

function mainHistory(table: LakeTable): Set<SnapshotId> {
  const byId = new Map(table.snapshots().map((s) => [s.snapshotId, s]));
  const out = new Set<SnapshotId>();
  let id = table.metadata()['current-snapshot-id'] ?? null;
  while (id !== null && !out.has(id)) {
    out.add(id);
    id = byId.get(id)?.parentId ?? null;
  }
  return out;
}

function specOf(table: LakeTable): LakeTableDetail['partitionSpec'] {
  const spec = table.partitionSpec();
  const current = table.schema();
  return {
    specId: spec['spec-id'],
    fields: spec.fields.map((f) => ({
      sourceId: f['source-id'],
      sourceName: current.fields.find((c) => c.id === f['source-id'])?.name ?? `#${f['source-id']}`,
      fieldId: f['field-id'],
      name: f.name,
      transform: f.transform,
    })),
  };
}

function refsOf(table: LakeTable): LakeRef[] {
  const refs: LakeRef[] = [];
  for (const [name, r] of Object.entries(table.metadata().refs)) {
    const ref: LakeRef = { name, type: r.type, snapshotId: String(r['snapshot-id']) };
    // Number(): another writer's long above 2^53 (e.g. Long.MAX_VALUE as "forever") parses as a bigint
    if (r['max-ref-age-ms'] !== undefined) ref.maxRefAgeMs = Number(r['max-ref-age-ms']);
    if (r['max-snapshot-age-ms'] !== undefined) ref.maxSnapshotAgeMs = Number(r['max-snapshot-age-ms']);
    if (r['min-snapshots-to-keep'] !== undefined) ref.minSnapshotsToKeep = Number(r['min-snapshots-to-keep']);
    refs.push(ref);
  }
  return refs.sort((a, b) => (a.name === 'main' ? -1 : b.name === 'main' ? 1 : a.name.localeCompare(b.name)));
}

function schemaOf(schema: IcebergSchema): LakeSchema {
  return { schemaId: schema.schemaId, fields: schema.fields.map(fieldOf) };
}

function fieldOf(field: NestedField): LakeField {
  const out: LakeField = { id: field.id, name: field.name, required: field.required, type: typeText(field.type) };
  if (field.doc !== undefined) out.doc = field.doc;
  return out;
}

export function typeText(type: IcebergType): string {
  if (typeof type === 'string') return type;
  if (type.type === 'struct') return `struct<${type.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')}>`;
  if (type.type === 'list') return `list<${typeText(type.element)}>`;
  return `map<${typeText(type.key)}, ${typeText(type.value)}>`;
}

/** Field-id based, so a rename is a rename and not a drop plus an add; nested struct fields use dotted names. */
export function schemaChanges(before: IcebergSchema, after: IcebergSchema): SchemaChange[] {
  const a = flatten(before.fields);
  const b = flatten(after.fields);
  const changes: SchemaChange[] = [];
  for (const [id, old] of a) {
    const now = b.get(id);
    if (!now) {
      changes.push({ kind: 'removed', fieldId: id, name: old.name });
      continue;
    }
    if (now.name !== old.name) changes.push({ kind: 'renamed', fieldId: id, name: now.name, from: old.name, to: now.name });
    if (now.type !== old.type) changes.push({ kind: 'type-changed', fieldId: id, name: now.name, from: old.type, to: now.type });
    if (now.required !== old.required) changes.push({ kind: 'required-changed', fieldId: id, name: now.name, from: old.required ? 'required' : 'optional', to: now.required ? 'required' : 'optional' });
  }
  for (const [id, now] of b) if (!a.has(id)) changes.push({ kind: 'added', fieldId: id, name: now.name, to: now.type });
  return changes.sort((x, y) => x.fieldId - y.fieldId);
}

function flatten(fields: readonly NestedField[], prefix = '', out = new Map<number, { name: string; type: string; required: boolean }>()): Map<number, { name: string; type: string; required: boolean }> {
  for (const field of fields) {
    const name = prefix + field.name;
    const type = field.type;
    // Structs are compared through their fields, so adding a nested field is one change, not a type change.
    out.set(field.id, { name, type: typeof type === 'object' && type.type === 'struct' ? 'struct' : typeText(type), required: field.required });
    if (typeof type === 'object' && type.type === 'struct') flatten(type.fields, `${name}.`, out);
  }
  return out;
}
