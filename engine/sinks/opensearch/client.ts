// OpenSearch's own client (@opensearch-project/opensearch), set up for the sink: no retries inside the
// client (the sink retries with backoff and counts them), credentials from a saved connection, and every
// call through `transport.request` so bodies can be sent as prepared NDJSON. Errors are sorted into
// transient (no answer, 429, 5xx) and refusals, each with OpenSearch's own reason.
import { Client, errors } from '@opensearch-project/opensearch';
import type { OpenSearchConnection } from './connections.ts';

export type { Client };

export function openSearchClient(c: OpenSearchConnection, requestTimeoutMs = 120_000): Client {
  return new Client({
    node: c.url,
    ...(c.user === undefined ? {} : { auth: { username: c.user, password: c.password ?? '' } }),
    ...(c.url.startsWith('https:') ? { ssl: { rejectUnauthorized: c.tlsInsecure !== true } } : {}),
    maxRetries: 0,
    requestTimeout: requestTimeoutMs,
    // one node: after a lost connection the next call must try it again at once, not wait for a ping
    resurrectStrategy: 'optimistic',
  });
}

export interface OpenSearchReply<T> {
  status: number;
  body: T;
}

/** One REST call. `ignore` lists statuses that answer instead of throwing (e.g. 404 for a missing index). */
export async function osRequest<T>(client: Client, method: string, path: string, options: { body?: unknown; ndjson?: string; query?: Record<string, string>; ignore?: number[]; timeoutMs?: number } = {}): Promise<OpenSearchReply<T>> {
  const params = {
    method, path,
    ...(options.ndjson !== undefined ? { bulkBody: options.ndjson } : options.body !== undefined ? { body: options.body as Record<string, unknown> } : {}),
    ...(options.query ? { querystring: options.query } : {}),
  };
  const reply = await client.transport.request(params, { ...(options.ignore ? { ignore: options.ignore } : {}), ...(options.timeoutMs ? { requestTimeout: options.timeoutMs } : {}) });
  // the body is OpenSearch's JSON as parsed by the client; callers name the shape they read from it
  return { status: reply.statusCode ?? 0, body: reply.body as T };
}

/** `type: reason (caused by: …)` from an OpenSearch error object. */
export function reasonOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { type?: unknown; reason?: unknown; caused_by?: unknown };
  let text = `${typeof e.type === 'string' ? `${e.type}: ` : ''}${typeof e.reason === 'string' ? e.reason : JSON.stringify(error)}`;
  if (typeof e.caused_by === 'object' && e.caused_by !== null) text += ` (caused by ${reasonOf(e.caused_by)})`;
  return text;
}

/** The HTTP status of a failed call, or null when no answer came. */
export function statusOf(error: unknown): number | null {
  return error instanceof errors.ResponseError ? error.statusCode : null;
}

/** What a failed call says, in OpenSearch's words when it answered. */
export function describeError(error: unknown): string {
  if (error instanceof errors.ResponseError) {
    const body = error.body as { error?: unknown } | string | undefined;
    const detail = typeof body === 'object' && body !== null && body.error !== undefined ? reasonOf(body.error) : typeof body === 'string' && body ? body.slice(0, 500) : error.message;
    return `HTTP ${error.statusCode}: ${detail}`;
  }
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) {
    return `${error.name}: ${error.message}`;
  }
  return (error as Error).message ?? String(error);
}

/** Errors a later attempt may not see: no answer, a dropped connection, 429 or a 5xx. */
export function isTransientOpenSearch(error: unknown): boolean {
  if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError || error instanceof errors.NoLivingConnectionsError) return true;
  if (error instanceof errors.ResponseError) return error.statusCode === 429 || error.statusCode >= 500;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code);
}
