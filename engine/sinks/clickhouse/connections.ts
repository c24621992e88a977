// ClickHouse connections: the HTTP(S) endpoint and how to log in. A pipeline only names a connection, so
// exported pipeline JSON never carries a password. Connections live in $STREAMLAKE_HOME/clickhouse.json
// (mode 0600); a password may instead come from STREAMLAKE_CLICKHOUSE_<NAME>_PASSWORD.
import { join } from 'node:path';
import { EngineError } from '../../errors.ts';
import { ConnectionFile } from '../connections.ts';

export interface ClickHouseConnection {
  name: string;
  /** http(s)://host:port of the HTTP interface (8123 / 8443 by default). */
  url: string;
  user: string;
  password?: string;
  database?: string;
}

export function clickhousePasswordEnvVar(name: string): string {
  return `STREAMLAKE_CLICKHOUSE_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
}

export function parseClickHouseConnection(value: unknown, where = 'ClickHouse connection'): ClickHouseConnection {
  const fail = (what: string): never => { throw new EngineError('ENG_CLICKHOUSE_CONNECTION_UNKNOWN', `${where}: ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof v.url !== 'string' || !/^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/.test(v.url)) fail('url must be http(s)://host:port');
  if (typeof v.user !== 'string' || v.user === '') fail('user must be a name');
  if (v.password !== undefined && typeof v.password !== 'string') fail('password must be text');
  if (v.database !== undefined && (typeof v.database !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.database))) fail('database must be a name');
  return {
    name: v.name as string, url: v.url as string, user: v.user as string,
    ...(v.password === undefined ? {} : { password: v.password as string }),
    ...(v.database === undefined ? {} : { database: v.database as string }),
  };
}

/** $STREAMLAKE_HOME/clickhouse.json, created with mode 0600 (../connections.ts). */
export class ClickHouseConnectionStore extends ConnectionFile<ClickHouseConnection> {
  constructor(homeDir: string, env: NodeJS.ProcessEnv = process.env) {
    super(homeDir, { file: 'clickhouse.json', parse: parseClickHouseConnection, passwordEnvVar: clickhousePasswordEnvVar, code: 'ENG_CLICKHOUSE_CONNECTION_UNKNOWN', listWithEnvPasswords: false }, env);
  }
}

export async function clickhouseConnectionFor(name: string, homeDir: string): Promise<ClickHouseConnection> {
  const found = await new ClickHouseConnectionStore(homeDir).get(name);
  if (!found) throw new EngineError('ENG_CLICKHOUSE_CONNECTION_UNKNOWN', `There is no ClickHouse connection named "${name}"; add it to ${join(homeDir, 'clickhouse.json')}`);
  return found;
}
