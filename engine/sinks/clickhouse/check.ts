// The ClickHouse connection test: name → TCP → TLS (https) → login → write rights, one layer at a time,
// each failure in plain words.
import { connect as tlsConnect } from 'node:tls';
import { dnsProblem, speaksPlainHttp, tcpProblem, urlTarget, type UrlTarget } from '../../network/probe.ts';
import type { ClickHouseConnection } from './connections.ts';
import { clickhouseJson, ClickHouseError } from './http.ts';

export type ClickHouseCheckStage = 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';

export type ClickHouseCheckResult =
  | { ok: true; version: string; user: string }
  | { ok: false; stage: ClickHouseCheckStage; message: string };

const defaultTimeoutMs = 5000;

function tls(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host });
    // ClickHouse's plain HTTP port sometimes answers a ClientHello with 400 at once and sometimes waits for
    // the rest of a request line that never comes (it depends on whether the hello's random bytes hold a
    // space), so a silent handshake is followed by a plain HTTP probe before blaming the network.
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      void speaksPlainHttp(host, port, timeoutMs).then((plain) => resolve(plain
        ? `${host}:${port} did not speak TLS: it answers plain HTTP. Use http:// for this port.`
        : `The TLS handshake with ${host}:${port} did not finish within ${timeoutMs / 1000} s. Is this an https port?`));
    });
    socket.once('secureConnect', () => { socket.destroy(); resolve(undefined); });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (/wrong version number|packet length|ECONNRESET/i.test(`${error.code} ${error.message}`)) resolve(`${host}:${port} did not speak TLS (${error.code ?? error.message}). Use http:// for a plain HTTP port.`);
      else resolve(`TLS handshake with ${host}:${port} failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    });
  });
}

export async function checkClickHouseConnection(c: ClickHouseConnection, timeoutMs = defaultTimeoutMs): Promise<ClickHouseCheckResult> {
  let t: UrlTarget;
  try {
    t = urlTarget(c.url, { http: 8123, https: 8443 });
  } catch {
    return { ok: false, stage: 'unknown', message: `"${c.url}" is not a URL like http://host:8123.` };
  }
  const unnamed = await dnsProblem(t.host);
  if (unnamed) return { ok: false, stage: 'dns', message: unnamed };
  const closed = await tcpProblem(t.host, t.port, timeoutMs, 'Is ClickHouse running, and is this its HTTP port (8123, or 8443 for https)?');
  if (closed) return { ok: false, stage: 'tcp', message: closed };
  if (t.tls) {
    const failed = await tls(t.host, t.port, timeoutMs);
    if (failed) return { ok: false, stage: 'tls', message: failed };
  }
  const endpoint = { url: c.url, user: c.user, ...(c.password === undefined ? {} : { password: c.password }), ...(c.database ? { database: c.database } : {}) };
  try {
    const rows = await clickhouseJson<{ version: string; readonly: string }>(endpoint, "SELECT version() AS version, (SELECT value FROM system.settings WHERE name = 'readonly') AS readonly");
    const row = rows[0];
    if (!row) return { ok: false, stage: 'unknown', message: 'The server answered the check with no row.' };
    if (row.readonly !== '0') return { ok: false, stage: 'permission', message: `Signed in as "${c.user}", but this user is read-only (readonly = ${row.readonly}); the sink needs to create tables and insert. Use a user whose profile has readonly = 0.` };
    return { ok: true, version: row.version, user: c.user };
  } catch (error) {
    if (error instanceof ClickHouseError) {
      // 192 UNKNOWN_USER, 193 WRONG_PASSWORD, 194 REQUIRED_PASSWORD, 516 AUTHENTICATION_FAILED (current versions),
      // 195 IP_ADDRESS_NOT_ALLOWED
      if ([192, 193, 194, 516].includes(error.code ?? -1)) return { ok: false, stage: 'auth', message: `ClickHouse rejected the user name or password for "${c.user}" (${error.message}).` };
      if (error.code === 195) return { ok: false, stage: 'auth', message: `ClickHouse does not let "${c.user}" in from this address (${error.message}). Check the user's <networks>.` };
      if (error.code === 81) return { ok: false, stage: 'permission', message: `Signed in, but the database "${c.database ?? ''}" does not exist (${error.message}).` };
      if (error.status === null) return { ok: false, stage: 'tcp', message: `The connection to ${c.url} failed: ${error.message}` };
      return { ok: false, stage: 'unknown', message: `ClickHouse answered with an error: ${error.message}${error.code === null ? '' : ` (code ${error.code})`}` };
    }
    return { ok: false, stage: 'unknown', message: (error as Error).message };
  }
}
