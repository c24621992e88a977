// The PostgreSQL connection test: walk the layers a client crosses (name → TCP → TLS → login →
// permissions) one by one, so a failure names the layer in plain words instead of a generic client error.
import { lookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';
import type { DatabaseError } from 'pg';
import { postgresTls, type PostgresConnection } from './connections.ts';
import { qualifiedName } from './sql.ts';

export type PostgresCheckStage = 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';

export type PostgresCheckResult =
  | { ok: true; server: string; user: string; database: string }
  | { ok: false; stage: PostgresCheckStage; message: string };

const timeoutMs = 5000;

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

async function checkDns(host: string): Promise<string | undefined> {
  try {
    await lookup(host);
    return undefined;
  } catch (error) {
    return `The host name "${host}" could not be resolved (${codeOf(error) || (error as Error).message}). Check the spelling, or your DNS/VPN.`;
  }
}

function openTcp(host: string, port: number): Promise<{ socket: Socket } | { message: string }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => { socket.setTimeout(0); resolve({ socket }); });
    socket.once('timeout', () => { socket.destroy(); resolve({ message: `No answer from ${host}:${port} within ${timeoutMs / 1000} s: a firewall may be dropping the connection, or the address is wrong.` }); });
    socket.once('error', (error) => {
      const code = codeOf(error);
      resolve({ message: code === 'ECONNREFUSED'
        ? `Nothing is listening on ${host}:${port} (connection refused). Is PostgreSQL running, and is this the right port (usually 5432)?`
        : `Could not open a TCP connection to ${host}:${port} (${code || error.message}).` });
    });
  });
}

/** PostgreSQL negotiates TLS inside its own protocol: an SSLRequest, then 'S' (go ahead) or 'N' (no TLS here). */
async function checkTls(c: PostgresConnection): Promise<string | undefined> {
  const opened = await openTcp(c.host, c.port);
  if ('message' in opened) return opened.message;
  const { socket } = opened;
  const answer = await new Promise<string>((resolve) => {
    socket.setTimeout(timeoutMs, () => resolve('timeout'));
    socket.once('data', (data: Buffer) => resolve(String.fromCharCode(data[0] ?? 0)));
    socket.once('error', (error) => resolve(`error:${error.message}`));
    socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  });
  if (answer !== 'S') {
    socket.destroy();
    if (answer === 'N') return `${c.host}:${c.port} does not accept TLS (the server has ssl = off). Turn TLS off for this connection, or enable it on the server.`;
    return `${c.host}:${c.port} did not answer the TLS request like a PostgreSQL server (${answer}). Is this the PostgreSQL port?`;
  }
  const options = postgresTls(c) || {};
  return new Promise((resolve) => {
    const secure = tlsConnect({ ...options, socket });
    secure.setTimeout(timeoutMs, () => { secure.destroy(); resolve(`The TLS handshake with ${c.host}:${c.port} did not finish within ${timeoutMs / 1000} s.`); });
    secure.once('secureConnect', () => { secure.destroy(); resolve(undefined); });
    secure.once('error', (error) => {
      secure.destroy();
      const code = codeOf(error);
      if (['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code)) resolve(`The server's certificate is not signed by a CA this connection trusts (${code}). Add the server's CA certificate to the connection, or use TLS "require".`);
      else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') resolve(`The server's certificate is not valid for the name "${c.host}" (${error.message}).`);
      else if (code === 'CERT_HAS_EXPIRED') resolve("The server's certificate has expired.");
      else resolve(`TLS handshake with ${c.host}:${c.port} failed: ${code ? `${code}: ` : ''}${error.message}`);
    });
  });
}

function loginProblem(error: unknown, c: PostgresConnection): { stage: PostgresCheckStage; message: string } {
  const e = error as DatabaseError;
  switch (e.code) {
    case '28P01': return { stage: 'auth', message: `The server rejected the password for user "${c.user}" (${e.message}).` };
    case '28000': return { stage: 'auth', message: `The server does not let user "${c.user}" in from here (${e.message}). Check the user name and the server's pg_hba.conf.` };
    case '3D000': return { stage: 'auth', message: `Signed in, but the database "${c.database}" does not exist (${e.message}).` };
    case '53300': return { stage: 'auth', message: `The server has no free connection slots (${e.message}).` };
    default:
      if (/password/i.test(e.message ?? '')) return { stage: 'auth', message: `The server asked for a password this connection does not have (${e.message}).` };
      return { stage: 'unknown', message: `PostgreSQL refused the connection: ${e.message ?? String(error)}` };
  }
}

/**
 * Checks every layer for real and reports the first that fails. `table` (`table` or `schema.table`): also
 * check that the user may write it, or create it and the commit table.
 */
export async function checkPostgresConnection(c: PostgresConnection, opts: { table?: string } = {}): Promise<PostgresCheckResult> {
  const dns = await checkDns(c.host);
  if (dns) return { ok: false, stage: 'dns', message: dns };
  const tcp = await openTcp(c.host, c.port);
  if ('message' in tcp) return { ok: false, stage: 'tcp', message: tcp.message };
  tcp.socket.destroy();
  if (c.tls && c.tls !== 'disable') {
    const tls = await checkTls(c);
    if (tls) return { ok: false, stage: 'tls', message: tls };
  }
  const client = new pg.Client({ host: c.host, port: c.port, user: c.user, password: c.password ?? '', database: c.database, ssl: postgresTls(c), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    try {
      await client.connect();
    } catch (error) {
      return { ok: false, ...loginProblem(error, c) };
    }
    const target = qualifiedName(opts.table ?? 'streamlake_check');
    const rights = await client.query<{ version: string; schema_exists: boolean; usage: boolean | null; can_create: boolean | null; table_exists: boolean; writes: boolean | null }>(
      `SELECT version() AS version,
              EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
              CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'USAGE') END AS usage,
              CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') ELSE has_database_privilege(current_database(), 'CREATE') END AS can_create,
              to_regclass($2) IS NOT NULL AS table_exists,
              CASE WHEN to_regclass($2) IS NOT NULL THEN has_table_privilege($2, 'INSERT, UPDATE, DELETE') END AS writes`,
      [target.schema, target.sql]);
    const r = rights.rows[0];
    if (!r) return { ok: false, stage: 'unknown', message: 'The server answered the permission query with no row.' };
    if (r.schema_exists && !r.usage) return { ok: false, stage: 'permission', message: `Signed in as "${c.user}", but this user may not use schema "${target.schema}". Ask for: GRANT USAGE ON SCHEMA ${target.schema} TO ${c.user};` };
    if (!r.can_create) {
      if (!r.table_exists) return { ok: false, stage: 'permission', message: `Signed in as "${c.user}", but this user may not create tables in schema "${target.schema}", and the table does not exist yet. Ask for: GRANT CREATE ON SCHEMA ${target.schema} TO ${c.user}; (or create the table and streamlake_commits for it)` };
      if (!r.writes) return { ok: false, stage: 'permission', message: `Signed in as "${c.user}", but this user may not insert, update and delete in ${target.schema}.${target.table}.` };
    } else if (r.table_exists && !r.writes) {
      return { ok: false, stage: 'permission', message: `Signed in as "${c.user}", but this user may not insert, update and delete in ${target.schema}.${target.table}.` };
    }
    return { ok: true, server: r.version, user: c.user, database: c.database };
  } catch (error) {
    return { ok: false, stage: 'unknown', message: `The permission check failed: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
