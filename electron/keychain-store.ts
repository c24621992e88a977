// The desktop app's Kafka connection store: connection settings in `<home>/connections.desktop.json`
// (mode 0600), every secret (SASL password, TLS client key, Schema Registry password) encrypted with
// Electron's safeStorage, i.e. with a key held by the OS keychain (macOS Keychain, Windows DPAPI,
// libsecret/kwallet on Linux). When no keychain is available (Linux without a secret service, where
// safeStorage would fall back to a hard-coded key) the secret is kept as plain text in the 0600 file, marked
// as such, and the save reports it so the studio warns; it never pretends to encrypt.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SafeStorage } from 'electron';
import { EngineError } from '../engine/errors.ts';
import { parseConnection } from '../engine/kafka/connections.ts';
import type { ConnectionConfig, ConnectionStore, SecretsLocation } from '../engine/kafka/connections.ts';

/** On disk: the config with secrets replaced by `{ $encrypted: base64 }`, or `{ $plain }` without a keychain. */
type Sealed = { $encrypted: string } | { $plain: string };
interface StoredConnection extends Omit<ConnectionConfig, 'sasl' | 'tls' | 'schemaRegistry'> {
  sasl?: Omit<NonNullable<ConnectionConfig['sasl']>, 'password'> & { password: Sealed | '' };
  tls?: Omit<NonNullable<ConnectionConfig['tls']>, 'key'> & { key?: Sealed };
  schemaRegistry?: Omit<NonNullable<ConnectionConfig['schemaRegistry']>, 'password'> & { password?: Sealed };
}

export class KeychainConnectionStore implements ConnectionStore {
  readonly path: string;

  constructor(homeDir: string, private readonly safeStorage: SafeStorage) {
    this.path = join(homeDir, 'connections.desktop.json');
  }

  /** True when secrets are protected by a real OS keychain. */
  available(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return process.platform !== 'linux' || this.safeStorage.getSelectedStorageBackend() !== 'basic_text';
  }

  async list(): Promise<ConnectionConfig[]> {
    return Promise.all((await this.read()).map((c) => this.unseal(c)));
  }

  async get(name: string): Promise<ConnectionConfig | undefined> {
    const found = (await this.read()).find((c) => c.name === name);
    return found && this.unseal(found);
  }

  async save(config: ConnectionConfig): Promise<void> {
    await this.saveReporting(config);
  }

  /** Saves, and says where the secrets went: the keychain, the 0600 file (no keychain), or none to keep. */
  async saveReporting(config: ConnectionConfig): Promise<SecretsLocation> {
    parseConnection(config, `connection "${config.name}"`);
    const sealed = await this.seal(config);
    const rest = (await this.read()).filter((c) => c.name !== config.name);
    await this.write([...rest, sealed]);
    const secrets = Boolean(config.sasl?.password || config.tls?.key || config.schemaRegistry?.password);
    return !secrets ? 'none' : this.available() ? 'keychain' : 'file';
  }

  async delete(name: string): Promise<boolean> {
    const list = await this.read();
    const rest = list.filter((c) => c.name !== name);
    if (rest.length === list.length) return false;
    await this.write(rest);
    return true;
  }

  private async read(): Promise<StoredConnection[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const list = (value as { connections?: unknown }).connections;
    if (!Array.isArray(list)) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `${this.path}: expected {"connections": [...]}`);
    return list as StoredConnection[];
  }

  private async write(list: StoredConnection[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ connections: list }, null, 2) + '\n', { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.path);
  }

  private async encrypt(secret: string): Promise<Sealed> {
    if (!this.available()) return { $plain: secret };
    const encrypted = await this.safeStorage.encryptStringAsync(secret);
    return { $encrypted: encrypted.toString('base64') };
  }

  private async decrypt(sealed: Sealed | '' | undefined, what: string, name: string): Promise<string | undefined> {
    if (sealed === undefined || sealed === '') return sealed === '' ? '' : undefined;
    if ('$plain' in sealed) return sealed.$plain;
    try {
      const { result } = await this.safeStorage.decryptStringAsync(Buffer.from(sealed.$encrypted, 'base64'));
      return result;
    } catch (error) {
      throw new EngineError('ENG_KAFKA_AUTH', `The ${what} of connection "${name}" could not be decrypted with the OS keychain (was it created by another user or machine?); enter it again`, undefined, { cause: error });
    }
  }

  private async seal(c: ConnectionConfig): Promise<StoredConnection> {
    const out: StoredConnection = { name: c.name, brokers: [...c.brokers] };
    if (c.sasl) out.sasl = { mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password ? await this.encrypt(c.sasl.password) : '' };
    if (c.tls) {
      const { key, ...tls } = c.tls;
      out.tls = key ? { ...tls, key: await this.encrypt(key) } : tls;
    }
    if (c.schemaRegistry) {
      const { password, ...registry } = c.schemaRegistry;
      out.schemaRegistry = password ? { ...registry, password: await this.encrypt(password) } : registry;
    }
    return out;
  }

  private async unseal(s: StoredConnection): Promise<ConnectionConfig> {
    const out: ConnectionConfig = { name: s.name, brokers: [...s.brokers] };
    if (s.sasl) out.sasl = { mechanism: s.sasl.mechanism, username: s.sasl.username, password: (await this.decrypt(s.sasl.password, 'password', s.name)) ?? '' };
    if (s.tls) {
      const { key, ...tls } = s.tls;
      const plain = await this.decrypt(key, 'TLS client key', s.name);
      out.tls = plain === undefined ? tls : { ...tls, key: plain };
    }
    if (s.schemaRegistry) {
      const { password, ...registry } = s.schemaRegistry;
      const plain = await this.decrypt(password, 'Schema Registry password', s.name);
      out.schemaRegistry = plain === undefined ? registry : { ...registry, password: plain };
    }
    return parseConnection(out, `${this.path} connection "${s.name}"`);
  }
}
