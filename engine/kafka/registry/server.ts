// A small Confluent-compatible Schema Registry for local development and tests: no registry server can be
// had from Maven Central or npm here, and Avro topics need one. It speaks the subset of the REST API that
// producers and consumers use (register, look up by id, subjects and versions, per-subject compatibility
// setting). Compatibility levels are stored and reported but not enforced: every valid Avro schema is
// accepted. State lives in memory and, when a file is given, is saved there after every change.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import avro from 'avsc';

interface Stored { id: number; schema: string; schemaType?: string }
interface State { schemas: Stored[]; subjects: Record<string, number[]>; config: Record<string, string> }

export interface RegistryServer {
  url: string;
  close(): Promise<void>;
}

const contentType = 'application/vnd.schemaregistry.v1+json';

function canonical(schema: string): string {
  try { return JSON.stringify(JSON.parse(schema)); } catch { return schema; }
}

export async function startRegistry(opts: { port?: number; file?: string } = {}): Promise<RegistryServer> {
  const state: State = opts.file && existsSync(opts.file)
    ? JSON.parse(readFileSync(opts.file, 'utf8')) as State
    : { schemas: [], subjects: {}, config: {} };
  const save = (): void => { if (opts.file) writeFileSync(opts.file, JSON.stringify(state)); };

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string): void => send(res, status, { error_code: code, message });

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1 << 20) throw new Error('request body larger than 1 MiB');
      chunks.push(chunk as Buffer);
    }
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (typeof parsed !== 'object' || parsed === null) throw new Error('body must be a JSON object');
    return parsed as Record<string, unknown>;
  }

  function versionOf(subject: string, version: string): { version: number; stored: Stored } | undefined {
    const ids = state.subjects[subject];
    if (!ids?.length) return undefined;
    const index = version === 'latest' ? ids.length - 1 : Number(version) - 1;
    const id = ids[index];
    const stored = id === undefined ? undefined : state.schemas[id - 1];
    return stored ? { version: index + 1, stored } : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
      const stored = state.schemas[Number(parts[2]) - 1];
      if (!stored) return error(res, 404, 40403, `Schema ${parts[2]} not found`);
      return send(res, 200, stored.schemaType ? { schema: stored.schema, schemaType: stored.schemaType } : { schema: stored.schema });
    }
    if (method === 'GET' && parts[0] === 'subjects' && parts.length === 1) return send(res, 200, Object.keys(state.subjects));
    if (parts[0] === 'subjects' && parts[1] !== undefined) {
      const subject = parts[1];
      if (method === 'GET' && parts[2] === 'versions' && parts.length === 3) {
        const ids = state.subjects[subject];
        if (!ids) return error(res, 404, 40401, `Subject '${subject}' not found.`);
        return send(res, 200, ids.map((_, i) => i + 1));
      }
      if (method === 'GET' && parts[2] === 'versions' && parts[3] !== undefined) {
        if (!state.subjects[subject]) return error(res, 404, 40401, `Subject '${subject}' not found.`);
        const found = versionOf(subject, parts[3]);
        if (!found) return error(res, 404, 40402, `Version ${parts[3]} not found.`);
        return send(res, 200, { subject, version: found.version, id: found.stored.id, schema: found.stored.schema });
      }
      if (method === 'POST' && (parts.length === 2 || (parts[2] === 'versions' && parts.length === 3))) {
        const body = await readBody(req);
        if (typeof body.schema !== 'string') return error(res, 422, 42201, 'Field "schema" must be a string');
        const schemaType = typeof body.schemaType === 'string' && body.schemaType !== 'AVRO' ? body.schemaType : undefined;
        if (!schemaType) {
          try { avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema); } catch (e) { return error(res, 422, 42201, `Invalid schema: ${(e as Error).message}`); }
        }
        const text = canonical(body.schema);
        const existing = state.schemas.find((s) => canonical(s.schema) === text && s.schemaType === schemaType);
        const ids = state.subjects[subject] ?? [];
        if (parts.length === 2) {
          // Lookup: is this schema registered under the subject?
          const index = existing ? ids.indexOf(existing.id) : -1;
          if (!existing || index < 0) return error(res, 404, 40403, 'Schema not found');
          return send(res, 200, { subject, version: index + 1, id: existing.id, schema: existing.schema });
        }
        const stored = existing ?? { id: state.schemas.length + 1, schema: body.schema, ...(schemaType ? { schemaType } : {}) };
        if (!existing) state.schemas.push(stored);
        if (!ids.includes(stored.id)) ids.push(stored.id);
        state.subjects[subject] = ids;
        save();
        return send(res, 200, { id: stored.id });
      }
    }
    if (parts[0] === 'config') {
      const subject = parts[1];
      if (method === 'GET') {
        const level = subject === undefined ? state.config[''] ?? 'BACKWARD' : state.config[subject];
        if (!level) return error(res, 404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
        return send(res, 200, { compatibilityLevel: level });
      }
      if (method === 'PUT') {
        const body = await readBody(req);
        const level = String(body.compatibility ?? '').toUpperCase();
        if (!['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'].includes(level)) {
          return error(res, 422, 42203, `Invalid compatibility level "${String(body.compatibility)}"`);
        }
        state.config[subject ?? ''] = level;
        save();
        return send(res, 200, { compatibility: level });
      }
    }
    return error(res, 404, 404, `No route for ${method} ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => error(res, 400, 400, (e as Error).message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
