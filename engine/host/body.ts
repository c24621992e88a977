// Reading an HTTP request body without letting one client hold the host's memory or time:
// - a body over the per-request limit is answered 413 with a JSON error instead of a reset connection
//   (Content-Length is checked before a byte is read; a chunked body is stopped at the limit), and the
//   rest of it is read and thrown away so the client sees the answer rather than EPIPE;
// - every body must arrive within the body timeout (30 s by default; Node's own limit is 5 minutes), so a
//   slow sender cannot pin a request open;
// - the bytes held by all bodies being read at once are capped, so many concurrent uploads at the limit
//   get 503 instead of exhausting the heap.
import type { IncomingMessage } from 'node:http';
import type { ErrorPayload } from '../errors.ts';

export interface BodyLimits {
  /** Largest body one request may send, in bytes. */
  maxBytes: number;
  /** Bytes all bodies being read at the same time may hold together. */
  maxInFlightBytes: number;
  /** How long a body may take to arrive. */
  timeoutMs: number;
}

export type BodyOutcome =
  | { ok: true; text: string }
  | { ok: false; status: 408 | 413 | 503; error: ErrorPayload };

/** Bytes held by bodies in flight, shared by the requests of one host. */
export interface BodyBudget {
  held: number;
}

export function readBody(request: IncomingMessage, limits: BodyLimits, budget: BodyBudget): Promise<BodyOutcome> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    request.resume();
    return Promise.resolve(tooLarge(limits.maxBytes));
  }
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      budget.held -= size;
      chunks.length = 0;
      // Discard what is still coming instead of buffering it; the caller answers and closes.
      if (!outcome.ok) request.on('data', () => undefined);
      resolveBody(outcome);
    };
    const timer = setTimeout(() => {
      // The caller answers with `Connection: close`, which ends the socket of a sender that stopped sending.
      settle({ ok: false, status: 408, error: { code: 'ENG_HOST_TIMEOUT', message: `The request body did not arrive within ${Math.round(limits.timeoutMs / 1000)} s` } });
    }, limits.timeoutMs);
    request.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > limits.maxBytes) return settle(tooLarge(limits.maxBytes));
      if (budget.held + chunk.length > limits.maxInFlightBytes) {
        return settle({ ok: false, status: 503, error: { code: 'ENG_HOST_TOO_LARGE', message: 'The studio host is busy reading other large requests; try again' } });
      }
      size += chunk.length;
      budget.held += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (settled) return;
      const text = Buffer.concat(chunks).toString('utf8');
      settle({ ok: true, text });
    });
    request.on('error', () => settle({ ok: false, status: 408, error: { code: 'ENG_HOST_TIMEOUT', message: 'The request body was cut off' } }));
    request.on('close', () => settle({ ok: false, status: 408, error: { code: 'ENG_HOST_TIMEOUT', message: 'The request body was cut off' } }));
  });
}

function tooLarge(limit: number): BodyOutcome {
  return { ok: false, status: 413, error: { code: 'ENG_HOST_TOO_LARGE', message: `The request body is larger than the limit of ${limit} bytes` } };
}

/** `decodeURIComponent`, or null for malformed percent-encoding (`%E0%A4%A`), which throws URIError. */
export function decodePath(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
