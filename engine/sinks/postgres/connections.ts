// PostgreSQL connections: where a server is and how to log in. A pipeline only names a connection, so
// exported pipeline JSON never carries a password. Connections live in $STREAMLAKE_HOME/postgres.json
// (mode 0600), and a password may instead come from STREAMLAKE_POSTGRES_<NAME>_PASSWORD.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { EngineError } from '../../errors.ts';
import { ConnectionFile } from '../connections.ts';

export interface PostgresConnection {
  name: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /**
   * TLS: `disable` (plain TCP), `require` (encrypted, certificate not checked, like libpq's sslmode=require)
   * or `verify-full` (certificate and host name checked against `ca` or the system roots).
   */
  tls?: 'disable' | 'require' | 'verify-full';
  /** PEM text or a path to a PEM file, for verify-full with a private CA. */
  ca?: string;
}

const modes = ['disable', 'require', 'verify-full'];

/** Environment variable that may hold a connection's password, e.g. STREAMLAKE_POSTGRES_REPORTING_PASSWORD. */
export function postgresPasswordEnvVar(name: string): string {
  return `STREAMLAKE_POSTGRES_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
}

/** Validates a connection read from disk or received over IPC; names what is wrong. */
export function parsePostgresConnection(value: unknown, where = 'PostgreSQL connection'): PostgresConnection {
  const fail = (what: string): never => { throw new EngineError('ENG_POSTGRES_CONNECTION_UNKNOWN', `${where}: ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof v.host !== 'string' || v.host.trim() === '' || /\s/.test(v.host)) fail('host must be a host name or address');
  if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) fail('port must be a whole number from 1 to 65535');
  if (typeof v.database !== 'string' || v.database === '') fail('database must be a name');
  if (typeof v.user !== 'string' || v.user === '') fail('user must be a name');
  if (v.password !== undefined && typeof v.password !== 'string') fail('password must be text');
  if (v.tls !== undefined && !modes.includes(String(v.tls))) fail(`tls must be one of ${modes.join(', ')}`);
  if (v.ca !== undefined && typeof v.ca !== 'string') fail('ca must be PEM text or a file path');
  return {
    name: v.name as string,
    host: v.host as string,
    port: v.port as number,
    database: v.database as string,
    user: v.user as string,
    ...(v.password === undefined ? {} : { password: v.password as string }),
    ...(v.tls === undefined ? {} : { tls: v.tls as PostgresConnection['tls'] }),
    ...(v.ca === undefined ? {} : { ca: v.ca as string }),
  };
}

/** A connection as shown in UIs and logs: the password replaced by a marker. */
export function redactPostgresConnection(c: PostgresConnection): PostgresConnection {
  return { ...c, ...(c.password === undefined ? {} : { password: c.password ? '••••' : '' }) };
}

/** $STREAMLAKE_HOME/postgres.json, created with mode 0600 (../connections.ts). */
export class PostgresConnectionStore extends ConnectionFile<PostgresConnection> {
  constructor(homeDir: string, env: NodeJS.ProcessEnv = process.env) {
    super(homeDir, { file: 'postgres.json', parse: parsePostgresConnection, passwordEnvVar: postgresPasswordEnvVar, code: 'ENG_POSTGRES_CONNECTION_UNKNOWN', listWithEnvPasswords: true }, env);
  }
}

export async function postgresConnectionFor(name: string, homeDir: string): Promise<PostgresConnection> {
  const found = await new PostgresConnectionStore(homeDir).get(name);
  if (!found) throw new EngineError('ENG_POSTGRES_CONNECTION_UNKNOWN', `There is no PostgreSQL connection named "${name}"; add it in the studio or to ${join(homeDir, 'postgres.json')}`);
  return found;
}

/** node-postgres `ssl` option for a connection. */
export function postgresTls(c: PostgresConnection): false | ConnectionOptions {
  if (!c.tls || c.tls === 'disable') return false;
  if (c.tls === 'require') return { rejectUnauthorized: false };
  const ca = c.ca === undefined ? undefined : c.ca.includes('-----BEGIN') ? c.ca : readFileSync(c.ca, 'utf8');
  return { rejectUnauthorized: true, ...(ca ? { ca: [ca] } : {}), servername: /^[\d.]+$|:/.test(c.host) ? undefined : c.host };
}
