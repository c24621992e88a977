// A client for the Confluent Schema Registry API (as served by Apicurio at /apis/ccompat/v7, or Confluent's
// own): schemas by id for decoding, subjects and versions for the sink and the studio's schema browser,
// compatibility levels, and registration. Basic auth and TLS (a private CA, client certificates) go through
// node:https, whose options take them directly. Schemas are immutable per id, so those are cached.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EngineError } from '../../errors.ts';

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export const compatibilityLevels = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export interface RegistryTls {
  /** PEM text or a path to a PEM file, for each of ca/cert/key. */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface RegistryAccess {
  url: string;
  username?: string;
  password?: string;
  tls?: RegistryTls;
}

export interface RegisteredSchema {
  id: number;
  schema: string;
  schemaType: SchemaType;
}

export interface SubjectVersion extends RegisteredSchema {
  subject: string;
  version: number;
}

export interface RegistryAnswer {
  status: number;
  body: unknown;
}

const timeoutMs = 10_000;

function pem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

function typeOf(value: unknown): SchemaType {
  return value === 'JSON' || value === 'PROTOBUF' ? value : 'AVRO';
}

/** The registry's own words from an error answer ({message, error_code} in the Confluent API). */
export function registryMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body);
}

export class RegistryClient {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();
  readonly base: string;
  private readonly auth?: string;
  private readonly tls?: RegistryTls;

  constructor(access: RegistryAccess) {
    this.base = access.url.replace(/\/+$/, '');
    if (access.username) this.auth = 'Basic ' + Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64');
    this.tls = access.tls;
  }

  /** One HTTP exchange; throws only when the registry cannot be reached (the answer may be any status). */
  call(path: string, init: { method?: string; body?: unknown } = {}): Promise<RegistryAnswer> {
    const url = new URL(this.base + path);
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (this.auth) headers.authorization = this.auth;
    const payload = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body));
    if (payload) {
      headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
      headers['content-length'] = String(payload.length);
    }
    const secure = url.protocol === 'https:';
    const tls = secure && this.tls
      ? { ca: pem(this.tls.ca), cert: pem(this.tls.cert), key: pem(this.tls.key), rejectUnauthorized: this.tls.rejectUnauthorized ?? true }
      : {};
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, { method: init.method ?? 'GET', headers, timeout: timeoutMs, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => reject(this.unreachable(error)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try { body = JSON.parse(text); } catch { /* not JSON: keep the text for the message */ }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(payload);
    });
  }

  private unreachable(error: Error): EngineError {
    return new EngineError('ENG_REGISTRY_REQUEST', `The schema registry at ${this.base} is not reachable: ${error.message}`);
  }

  private async expect(path: string, what: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
    const { status, body } = await this.call(path, init);
    if (status === 401 || status === 403) throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry refused ${what} (${status}): check the registry user name and password`);
    if (status < 200 || status > 299) throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry could not ${what} (${status}): ${registryMessage(body)}`);
    return body;
  }

  /** The schema with this id, or undefined when the registry does not know it. */
  schemaById(id: number): Promise<RegisteredSchema | undefined> {
    let pending = this.byId.get(id);
    if (!pending) {
      pending = this.call(`/schemas/ids/${id}`).then(({ status, body }) => {
        if (status === 404) throw new UnknownSchemaId(id);
        if (status !== 200 || typeof (body as { schema?: unknown }).schema !== 'string') {
          throw new EngineError('ENG_KAFKA_DECODE', `The schema registry answered ${status} for schema id ${id}: ${registryMessage(body)}`);
        }
        const b = body as { schema: string; schemaType?: unknown };
        return { id, schema: b.schema, schemaType: typeOf(b.schemaType) };
      });
      this.byId.set(id, pending);
      // A failed lookup (registry down, id unknown) is retried on the next message rather than cached.
      pending.catch(() => this.byId.delete(id));
    }
    return pending.catch((error: unknown) => {
      if (error instanceof UnknownSchemaId) return undefined;
      throw error;
    });
  }

  async subjects(): Promise<string[]> {
    const body = await this.expect('/subjects', 'list its subjects');
    return Array.isArray(body) ? body.filter((s): s is string => typeof s === 'string').sort() : [];
  }

  /** The versions of a subject, oldest first; empty when the subject does not exist. */
  async versions(subject: string): Promise<number[]> {
    const { status, body } = await this.call(`/subjects/${encodeURIComponent(subject)}/versions`);
    if (status === 404) return [];
    if (status !== 200 || !Array.isArray(body)) throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry could not list the versions of "${subject}" (${status}): ${registryMessage(body)}`);
    return body.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  }

  /** One version of a subject ('latest' for the newest); undefined when there is none. */
  async version(subject: string, version: number | 'latest'): Promise<SubjectVersion | undefined> {
    const { status, body } = await this.call(`/subjects/${encodeURIComponent(subject)}/versions/${version}`);
    if (status === 404) return undefined;
    const b = body as { id?: unknown; schema?: unknown; schemaType?: unknown; version?: unknown };
    if (status !== 200 || typeof b.id !== 'number' || typeof b.schema !== 'string') {
      throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry could not read version ${version} of "${subject}" (${status}): ${registryMessage(body)}`);
    }
    return { subject, version: typeof b.version === 'number' ? b.version : Number(version), id: b.id, schema: b.schema, schemaType: typeOf(b.schemaType) };
  }

  /** The subject's compatibility level, else the registry's global one. */
  async compatibility(subject?: string): Promise<{ level: CompatibilityLevel; own: boolean }> {
    if (subject) {
      const { status, body } = await this.call(`/config/${encodeURIComponent(subject)}`);
      const level = (body as { compatibilityLevel?: unknown }).compatibilityLevel;
      if (status === 200 && isLevel(level)) return { level, own: true };
    }
    const body = await this.expect('/config', 'read its compatibility level');
    const level = (body as { compatibilityLevel?: unknown }).compatibilityLevel;
    return { level: isLevel(level) ? level : 'BACKWARD', own: false };
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.expect(`/config/${encodeURIComponent(subject)}`, `set the compatibility of "${subject}"`, { method: 'PUT', body: { compatibility: level } });
  }

  /**
   * Registers a schema under a subject (the same schema again gives its existing id). An incompatible one
   * throws ENG_REGISTRY_INCOMPATIBLE with the registry's reason, and the field it points at by name.
   */
  async register(subject: string, schema: string, schemaType: SchemaType = 'AVRO'): Promise<number> {
    const { status, body } = await this.call(`/subjects/${encodeURIComponent(subject)}/versions`, {
      method: 'POST', body: schemaType === 'AVRO' ? { schema } : { schema, schemaType },
    });
    const id = (body as { id?: unknown }).id;
    if (status === 200 && typeof id === 'number') return id;
    if (status === 409) {
      throw new EngineError('ENG_REGISTRY_INCOMPATIBLE', `The schema registry refused the new schema for subject "${subject}" as incompatible: ${explainRefusal(registryMessage(body), schema, schemaType)}`);
    }
    throw new EngineError('ENG_REGISTRY_REQUEST', `The schema registry refused the schema for subject "${subject}" (${status}): ${registryMessage(body)}`);
  }
}

function isLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (compatibilityLevels as readonly string[]).includes(value);
}

/**
 * Apicurio names the place of an incompatibility by its path in the schema ("… at /fields/1/type"); the
 * field's name is what a person knows, so it is added from the schema that was refused.
 */
export function explainRefusal(message: string, schema: string, schemaType: SchemaType): string {
  const reason = message.replace(/^[\w.]+Exception:\s*/, '');
  if (schemaType !== 'AVRO') return reason;
  const names: string[] = [];
  for (const match of reason.matchAll(/\/fields\/(\d+)/g)) {
    try {
      const fields = (JSON.parse(schema) as { fields?: { name?: unknown }[] }).fields;
      const name = fields?.[Number(match[1])]?.name;
      if (typeof name === 'string' && !names.includes(name)) names.push(name);
    } catch { /* not JSON: leave the reason as the registry gave it */ }
  }
  return names.length ? `${reason} (field ${names.map((n) => `"${n}"`).join(', ')})` : reason;
}

class UnknownSchemaId extends Error {
  constructor(readonly id: number) {
    super(`unknown schema id ${id}`);
  }
}
