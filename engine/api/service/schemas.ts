// The schema browser's side of the contract: a connection's schema registry (subjects, versions, schema
// text, compatibility levels, registration) through the engine's registry client, and schemas inferred
// from a running node's latest rows.
import { EngineError } from '../../errors.ts';
import { RegistryClient } from '../../kafka/registry/client.ts';
import type { SubjectVersion } from '../../kafka/registry/client.ts';
import { inferSchema, schemaTypeOf } from '../../kafka/schemas/infer.ts';
import type { Row } from '../../runtime/types.ts';
import type { InferredSchema, SchemaCompatibilityInfo, SchemaCompatibilityLevel, SchemaFormatName, SchemaKind, SchemaSubjectInfo, SchemaVersionInfo } from '../contract.ts';
import type { StudioConnections } from './connections.ts';

/** JSON schema text indented for reading; anything else (a .proto) as it came. */
export function prettySchema(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function info(v: SubjectVersion): SchemaVersionInfo {
  return { subject: v.subject, version: v.version, id: v.id, schemaType: v.schemaType, schema: prettySchema(v.schema) };
}

export class SchemaScreens {
  constructor(private readonly connections: StudioConnections, private readonly liveRows: (nodeId: string) => Row[]) {}

  private async registry(connection: string): Promise<RegistryClient> {
    const config = await this.connections.resolve(connection);
    if (!config.schemaRegistry) {
      throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `Connection "${connection}" has no schema registry URL; add one to the connection to browse its schemas`);
    }
    return new RegistryClient(config.schemaRegistry);
  }

  async subjects(connection: string): Promise<SchemaSubjectInfo[]> {
    const registry = await this.registry(connection);
    const out: SchemaSubjectInfo[] = [];
    for (const subject of await registry.subjects()) {
      const versions = await registry.versions(subject);
      const latest = await registry.version(subject, 'latest');
      out.push({ subject, versions, schemaType: latest?.schemaType ?? 'AVRO' });
    }
    return out;
  }

  async version(connection: string, subject: string, version: number | 'latest'): Promise<SchemaVersionInfo> {
    const found = await (await this.registry(connection)).version(subject, version);
    if (!found) throw new EngineError('ENG_HOST_NOT_FOUND', `The schema registry has no version ${version} of subject "${subject}"`);
    return info(found);
  }

  async compatibility(connection: string, subject: string): Promise<SchemaCompatibilityInfo> {
    const { level, own } = await (await this.registry(connection)).compatibility(subject);
    return { subject, level, own };
  }

  async setCompatibility(connection: string, subject: string, level: SchemaCompatibilityLevel): Promise<SchemaCompatibilityInfo> {
    const registry = await this.registry(connection);
    await registry.setCompatibility(subject, level);
    const now = await registry.compatibility(subject);
    return { subject, level: now.level, own: now.own };
  }

  async register(connection: string, subject: string, schemaType: SchemaKind, schema: string): Promise<SchemaVersionInfo> {
    const registry = await this.registry(connection);
    const id = await registry.register(subject, schema, schemaType);
    // The version that holds this id (registering a schema the subject already has returns its old id).
    for (const version of (await registry.versions(subject)).reverse()) {
      const found = await registry.version(subject, version);
      if (found?.id === id) return info(found);
    }
    throw new EngineError('ENG_REGISTRY_REQUEST', `Schema id ${id} was registered but no version of "${subject}" holds it`);
  }

  infer(nodeId: string, format: SchemaFormatName, recordName?: string): InferredSchema {
    const rows = this.liveRows(nodeId);
    if (rows.length === 0) throw new EngineError('ENG_RUN_STATE', `Node "${nodeId}" has no live rows to infer a schema from: run the pipeline first`, { node: nodeId });
    return { schemaType: schemaTypeOf(format), schema: prettySchema(inferSchema(format, rows, recordName ?? `${nodeId}_value`)), rows: rows.length };
  }
}
