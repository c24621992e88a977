// What keeps other local pages and websites from driving the engine through the web host:
// - the server binds to a loopback address only;
// - every API, WebSocket and /metrics request carries the per-launch token (constant-time compare);
// - the Host header must name the loopback address and our port, which defeats DNS rebinding (a foreign
//   name that resolves to 127.0.0.1 arrives with that foreign name in Host);
// - an Origin header, when present, must be our own origin, which stops cross-site fetches and
//   WebSocket connections (browsers always send Origin on those).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EngineError } from '../errors.ts';

export const loopbackHosts = ['127.0.0.1', '::1', 'localhost'] as const;
export type LoopbackHost = (typeof loopbackHosts)[number];

export function isLoopbackHost(host: string): host is LoopbackHost {
  return (loopbackHosts as readonly string[]).includes(host);
}

export function assertLoopback(host: string): asserts host is LoopbackHost {
  if (!isLoopbackHost(host)) {
    throw new EngineError('ENG_HOST_REQUEST', `The studio web host binds to the loopback interface only (127.0.0.1, ::1 or localhost), not "${host}": it would let other machines drive the engine`);
  }
}

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer …`, `X-Streamlake-Token`, or `?token=` (WebSocket, first page load). */
export function requestToken(headers: Record<string, string | string[] | undefined>, url: URL): string | null {
  const auth = single(headers.authorization);
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = single(headers['x-streamlake-token']);
  if (header) return header;
  return url.searchParams.get('token');
}

/** Host header values we accept for a server on `port`. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; code: 'ENG_HOST_AUTH' | 'ENG_HOST_FORBIDDEN'; message: string };

/** Host and Origin checks, for every request including static files. */
export function checkSite(headers: Record<string, string | string[] | undefined>, port: number): Verdict {
  const host = single(headers.host)?.toLowerCase();
  if (!host || !allowedHosts(port).has(host)) {
    return { ok: false, status: 403, code: 'ENG_HOST_FORBIDDEN', message: `Host header "${host ?? ''}" is not this studio (expected 127.0.0.1:${port} or localhost:${port})` };
  }
  const origin = single(headers.origin);
  if (origin !== undefined && !allowedOrigins(port).has(origin.toLowerCase())) {
    return { ok: false, status: 403, code: 'ENG_HOST_FORBIDDEN', message: `Origin "${origin}" may not use this studio` };
  }
  return { ok: true };
}

export function checkToken(expected: string[], given: string | null): Verdict {
  if (given === null) return { ok: false, status: 401, code: 'ENG_HOST_AUTH', message: 'Missing studio token: open the URL `streamlake studio` printed, which ends with ?token=…' };
  if (!expected.some((token) => tokenMatches(token, given))) return { ok: false, status: 401, code: 'ENG_HOST_AUTH', message: 'Wrong studio token: it changes on every launch, open the URL printed by this launch' };
  return { ok: true };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
