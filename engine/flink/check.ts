// The Flink connection test: name → TCP → TLS (https) → HTTP (is this a SQL Gateway?) → auth, one layer at
// a time, each failure in plain words. A Flink SQL Gateway answers `GET /v1/info` with its product name and
// version; a JobManager's REST port (8081) looks alike but has no /v1/info, so it is named as such.
import { connect as tlsConnect } from 'node:tls';
import { dnsProblem, tcpProblem, urlTarget, type UrlTarget } from '../network/probe.ts';
import type { FlinkConnection } from './connections.ts';
import { flinkAuthHeaders } from './connections.ts';

export type FlinkCheckStage = 'dns' | 'tcp' | 'tls' | 'http' | 'auth';

export type FlinkCheckResult =
  | { ok: true; product: string; version: string }
  | { ok: false; stage: FlinkCheckStage; message: string };

const defaultTimeoutMs = 5000;

function tls(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(`The TLS handshake with ${host}:${port} did not finish within ${timeoutMs / 1000} s. Is this an https port?`);
    });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (/wrong version number|packet length|ECONNRESET|socket disconnected/i.test(`${error.code} ${error.message}`)) {
        resolve(`${host}:${port} did not speak TLS (${error.code ?? error.message}). Use http:// for a plain HTTP port.`);
      } else resolve(`TLS handshake with ${host}:${port} failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    });
  });
}

async function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text, which the callers treat as "not a SQL Gateway"
  }
  return { status: response.status, body };
}

function field(body: unknown, key: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

export async function checkFlinkConnection(c: FlinkConnection, timeoutMs = defaultTimeoutMs): Promise<FlinkCheckResult> {
  let t: UrlTarget;
  try {
    t = urlTarget(c.url, { http: 80, https: 443 });
  } catch {
    return { ok: false, stage: 'dns', message: `"${c.url}" is not a URL like http://flink-gateway:8083.` };
  }
  const unnamed = await dnsProblem(t.host);
  if (unnamed) return { ok: false, stage: 'dns', message: unnamed };
  const closed = await tcpProblem(t.host, t.port, timeoutMs, 'Is the SQL Gateway running (sql-gateway.sh start), and is this its REST port (sql-gateway.endpoint.rest.port, 8083 by default)?');
  if (closed) return { ok: false, stage: 'tcp', message: closed };
  if (t.tls) {
    const failed = await tls(t.host, t.port, timeoutMs);
    if (failed) return { ok: false, stage: 'tls', message: failed };
  }
  const headers = flinkAuthHeaders(c);
  const guarded = headers.authorization !== undefined;
  let info: { status: number; body: unknown };
  try {
    info = await get(`${c.url}/v1/info`, headers, timeoutMs);
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { ok: false, stage: 'http', message: `${c.url} accepted a connection but gave no HTTP answer to GET /v1/info (${cause ?? (error as Error).message}).` };
  }
  if (info.status === 401 || info.status === 403) {
    return {
      ok: false, stage: 'auth',
      message: guarded
        ? `${c.url} refused the ${c.token !== undefined ? 'token' : `user name or password for "${c.user ?? ''}"`} (HTTP ${info.status}).`
        : `${c.url} wants credentials (HTTP ${info.status}): add the token or user and password of the proxy in front of the gateway.`,
    };
  }
  const product = field(info.body, 'productName');
  const version = field(info.body, 'version');
  if (info.status === 200 && product !== undefined && version !== undefined) {
    if (!/flink/i.test(product)) return { ok: false, stage: 'http', message: `${c.url} answers /v1/info, but as "${product}", not Apache Flink.` };
    return { ok: true, product, version };
  }
  // A JobManager's REST API (port 8081) answers /v1/config with the Flink version but has no /v1/info.
  const config = await get(`${c.url}/v1/config`, headers, timeoutMs).catch(() => undefined);
  const jobManager = config?.status === 200 ? field(config.body, 'flink-version') : undefined;
  if (jobManager !== undefined) {
    return { ok: false, stage: 'http', message: `${c.url} is the REST API of a Flink ${jobManager} JobManager, not a SQL Gateway. Start the SQL Gateway (sql-gateway.sh start) and use its port (8083 by default).` };
  }
  return { ok: false, stage: 'http', message: `${c.url} answers HTTP ${info.status}, but not as a Flink SQL Gateway (GET /v1/info gave no product name and version). Is this the gateway's REST port?` };
}
