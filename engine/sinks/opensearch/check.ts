// The OpenSearch connection test: name → TCP → TLS (https) → sign-in → the right to create an index, one
// layer at a time, each failure in plain words. The last layer creates and deletes a throwaway index
// (`streamlake-connection-check-<random>`), because that is what the sink does first.
import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { dnsProblem, speaksPlainHttp, tcpProblem, urlTarget, type UrlTarget } from '../../network/probe.ts';
import { describeError, openSearchClient, osRequest, reasonOf, statusOf } from './client.ts';
import type { OpenSearchConnection } from './connections.ts';

export type OpenSearchCheckStage = 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';

export type OpenSearchCheckResult =
  | { ok: true; version: string; distribution: string; user: string | null }
  | { ok: false; stage: OpenSearchCheckStage; message: string };

const defaultTimeoutMs = 5000;

function tls(c: OpenSearchConnection, host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (message: string | undefined): void => { if (!settled) { settled = true; resolve(message); } };
    const plainOrElse = (otherwise: string): void => {
      void speaksPlainHttp(host, port, timeoutMs).then((plain) => finish(plain ? `${host}:${port} did not speak TLS: it answers plain HTTP. Use http:// for this port.` : otherwise));
    };
    const socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, rejectUnauthorized: c.tlsInsecure !== true });
    socket.setTimeout(timeoutMs, () => { socket.destroy(); plainOrElse(`The TLS handshake with ${host}:${port} did not finish within ${timeoutMs / 1000} s. Is this an https port?`); });
    socket.once('secureConnect', () => { socket.destroy(); finish(undefined); });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      const text = `${error.code ?? ''} ${error.message}`;
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|altname/i.test(text)) finish(`The server's TLS certificate is not trusted (${error.code ?? error.message}). Use a certificate your system trusts, or, for a self-signed demo certificate only, allow any certificate.`);
      else plainOrElse(`TLS handshake with ${host}:${port} failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    });
  });
}

export async function checkOpenSearchConnection(c: OpenSearchConnection, timeoutMs = defaultTimeoutMs): Promise<OpenSearchCheckResult> {
  let t: UrlTarget;
  try {
    t = urlTarget(c.url, { http: 80, https: 443 });
  } catch {
    return { ok: false, stage: 'unknown', message: `"${c.url}" is not a URL like http://host:9200.` };
  }
  const unnamed = await dnsProblem(t.host);
  if (unnamed) return { ok: false, stage: 'dns', message: unnamed };
  const closed = await tcpProblem(t.host, t.port, timeoutMs, 'Is OpenSearch running, and is this its REST port (9200 by default)?');
  if (closed) return { ok: false, stage: 'tcp', message: closed };
  if (t.tls) {
    const failed = await tls(c, t.host, t.port, timeoutMs);
    if (failed) return { ok: false, stage: 'tls', message: failed };
  }
  const client = openSearchClient(c, Math.max(timeoutMs, 10_000));
  try {
    let version: string;
    let distribution: string;
    try {
      const info = await osRequest<{ version?: { number?: string; distribution?: string } }>(client, 'GET', '/');
      version = info.body.version?.number ?? 'unknown';
      distribution = info.body.version?.distribution ?? 'elasticsearch';
    } catch (error) {
      const status = statusOf(error);
      if (status === 401) {
        return { ok: false, stage: 'auth', message: c.user === undefined
          ? 'OpenSearch asks for a user name and password (HTTP 401), and this connection has none.'
          : `OpenSearch rejected the user name or password for "${c.user}" (HTTP 401).` };
      }
      if (status === 403) return { ok: false, stage: 'permission', message: `Signed in as "${c.user ?? '(no user)'}", but this user may not even read the cluster's version (${describeError(error)}).` };
      if (status === null) return { ok: false, stage: 'tcp', message: `The connection to ${c.url} failed: ${describeError(error)}` };
      return { ok: false, stage: 'unknown', message: `The server at ${c.url} answered ${describeError(error)}; is this OpenSearch's REST port?` };
    }
    const probe = `streamlake-connection-check-${randomBytes(4).toString('hex')}`;
    const created = await osRequest<{ error?: unknown }>(client, 'PUT', `/${probe}`, { body: { settings: { number_of_shards: 1, number_of_replicas: 0 } }, ignore: [400, 401, 403, 404, 429] });
    if (created.status !== 200) {
      const reason = reasonOf(created.body.error);
      return { ok: false, stage: 'permission', message: /block_exception/.test(reason)
        ? `Signed in, but the cluster does not take new indices now (${reason}).`
        : `Signed in as "${c.user ?? '(no user)'}", but this user may not create an index, which the sink does for a missing index and for its commit log (HTTP ${created.status}: ${reason}).` };
    }
    await osRequest(client, 'DELETE', `/${probe}`, { ignore: [403, 404] });
    return { ok: true, version, distribution, user: c.user ?? null };
  } catch (error) {
    return { ok: false, stage: 'unknown', message: describeError(error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}
