// OpenSearch connections: the REST endpoint and how to sign in (HTTP basic auth, as OpenSearch's security
// plugin and most reverse proxies take it). A pipeline only names a connection, so exported pipeline JSON
// never carries a password. Connections live in $STREAMLAKE_HOME/opensearch.json (mode 0600); a password
// may instead come from STREAMLAKE_OPENSEARCH_<NAME>_PASSWORD.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from '../../errors.ts';

export interface OpenSearchConnection {
  name: string;
  /** http(s)://host:port of the REST API (9200 by default). */
  url: string;
  /** Basic-auth user; absent for a cluster without authentication. */
  user?: string;
  password?: string;
  /** https only: accept any server certificate (self-signed demo certificates); off by default. */
  tlsInsecure?: boolean;
}

export const connectionNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const openSearchUrlPattern = /^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/;

export function openSearchPasswordEnvVar(name: string): string {
  return `STREAMLAKE_OPENSEARCH_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
}

export function parseOpenSearchConnection(value: unknown, where = 'OpenSearch connection'): OpenSearchConnection {
  const fail = (what: string): never => { throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `${where}: ${what}`); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !connectionNamePattern.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof v.url !== 'string' || !openSearchUrlPattern.test(v.url)) fail('url must be http(s)://host:port');
  if (v.user !== undefined && (typeof v.user !== 'string' || v.user === '')) fail('user must be a name');
  if (v.password !== undefined && typeof v.password !== 'string') fail('password must be text');
  if (v.tlsInsecure !== undefined && typeof v.tlsInsecure !== 'boolean') fail('tlsInsecure must be true or false');
  return {
    name: v.name as string, url: v.url as string,
    ...(v.user === undefined ? {} : { user: v.user as string }),
    ...(v.password === undefined ? {} : { password: v.password as string }),
    ...(v.tlsInsecure === true ? { tlsInsecure: true } : {}),
  };
}

export class OpenSearchConnectionStore {
  readonly path: string;

  constructor(homeDir: string, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.path = join(homeDir, 'opensearch.json');
  }

  private read(): OpenSearchConnection[] {
    if (!existsSync(this.path)) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const list = (raw as { connections?: unknown }).connections;
    if (!Array.isArray(list)) throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `${this.path}: expected {"connections": [...]}`);
    return list.map((c, i) => parseOpenSearchConnection(c, `${this.path} connections[${i}]`));
  }

  async get(name: string): Promise<OpenSearchConnection | undefined> {
    const found = this.read().find((c) => c.name === name);
    const password = found && this.env[openSearchPasswordEnvVar(found.name)];
    return found && (password === undefined ? found : { ...found, password });
  }

  async list(): Promise<OpenSearchConnection[]> {
    return this.read();
  }

  async save(config: OpenSearchConnection): Promise<void> {
    const checked = parseOpenSearchConnection(config);
    this.write([...this.read().filter((c) => c.name !== checked.name), checked]);
  }

  async remove(name: string): Promise<boolean> {
    const list = this.read();
    const kept = list.filter((c) => c.name !== name);
    if (kept.length === list.length) return false;
    this.write(kept);
    return true;
  }

  private write(list: OpenSearchConnection[]): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify({ connections: list }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }
}

export async function openSearchConnectionFor(name: string, homeDir: string): Promise<OpenSearchConnection> {
  const found = await new OpenSearchConnectionStore(homeDir).get(name);
  if (!found) throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `There is no OpenSearch connection named "${name}"; add it to ${join(homeDir, 'opensearch.json')}`);
  return found;
}
