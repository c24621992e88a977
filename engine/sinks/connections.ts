// Saved connections of the database sinks: one JSON file per kind under $STREAMLAKE_HOME
// (`{"connections": [...]}`, mode 0600), each entry checked by the kind's own parser when read; a password
// may instead come from an environment variable named after the connection. A pipeline only names a
// connection, so exported pipeline JSON never carries a password.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineError, type ErrorCode } from '../errors.ts';

export interface ConnectionKind<T> {
  /** File name under the home folder, e.g. `postgres.json`. */
  file: string;
  /** Validates one entry; throws naming what is wrong (and where, when given). */
  parse(value: unknown, where?: string): T;
  /** The environment variable that may hold a connection's password. */
  passwordEnvVar(name: string): string;
  /** Error code for a file that cannot be read. */
  code: ErrorCode;
  /** Whether list() fills passwords from the environment too (get() always does). */
  listWithEnvPasswords: boolean;
}

export class ConnectionFile<T extends { name: string; password?: string }> {
  readonly path: string;

  constructor(homeDir: string, private readonly kind: ConnectionKind<T>, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.path = join(homeDir, kind.file);
  }

  private read(): T[] {
    if (!existsSync(this.path)) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new EngineError(this.kind.code, `${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const list = (raw as { connections?: unknown }).connections;
    if (!Array.isArray(list)) throw new EngineError(this.kind.code, `${this.path}: expected {"connections": [...]}`);
    return list.map((c, i) => this.kind.parse(c, `${this.path} connections[${i}]`));
  }

  private write(list: T[]): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify({ connections: list }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  private withEnvPassword(c: T): T {
    const password = this.env[this.kind.passwordEnvVar(c.name)];
    return password === undefined ? c : { ...c, password };
  }

  async list(): Promise<T[]> {
    const list = this.read();
    return this.kind.listWithEnvPasswords ? list.map((c) => this.withEnvPassword(c)) : list;
  }

  async get(name: string): Promise<T | undefined> {
    const found = this.read().find((c) => c.name === name);
    return found && this.withEnvPassword(found);
  }

  async save(config: T): Promise<void> {
    const checked = this.kind.parse(config);
    this.write([...this.read().filter((c) => c.name !== checked.name), checked]);
  }

  async delete(name: string): Promise<boolean> {
    const list = this.read();
    const rest = list.filter((c) => c.name !== name);
    if (rest.length === list.length) return false;
    this.write(rest);
    return true;
  }
}
