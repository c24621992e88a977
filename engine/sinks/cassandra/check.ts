// The Cassandra connection test: name → TCP → TLS → login → rights in the keyspace (create a table, write
// and read a row), one layer at a time, each failure in plain words.
import { connect as tlsConnect } from 'node:tls';
import { dnsProblem, tcpProblem } from '../../network/probe.ts';
import { errors, types, type Client } from 'cassandra-driver';
import { cassandraClient, cassandraMessage, closeClient } from './client.ts';
import { DEFAULT_DATA_CENTER, type CassandraConnection } from './connections.ts';
import { quoteIdent } from './cql.ts';

export type CassandraCheckStage = 'dns' | 'tcp' | 'tls' | 'auth' | 'permission' | 'unknown';

export type CassandraCheckResult =
  | { ok: true; version: string; user: string | null; keyspace: string | null }
  | { ok: false; stage: CassandraCheckStage; message: string };

const defaultTimeoutMs = 5000;
const CHECK_PIPELINE = '__streamlake_connection_test__';

function tls(c: CassandraConnection, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: c.host, port: c.port, rejectUnauthorized: c.tls === 'verify-full', servername: /^[\d.]+$|:/.test(c.host) ? undefined : c.host });
    socket.setTimeout(timeoutMs, () => { socket.destroy(); resolve(`The TLS handshake with ${c.host}:${c.port} did not finish within ${timeoutMs / 1000} s. Is client encryption enabled on this port (client_encryption_options)?`); });
    socket.once('secureConnect', () => { socket.destroy(); resolve(undefined); });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (/wrong version number|packet length|ECONNRESET|socket disconnected/i.test(`${error.code} ${error.message}`)) resolve(`${c.host}:${c.port} did not speak TLS (${error.code ?? error.message}). Set TLS to "disable" for a plain port.`);
      else resolve(`TLS handshake with ${c.host}:${c.port} failed: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    });
  });
}

/** The AuthenticationError inside a NoHostAvailableError, if that is why the driver could not connect. */
function authFailure(error: unknown): Error | undefined {
  if (error instanceof errors.AuthenticationError) return error;
  if (error instanceof errors.NoHostAvailableError) return Object.values((error.innerErrors ?? {}) as Record<string, unknown>).find((e): e is Error => e instanceof errors.AuthenticationError);
  return undefined;
}

export async function checkCassandraConnection(c: CassandraConnection, timeoutMs = defaultTimeoutMs): Promise<CassandraCheckResult> {
  const unnamed = await dnsProblem(c.host);
  if (unnamed) return { ok: false, stage: 'dns', message: unnamed };
  const closed = await tcpProblem(c.host, c.port, timeoutMs, 'Is Cassandra running, and is this its native protocol port (9042 by default)?');
  if (closed) return { ok: false, stage: 'tcp', message: closed };
  if (c.tls && c.tls !== 'disable') {
    const failed = await tls(c, timeoutMs);
    if (failed) return { ok: false, stage: 'tls', message: failed };
  }
  const client = cassandraClient(c, { connectTimeoutMs: timeoutMs, readTimeoutMs: timeoutMs * 2 });
  try {
    try {
      await client.connect();
    } catch (error) {
      const denied = authFailure(error);
      if (denied) {
        return /requires authentication/i.test(denied.message)
          ? { ok: false, stage: 'auth', message: `Cassandra asks for a user name and password, and this connection has none (${denied.message}).` }
          : { ok: false, stage: 'auth', message: `Cassandra rejected the user name or password for "${c.user ?? ''}" (${denied.message}).` };
      }
      if (/localDataCenter|data ?cent(er|re)/i.test((error as Error).message)) {
        return { ok: false, stage: 'unknown', message: `Connected, but the data centre "${c.localDataCenter ?? DEFAULT_DATA_CENTER}" is not in this cluster (${(error as Error).message}).` };
      }
      return { ok: false, stage: 'tcp', message: `${c.host}:${c.port} accepts connections but did not complete a Cassandra handshake: ${cassandraMessage(error)}. Is this the native protocol port (9042 by default)?` };
    }
    const version = String((await client.execute('SELECT release_version FROM system.local')).first()?.release_version ?? 'unknown');
    if (c.keyspace) {
      const denied = await rights(client, c.keyspace, c.user);
      if (denied) return { ok: false, stage: 'permission', message: denied };
    }
    return { ok: true, version, user: c.user ?? null, keyspace: c.keyspace ?? null };
  } catch (error) {
    return { ok: false, stage: 'unknown', message: `Cassandra answered with an error: ${cassandraMessage(error)}` };
  } finally {
    await closeClient(client);
  }
}

/** What the sink does in a keyspace, tried for real on its commit table; undefined when all is allowed. */
async function rights(client: Client, keyspace: string, user: string | undefined): Promise<string | undefined> {
  const who = user ? `"${user}"` : 'this connection';
  const ks = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true });
  if (ks.rowLength === 0) return `Signed in, but the keyspace "${keyspace}" does not exist. Create it first (its replication is yours to choose), or correct the name.`;
  const table = `${quoteIdent(keyspace)}.streamlake_commits`;
  const step = async (what: string, cql: string, params: unknown[] = []): Promise<string | undefined> => {
    try {
      await client.execute(cql, params, { prepare: params.length > 0 });
      return undefined;
    } catch (error) {
      if (error instanceof errors.ResponseError && error.code === types.responseErrorCodes.unauthorized) return `Signed in as ${who}, but it may not ${what} in keyspace "${keyspace}" (${error.message}). Grant it with GRANT CREATE, MODIFY, SELECT ON KEYSPACE ${keyspace} TO …`;
      throw error;
    }
  };
  return await step('create tables', `CREATE TABLE IF NOT EXISTS ${table} (pipeline text, node text, checkpoint_id bigint, table_name text, row_count bigint, committed_at timestamp, PRIMARY KEY ((pipeline, node), checkpoint_id)) WITH CLUSTERING ORDER BY (checkpoint_id DESC)`)
    ?? await step('read tables', `SELECT checkpoint_id FROM ${table} WHERE pipeline = ? AND node = ? LIMIT 1`, [CHECK_PIPELINE, 'check'])
    ?? await step('write rows', `INSERT INTO ${table} (pipeline, node, checkpoint_id) VALUES (?, ?, ?) USING TTL 60`, [CHECK_PIPELINE, 'check', types.Long.fromNumber(0)]);
}
