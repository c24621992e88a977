// Flink connections: a Flink SQL Gateway REST endpoint and how to get past whatever guards it. The gateway
// itself has no login; deployments put it behind a proxy that wants a bearer token or basic auth, so a
// connection may carry one of the two. Connections live in $STREAMLAKE_HOME/flink.json (mode 0600); a
// secret may instead come from STREAMLAKE_FLINK_<NAME>_TOKEN / _PASSWORD. Pipelines never name a Flink
// connection, so exported pipeline JSON cannot carry one.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.ts';

export interface FlinkConnection {
  name: string;
  /** http(s)://host:port of the SQL Gateway's REST endpoint (8083 by default), optionally under a path prefix. */
  url: string;
  /** Basic auth (with `password`) for a proxy in front of the gateway. */
  user?: string;
  password?: string;
  /** Bearer token for a proxy in front of the gateway; not together with `user`. */
  token?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const FLINK_URL = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function flinkSecretEnvVars(name: string): { token: string; password: string } {
  return { token: `STREAMLAKE_FLINK_${envName(name)}_TOKEN`, password: `STREAMLAKE_FLINK_${envName(name)}_PASSWORD` };
}

export function parseFlinkConnection(value: unknown, where = 'Flink connection'): FlinkConnection {
  const fail = (what: string): never => {
    throw new EngineError('ENG_FLINK_CONNECTION_UNKNOWN', `${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !NAME.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof v.url !== 'string' || !FLINK_URL.test(v.url)) fail('url must be http(s)://host:port of the SQL Gateway');
  for (const key of ['user', 'password', 'token'] as const) {
    if (v[key] !== undefined && (typeof v[key] !== 'string' || v[key] === '')) fail(`${key} must be non-empty text`);
  }
  if (v.user !== undefined && v.token !== undefined) fail('use either a user (basic auth) or a token (bearer), not both');
  if (v.password !== undefined && v.user === undefined) fail('a password needs a user');
  return {
    name: v.name as string,
    url: (v.url as string).replace(/\/+$/, ''),
    ...(v.user === undefined ? {} : { user: v.user as string }),
    ...(v.password === undefined ? {} : { password: v.password as string }),
    ...(v.token === undefined ? {} : { token: v.token as string }),
  };
}

/** The Authorization header the connection's proxy wants, if any. */
export function flinkAuthHeaders(c: FlinkConnection): Record<string, string> {
  if (c.token !== undefined) return { authorization: `Bearer ${c.token}` };
  if (c.user !== undefined) return { authorization: `Basic ${Buffer.from(`${c.user}:${c.password ?? ''}`, 'utf8').toString('base64')}` };
  return {};
}

export class FlinkConnectionStore {
  readonly path: string;

  constructor(homeDir: string, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.path = join(homeDir, 'flink.json');
  }

  private read(): FlinkConnection[] {
    if (!existsSync(this.path)) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new EngineError('ENG_FLINK_CONNECTION_UNKNOWN', `${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const list = (raw as { connections?: unknown }).connections;
    if (!Array.isArray(list)) throw new EngineError('ENG_FLINK_CONNECTION_UNKNOWN', `${this.path}: expected {"connections": [...]}`);
    return list.map((c, i) => parseFlinkConnection(c, `${this.path} connections[${i}]`));
  }

  private write(list: FlinkConnection[]): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify({ connections: list }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  /** The stored connection with secrets from the environment taking precedence. */
  async get(name: string): Promise<FlinkConnection | undefined> {
    const found = this.read().find((c) => c.name === name);
    if (!found) return undefined;
    const vars = flinkSecretEnvVars(found.name);
    const token = this.env[vars.token];
    const password = this.env[vars.password];
    return { ...found, ...(token && found.user === undefined ? { token } : {}), ...(password && found.user !== undefined ? { password } : {}) };
  }

  async list(): Promise<FlinkConnection[]> {
    return this.read();
  }

  async save(config: FlinkConnection): Promise<void> {
    const checked = parseFlinkConnection(config);
    this.write([...this.read().filter((c) => c.name !== checked.name), checked]);
  }

  /** False when there was no such connection. */
  async delete(name: string): Promise<boolean> {
    const list = this.read();
    const kept = list.filter((c) => c.name !== name);
    if (kept.length === list.length) return false;
    this.write(kept);
    return true;
  }
}

/** A saved connection by name, or a typed http(s) URL as an unsaved connection without auth. */
export async function flinkConnectionFor(nameOrUrl: string, store: FlinkConnectionStore): Promise<FlinkConnection> {
  if (/^https?:\/\//.test(nameOrUrl)) return parseFlinkConnection({ name: 'typed', url: nameOrUrl }, `Flink SQL Gateway URL ${nameOrUrl}`);
  const found = await store.get(nameOrUrl);
  if (!found) throw new EngineError('ENG_FLINK_CONNECTION_UNKNOWN', `There is no Flink connection named "${nameOrUrl}"; save one in the studio (File → Export Flink SQL…) or in ${store.path}`);
  return found;
}
