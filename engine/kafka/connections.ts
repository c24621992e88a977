// Kafka connections: where a cluster is and how to authenticate. Pipelines only name a connection, so
// exported pipeline JSON never carries secrets; the CLI keeps connections in a 0600 file under
// STREAMLAKE_HOME with their secrets in the OS keychain when one answers (passwords may instead come from
// environment variables), and the desktop app supplies a safeStorage-backed ConnectionStore.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kafka as KafkaClient, KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs.ts';
import { EngineError } from '../errors.ts';
import { registerCodecs } from './codecs.ts';
import { findSecretService, type SecretVault } from './secret-service.ts';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface ConnectionConfig {
  name: string;
  /** host:port entries. */
  brokers: string[];
  /** PEM text or a path to a PEM file, for each of ca/cert/key. */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** Confluent-compatible Schema Registry (Avro, Protobuf, JSON Schema): basic auth and TLS of its own. */
  schemaRegistry?: { url: string; username?: string; password?: string; tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } };
}

export interface ConnectionStore {
  list(): Promise<ConnectionConfig[]>;
  get(name: string): Promise<ConnectionConfig | undefined>;
  save(config: ConnectionConfig): Promise<void>;
  /** Like save, and says where the secrets went, so a UI can warn when only a plain file could hold them. */
  saveReporting?(config: ConnectionConfig): Promise<SecretsLocation>;
  delete(name: string): Promise<boolean>;
}

/** The development broker started by `npm run kafka:up` (or STREAMLAKE_KAFKA_BROKERS). */
export const LOCAL_CONNECTION = 'local';

export function localConnection(env: NodeJS.ProcessEnv = process.env): ConnectionConfig {
  const brokers = (env.STREAMLAKE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const registry = env.STREAMLAKE_SCHEMA_REGISTRY;
  return { name: LOCAL_CONNECTION, brokers, schemaRegistry: registry ? { url: registry } : undefined };
}

/** Environment variable that may hold a connection's password, e.g. STREAMLAKE_KAFKA_PROD_EU_PASSWORD. */
export function passwordEnvVar(name: string): string {
  return `STREAMLAKE_KAFKA_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
}

/** Validates a connection read from disk or received over IPC; names what is wrong. */
export function parseConnection(value: unknown, where = 'connection'): ConnectionConfig {
  const fail = (what: string): never => { throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `${where}: ${what}`); };
  if (typeof value !== 'object' || value === null) fail('must be an object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v.name)) fail('name must be letters, digits, ".", "_" or "-"');
  if (!Array.isArray(v.brokers) || v.brokers.length === 0 || !v.brokers.every((b) => typeof b === 'string' && /^[^\s:]+:\d{1,5}$/.test(b))) {
    fail('brokers must be a non-empty list of host:port');
  }
  if (v.sasl !== undefined) {
    const s = v.sasl as Record<string, unknown>;
    if (!['plain', 'scram-sha-256', 'scram-sha-512'].includes(String(s?.mechanism))) fail('sasl.mechanism must be plain, scram-sha-256 or scram-sha-512');
    if (typeof s.username !== 'string') fail('sasl.username must be a string');
    if (s.password !== undefined && typeof s.password !== 'string') fail('sasl.password must be a string');
  }
  if (v.tls !== undefined && (typeof v.tls !== 'object' || v.tls === null)) fail('tls must be an object');
  if (v.schemaRegistry !== undefined) {
    const r = v.schemaRegistry as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || typeof r.url !== 'string' || !/^https?:\/\/[^\s/]+/.test(r.url)) fail('schemaRegistry.url must be an http:// or https:// URL');
    for (const key of ['username', 'password'] as const) if (r?.[key] !== undefined && typeof r[key] !== 'string') fail(`schemaRegistry.${key} must be a string`);
    if (r?.tls !== undefined && (typeof r.tls !== 'object' || r.tls === null)) fail('schemaRegistry.tls must be an object');
  }
  return value as ConnectionConfig;
}

/** Secret fields a vault may hold, by where they sit in a ConnectionConfig. */
type SecretField = 'sasl.password' | 'schemaRegistry.password' | 'tls.key';
const secretFields: readonly SecretField[] = ['sasl.password', 'schemaRegistry.password', 'tls.key'];

/** On disk: secrets that live in the keychain are blank here and listed in `keychain`. */
type StoredConnection = ConnectionConfig & { keychain?: SecretField[] };

function secretOf(c: ConnectionConfig, field: SecretField): string | undefined {
  if (field === 'sasl.password') return c.sasl?.password || undefined;
  if (field === 'schemaRegistry.password') return c.schemaRegistry?.password || undefined;
  // A TLS key given as a path is a file the user protects; only PEM text is a secret to move.
  return c.tls?.key?.includes('-----BEGIN') ? c.tls.key : undefined;
}

function withSecret(c: ConnectionConfig, field: SecretField, value: string): ConnectionConfig {
  if (field === 'sasl.password' && c.sasl) return { ...c, sasl: { ...c.sasl, password: value } };
  if (field === 'schemaRegistry.password' && c.schemaRegistry) return { ...c, schemaRegistry: { ...c.schemaRegistry, password: value } };
  if (field === 'tls.key' && c.tls) return { ...c, tls: { ...c.tls, key: value } };
  return c;
}

/** Where `save` put a connection's secrets. */
export type SecretsLocation = 'keychain' | 'file' | 'none';

/**
 * The CLI's and browser host's store: $STREAMLAKE_HOME/connections.json, mode 0600. Secrets go to the OS
 * keychain (the Secret Service through secret-tool) when one answers; only without one do they stay in
 * the file, and `saveReporting` says so, so the caller can warn.
 */
export class FileConnectionStore implements ConnectionStore {
  readonly path: string;
  private readonly env: NodeJS.ProcessEnv;
  private vaultFound: Promise<SecretVault | null> | undefined;

  /** `vault`: null for none (plaintext in the file), default: the Secret Service when it answers. */
  constructor(private readonly homeDir: string, env: NodeJS.ProcessEnv = process.env, vault?: SecretVault | null) {
    this.path = join(homeDir, 'connections.json');
    this.env = env;
    if (vault !== undefined) this.vaultFound = Promise.resolve(vault);
  }

  vault(): Promise<SecretVault | null> {
    this.vaultFound ??= findSecretService(this.homeDir, this.env);
    return this.vaultFound;
  }

  private account(name: string, field: SecretField): string {
    return `kafka/${name}/${field}`;
  }

  /** The stored form with the keychain's secrets filled in. */
  private async unseal(stored: StoredConnection): Promise<ConnectionConfig> {
    const { keychain, ...config } = stored;
    if (!keychain?.length) return config;
    const vault = await this.vault();
    if (!vault) {
      throw new EngineError('ENG_SECRET_STORE', `The secrets of Kafka connection "${config.name}" are in the OS keychain, which is not reachable now (no Secret Service on the D-Bus session); unlock your keyring, or set ${passwordEnvVar(config.name)}`);
    }
    let out: ConnectionConfig = config;
    for (const field of keychain) {
      const secret = await vault.lookup(this.account(config.name, field));
      if (secret === undefined) throw new EngineError('ENG_SECRET_STORE', `The ${field} of Kafka connection "${config.name}" is missing from ${vault.label}; add the connection again`);
      out = withSecret(out, field, secret);
    }
    return out;
  }

  private read(): StoredConnection[] {
    if (!existsSync(this.path)) return [];
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const list = (raw as { connections?: unknown }).connections;
    if (!Array.isArray(list)) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `${this.path}: expected {"connections": [...]}`);
    return list.map((c, i) => parseConnection(c, `${this.path} connections[${i}]`));
  }

  private write(list: StoredConnection[]): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify({ connections: list }, null, 2) + '\n', { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  private withEnvSecret(c: ConnectionConfig): ConnectionConfig {
    const password = this.env[passwordEnvVar(c.name)];
    return password !== undefined && c.sasl ? { ...c, sasl: { ...c.sasl, password } } : c;
  }

  private async open(c: StoredConnection): Promise<ConnectionConfig> {
    // The environment variable wins, so a locked keyring does not stop a run that has it.
    const env = this.env[passwordEnvVar(c.name)];
    const keychain = env !== undefined ? c.keychain?.filter((field) => field !== 'sasl.password') : c.keychain;
    return this.withEnvSecret(await this.unseal({ ...c, ...(keychain ? { keychain } : {}) }));
  }

  async list(): Promise<ConnectionConfig[]> {
    // A listing shows names and hosts: a locked keyring must not hide them. The secret is asked for again,
    // with the keyring's error, when the connection is used (get).
    return Promise.all(this.read().map((c) => this.open(c).catch((error: unknown) => {
      if (!(error instanceof EngineError) || error.code !== 'ENG_SECRET_STORE') throw error;
      const { keychain: _keychain, ...config } = c;
      return this.withEnvSecret(config);
    })));
  }

  async get(name: string): Promise<ConnectionConfig | undefined> {
    const found = this.read().find((c) => c.name === name);
    return found && this.open(found);
  }

  async save(config: ConnectionConfig): Promise<void> {
    await this.saveReporting(config);
  }

  /** Saves, and says where the secrets went: the keychain, the 0600 file (no keychain), or none to keep. */
  async saveReporting(config: ConnectionConfig): Promise<SecretsLocation> {
    parseConnection(config);
    const secrets = secretFields.filter((field) => secretOf(config, field) !== undefined);
    const vault = secrets.length > 0 ? await this.vault() : null;
    let stored: StoredConnection = config;
    if (vault) {
      for (const field of secrets) {
        await vault.store(this.account(config.name, field), secretOf(config, field)!);
        stored = withSecret(stored, field, '');
      }
      stored = { ...stored, keychain: secrets };
    }
    const previous = this.read().find((c) => c.name === config.name);
    const list = this.read().filter((c) => c.name !== config.name);
    list.push(stored);
    this.write(list);
    if (vault) for (const field of previous?.keychain ?? []) if (!secrets.includes(field)) await vault.clear(this.account(config.name, field));
    return secrets.length === 0 ? 'none' : vault ? 'keychain' : 'file';
  }

  async delete(name: string): Promise<boolean> {
    const list = this.read();
    const gone = list.find((c) => c.name === name);
    const rest = list.filter((c) => c.name !== name);
    if (!gone) return false;
    this.write(rest);
    const vault = gone.keychain?.length ? await this.vault() : null;
    for (const field of gone.keychain ?? []) await vault?.clear(this.account(name, field));
    return true;
  }
}

/** A connection as shown in UIs and logs: secrets replaced by a marker. */
export function redactConnection(c: ConnectionConfig): ConnectionConfig {
  return {
    ...c,
    sasl: c.sasl && { ...c.sasl, password: c.sasl.password ? '••••' : '' },
    tls: c.tls && { ...c.tls, key: c.tls.key ? '••••' : undefined },
    schemaRegistry: c.schemaRegistry && {
      ...c.schemaRegistry,
      password: c.schemaRegistry.password ? '••••' : undefined,
      tls: c.schemaRegistry.tls && { ...c.schemaRegistry.tls, key: c.schemaRegistry.tls.key ? '••••' : undefined },
    },
  };
}

/** Looks a connection up by name; `local` is always available. */
export async function resolveConnection(name: string, store?: ConnectionStore, env: NodeJS.ProcessEnv = process.env): Promise<ConnectionConfig> {
  const saved = await store?.get(name);
  if (saved) return saved;
  if (name === LOCAL_CONNECTION) return localConnection(env);
  throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `There is no Kafka connection named "${name}"; add it with \`streamlake kafka connections add\` or in the studio`);
}

function pem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

export function tlsOptions(c: ConnectionConfig): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized: boolean } | undefined {
  if (!c.tls) return undefined;
  const ca = pem(c.tls.ca);
  return { ca: ca ? [ca] : undefined, cert: pem(c.tls.cert), key: pem(c.tls.key), rejectUnauthorized: c.tls.rejectUnauthorized ?? true };
}

export type KafkaLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

function logCreatorFor(log: KafkaLog | undefined): logCreator {
  return () => ({ level, log: entry }) => {
    if (!log) return;
    const text = `kafkajs ${entry.logger ?? ''}: ${entry.message}${entry.broker ? ` (${entry.broker})` : ''}${entry.error ? `: ${entry.error}` : ''}`;
    if (level === logLevel.ERROR) log('error', text);
    else if (level === logLevel.WARN) log('warn', text);
  };
}

export interface ClientOptions {
  clientId?: string;
  log?: KafkaLog;
  retry?: KafkaConfig['retry'];
  connectionTimeout?: number;
}

export function kafkaClient(c: ConnectionConfig, opts: ClientOptions = {}): KafkaClient {
  registerCodecs();
  const sasl: SASLOptions | undefined = c.sasl
    ? ({ mechanism: c.sasl.mechanism, username: c.sasl.username, password: c.sasl.password } as SASLOptions)
    : undefined;
  const tls = tlsOptions(c);
  return new Kafka({
    clientId: opts.clientId ?? 'streamlake',
    brokers: c.brokers,
    ssl: tls ?? false,
    sasl,
    connectionTimeout: opts.connectionTimeout ?? 5000,
    authenticationTimeout: 5000,
    retry: opts.retry,
    logLevel: logLevel.WARN,
    logCreator: logCreatorFor(opts.log),
  });
}
