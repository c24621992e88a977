// A minimal Confluent Schema Registry client: fetch a schema by id (for decoding) and register one under
// a subject (for the Avro sink). Schemas are immutable per id, so they are cached for the process.
import { EngineError } from '../../errors.ts';

export interface RegistryAccess {
  url: string;
  username?: string;
  password?: string;
}

export interface RegisteredSchema {
  id: number;
  schema: string;
  schemaType: 'AVRO' | 'JSON' | 'PROTOBUF';
}

export class RegistryClient {
  private readonly byId = new Map<number, Promise<RegisteredSchema>>();
  private readonly base: string;
  private readonly auth?: string;

  constructor(access: RegistryAccess) {
    this.base = access.url.replace(/\/+$/, '');
    if (access.username) this.auth = 'Basic ' + Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64');
  }

  private async call(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json' };
    if (this.auth) headers.authorization = this.auth;
    if (init.body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
    let response: Response;
    try {
      response = await fetch(this.base + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    } catch (error) {
      throw new EngineError('ENG_KAFKA_DECODE', `The schema registry at ${this.base} is not reachable: ${(error as Error).message}`);
    }
    const text = await response.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* not JSON: keep the text for the message */ }
    return { status: response.status, body };
  }

  /** The schema with this id, or undefined when the registry does not know it. */
  schemaById(id: number): Promise<RegisteredSchema | undefined> {
    let pending = this.byId.get(id);
    if (!pending) {
      pending = this.call(`/schemas/ids/${id}`).then(({ status, body }) => {
        if (status === 404) throw new UnknownSchemaId(id);
        if (status !== 200 || typeof (body as { schema?: unknown }).schema !== 'string') {
          throw new EngineError('ENG_KAFKA_DECODE', `The schema registry answered ${status} for schema id ${id}: ${JSON.stringify(body)}`);
        }
        const b = body as { schema: string; schemaType?: RegisteredSchema['schemaType'] };
        return { id, schema: b.schema, schemaType: b.schemaType ?? 'AVRO' };
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

  async register(subject: string, schema: string): Promise<number> {
    const { status, body } = await this.call(`/subjects/${encodeURIComponent(subject)}/versions`, { method: 'POST', body: { schema } });
    const id = (body as { id?: unknown }).id;
    if (status !== 200 || typeof id !== 'number') {
      throw new EngineError('ENG_KAFKA_DECODE', `The schema registry refused the schema for subject "${subject}" (${status}): ${JSON.stringify(body)}`);
    }
    return id;
  }
}

class UnknownSchemaId extends Error {
  constructor(readonly id: number) {
    super(`unknown schema id ${id}`);
  }
}
