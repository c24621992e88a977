// Cassandra connections: a contact point (the driver learns the rest of the ring from it), the local data
// centre, and how to log in. A pipeline only names a connection, so exported pipeline JSON never carries a
// password. Connections live in $STREAMLAKE_HOME/cassandra.json (mode 0600); a password may instead come
// from STREAMLAKE_CASSANDRA_<NAME>_PASSWORD.
import { join } from 'node:path';
import { EngineError } from '../../errors.ts';
import { ConnectionFile } from '../connections.ts';

export interface CassandraConnection {
  name: string;
  /** A contact point: host name or address of one node. */
  host: string;
  /** Native protocol port (9042 by default). */
  port: number;
  /** The data centre the driver routes to (LOCAL_* consistency levels count replicas there). Default datacenter1. */
  localDataCenter?: string;
  /** Absent: the cluster has no authentication (AllowAllAuthenticator). */
  user?: string;
  password?: string;
  /** Keyspace the connection test checks the rights in (create a table, write a row). */
  keyspace?: string;
  /** `disable` (plain TCP), `require` (encrypted, certificate not checked) or `verify-full` (checked against the system roots). */
  tls?: 'disable' | 'require' | 'verify-full';
}

const modes = ['disable', 'require', 'verify-full'];
export const DEFAULT_DATA_CENTER = 'datacenter1';

export function cassandraPasswordEnvVar(name: string): string {
  return `STREAMLAKE_CASSANDRA_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
}

/** Validates a connection read from disk or received over IPC; names what is wrong. */
export function parseCassandraConnection(value: unknown, where = 'Cassandra connection'): CassandraConnection {
  const fail = (what: string): never => { throw new EngineError('ENG_CASSANDRA_CONNECTION_UNKNOWN', `${where}: ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof v.host !== 'string' || v.host.trim() === '' || /\s/.test(v.host)) fail('host must be a host name or address');
  if (!Number.isInteger(v.port) || (v.port as number) < 1 || (v.port as number) > 65535) fail('port must be a whole number from 1 to 65535');
  if (v.localDataCenter !== undefined && (typeof v.localDataCenter !== 'string' || v.localDataCenter === '')) fail('localDataCenter must be a data centre name');
  if (v.user !== undefined && (typeof v.user !== 'string' || v.user === '')) fail('user must be a name');
  if (v.password !== undefined && typeof v.password !== 'string') fail('password must be text');
  if (v.keyspace !== undefined && (typeof v.keyspace !== 'string' || !/^[A-Za-z0-9_]{1,48}$/.test(v.keyspace))) fail('keyspace must be letters, digits or "_" (at most 48)');
  if (v.tls !== undefined && !modes.includes(String(v.tls))) fail(`tls must be one of ${modes.join(', ')}`);
  return {
    name: v.name as string,
    host: v.host as string,
    port: v.port as number,
    ...(v.localDataCenter === undefined ? {} : { localDataCenter: v.localDataCenter as string }),
    ...(v.user === undefined ? {} : { user: v.user as string }),
    ...(v.password === undefined ? {} : { password: v.password as string }),
    ...(v.keyspace === undefined ? {} : { keyspace: v.keyspace as string }),
    ...(v.tls === undefined ? {} : { tls: v.tls as CassandraConnection['tls'] }),
  };
}

/** $STREAMLAKE_HOME/cassandra.json, created with mode 0600 (../connections.ts). */
export class CassandraConnectionStore extends ConnectionFile<CassandraConnection> {
  constructor(homeDir: string, env: NodeJS.ProcessEnv = process.env) {
    super(homeDir, { file: 'cassandra.json', parse: parseCassandraConnection, passwordEnvVar: cassandraPasswordEnvVar, code: 'ENG_CASSANDRA_CONNECTION_UNKNOWN', listWithEnvPasswords: false }, env);
  }
}

export async function cassandraConnectionFor(name: string, homeDir: string): Promise<CassandraConnection> {
  const found = await new CassandraConnectionStore(homeDir).get(name);
  if (!found) throw new EngineError('ENG_CASSANDRA_CONNECTION_UNKNOWN', `There is no Cassandra connection named "${name}"; add it to ${join(homeDir, 'cassandra.json')}`);
  return found;
}
