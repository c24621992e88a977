// Kafka connections as the studio sees them: the engine's ConnectionConfig (engine/kafka/connections.ts)
// mapped to the contract's secret-free KafkaConnectionInfo, and the form input mapped back. The store is
// the host's choice: a 0600 file in browser mode, the OS keychain (safeStorage) in the desktop app.
import { EngineError } from '../../errors.ts';
import { testConnection } from '../../kafka/check.ts';
import { LOCAL_CONNECTION, localConnection, parseConnection, resolveConnection } from '../../kafka/connections.ts';
import type { ConnectionConfig, ConnectionStore } from '../../kafka/connections.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { KafkaConnectionInfo, KafkaConnectionInput, KafkaSecurity, KafkaTestResult } from '../contract.ts';

export class StudioConnections {
  constructor(private readonly store: ConnectionStore, private readonly clock: Clock) {}

  async list(): Promise<KafkaConnectionInfo[]> {
    const saved = await this.store.list();
    // The development broker (`npm run kafka:up`) is always offered unless a saved one replaces it.
    const all = saved.some((c) => c.name === LOCAL_CONNECTION) ? saved : [localConnection(), ...saved];
    return all.map(toInfo);
  }

  async save(input: KafkaConnectionInput): Promise<KafkaConnectionInfo> {
    const existing = await this.store.get(input.name);
    const config = fromInput(input, existing);
    parseConnection(config, `connection "${input.name}"`);
    // Stores that know say where secrets went, so the UI can warn when they could only go to a plain file.
    if (this.store.saveReporting) {
      const secretsIn = await this.store.saveReporting(config);
      return secretsIn === 'none' ? toInfo(config) : { ...toInfo(config), secretsIn };
    }
    await this.store.save(config);
    return toInfo(config);
  }

  async remove(name: string): Promise<void> {
    const removed = await this.store.delete(name);
    if (!removed) throw new EngineError('ENG_KAFKA_CONNECTION_UNKNOWN', `There is no saved Kafka connection named "${name}"`);
  }

  async resolve(name: string): Promise<ConnectionConfig> {
    return resolveConnection(name, this.store);
  }

  async test(params: { name?: string; connection?: KafkaConnectionInput }): Promise<KafkaTestResult> {
    const config = params.connection
      ? fromInput(params.connection, await this.store.get(params.connection.name))
      : await this.resolve(params.name ?? '');
    const started = this.clock.now();
    const result = await testConnection(config);
    const elapsedMs = this.clock.now() - started;
    if (result.ok) {
      const registry = result.registry ? ` Schema registry: ${result.registry.subjects} subject${result.registry.subjects === 1 ? '' : 's'}.` : '';
      return { ok: true, message: `Connected to ${result.brokers.length} broker${result.brokers.length === 1 ? '' : 's'}; ${result.topics.length} topic${result.topics.length === 1 ? '' : 's'} visible.${registry}`, brokers: result.brokers.length, elapsedMs };
    }
    const failedAt = result.stage === 'authorization' ? 'authz' : result.stage === 'unknown' ? 'other' : result.stage;
    return { ok: false, failedAt, message: result.message, elapsedMs };
  }
}

function security(c: ConnectionConfig): KafkaSecurity {
  if (c.sasl) return c.tls ? 'sasl_ssl' : 'sasl_plaintext';
  return c.tls ? 'ssl' : 'plaintext';
}

export function toInfo(c: ConnectionConfig): KafkaConnectionInfo {
  const info: KafkaConnectionInfo = {
    name: c.name,
    brokers: [...c.brokers],
    security: security(c),
    hasPassword: Boolean(c.sasl?.password),
    hasClientKey: Boolean(c.tls?.key),
  };
  if (c.sasl) {
    info.saslMechanism = c.sasl.mechanism;
    info.username = c.sasl.username;
  }
  if (c.tls?.ca) info.ca = c.tls.ca;
  if (c.tls?.cert) info.clientCert = c.tls.cert;
  if (c.schemaRegistry) {
    info.schemaRegistryUrl = c.schemaRegistry.url;
    if (c.schemaRegistry.username) info.schemaRegistryUsername = c.schemaRegistry.username;
    info.hasSchemaRegistryPassword = Boolean(c.schemaRegistry.password);
    if (c.schemaRegistry.tls?.ca) info.schemaRegistryCa = c.schemaRegistry.tls.ca;
  }
  return info;
}

/** Builds the stored config; absent secrets keep the stored ones, null removes them. */
export function fromInput(input: KafkaConnectionInput, existing: ConnectionConfig | undefined): ConnectionConfig {
  const config: ConnectionConfig = { name: input.name, brokers: [...input.brokers] };
  if (input.security === 'ssl' || input.security === 'sasl_ssl') {
    const key = input.clientKey === undefined ? existing?.tls?.key : input.clientKey ?? undefined;
    config.tls = {};
    if (input.ca) config.tls.ca = input.ca;
    if (input.clientCert) config.tls.cert = input.clientCert;
    if (key) config.tls.key = key;
  }
  if (input.security === 'sasl_plaintext' || input.security === 'sasl_ssl') {
    if (!input.saslMechanism) throw new EngineError('ENG_HOST_REQUEST', `connection "${input.name}": SASL needs a mechanism (plain, scram-sha-256 or scram-sha-512)`);
    if (!input.username) throw new EngineError('ENG_HOST_REQUEST', `connection "${input.name}": SASL needs a user name`);
    const password = input.password === undefined ? existing?.sasl?.password ?? '' : input.password ?? '';
    config.sasl = { mechanism: input.saslMechanism, username: input.username, password };
  }
  if (input.schemaRegistryUrl) {
    const kept = existing?.schemaRegistry;
    const password = input.schemaRegistryPassword === undefined ? kept?.password : input.schemaRegistryPassword ?? undefined;
    config.schemaRegistry = { url: input.schemaRegistryUrl };
    if (input.schemaRegistryUsername) config.schemaRegistry.username = input.schemaRegistryUsername;
    if (input.schemaRegistryUsername && password) config.schemaRegistry.password = password;
    if (input.schemaRegistryCa) config.schemaRegistry.tls = { ca: input.schemaRegistryCa };
  }
  return config;
}
