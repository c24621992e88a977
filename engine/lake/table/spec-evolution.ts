// Partition evolution (Iceberg's UpdatePartitionSpec, as Spark, Flink and Java do it): a table gets a new
// default spec; old specs stay in `partition-specs`, files written under them keep their spec id (every
// manifest names its spec), so reading and pruning old files is unchanged, and new files use the new
// spec. Like Java: a field with the same source and transform as one in any earlier spec keeps that
// field's id (and name), new fields get ids above `last-partition-id`, and a spec equal to an existing one
// is selected again instead of added. Metadata only: no snapshot.
import { EngineError } from '../../errors.ts';
import type { PartitionField, PartitionSpec, TableMetadata } from '../format/metadata.ts';
import { currentSchema } from './manifests.ts';
import { bindSpec, parsePartitionText, partitionFieldName } from './partition.ts';

/** `texts` like `region`, `day(ts)`, `bucket(16, id)`; empty = unpartitioned from now on. */
export function withPartitionSpec(m: TableMetadata, texts: readonly string[], table: string): TableMetadata {
  const schema = currentSchema(m);
  const earlier = m['partition-specs'].flatMap((s) => s.fields);
  let lastId = m['last-partition-id'];
  const fields: PartitionField[] = texts.map((text) => {
    const { column, transform } = parsePartitionText(text);
    const source = schema.fields.find((f) => f.name === column);
    if (!source) throw new EngineError('ENG_LAKE_SCHEMA', `${table}: partition "${text}": column "${column}" is not in the table schema`, { table, column });
    const same = earlier.find((f) => f['source-id'] === source.id && f.transform === transform);
    if (same) return { ...same };
    return { 'source-id': source.id, 'field-id': ++lastId, name: partitionFieldName(column, transform), transform };
  });
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) throw new EngineError('ENG_LAKE_SCHEMA', `${table}: partition field "${f.name}" appears twice`, { table });
    names.add(f.name);
  }
  bindSpec({ 'spec-id': 0, fields }, schema); // a transform that does not fit its column fails here
  const key = JSON.stringify(fields);
  const existing = m['partition-specs'].find((s) => JSON.stringify(s.fields) === key);
  if (existing) return existing['spec-id'] === m['default-spec-id'] ? m : { ...m, 'default-spec-id': existing['spec-id'] };
  const spec: PartitionSpec = { 'spec-id': Math.max(...m['partition-specs'].map((s) => s['spec-id'])) + 1, fields };
  return { ...m, 'partition-specs': [...m['partition-specs'], spec], 'default-spec-id': spec['spec-id'], 'last-partition-id': Math.max(m['last-partition-id'], lastId) };
}
