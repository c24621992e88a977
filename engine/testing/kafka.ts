// The test suite's Kafka: one real broker shared by every test file that needs it, started before the
// tests and stopped after. A test file run on its own (node --test file) starts its own broker instead.
import { readFileSync } from 'node:fs';
import type { BrokerHandle } from '../kafka/broker/broker.ts';
import { startBroker } from '../kafka/broker/broker.ts';
import { kafkaClient } from '../kafka/connections.ts';
import { randomBytes } from 'node:crypto';
import { systemClock, systemTimers } from '../runtime/clock.ts';
import type { Batch, NodeContext, Row, SourceInstance } from '../runtime/types.ts';
import { prepareRegistry } from './registry.ts';

export const TEST_KAFKA_ENV = {
  bootstrap: 'STREAMLAKE_TEST_KAFKA',
  saslSslBootstrap: 'STREAMLAKE_TEST_KAFKA_SASL_SSL',
  ca: 'STREAMLAKE_TEST_KAFKA_CA',
  username: 'STREAMLAKE_TEST_KAFKA_USER',
  password: 'STREAMLAKE_TEST_KAFKA_PASSWORD',
} as const;

/** Does this test file need a broker? Named after kafka, or it uses this helper. */
function needsKafka(file: string): boolean {
  if (/kafka/i.test(file)) return true;
  try {
    return /testing\/kafka(\.ts)?['"]/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

export async function prepare(env: NodeJS.ProcessEnv, files: string[]): Promise<(() => Promise<void>) | undefined> {
  // Side by side: each is a JVM that mostly waits while it starts, and the files that need them wait too.
  const [stopRegistry, stopBroker] = await Promise.all([prepareRegistry(env, files), prepareBroker(env, files)]);
  if (!stopRegistry && !stopBroker) return undefined;
  return async () => {
    await stopBroker?.();
    await stopRegistry?.();
  };
}

async function prepareBroker(env: NodeJS.ProcessEnv, files: string[]): Promise<(() => Promise<void>) | undefined> {
  if (env[TEST_KAFKA_ENV.bootstrap] || !files.some(needsKafka)) return undefined;
  console.log('\n=== starting a Kafka broker for the tests');
  const broker = await startBroker({ log: (line) => console.log(line) });
  Object.assign(env, brokerEnv(broker));
  return async () => {
    await broker.stop();
  };
}

function brokerEnv(broker: BrokerHandle): Record<string, string> {
  const out: Record<string, string> = { [TEST_KAFKA_ENV.bootstrap]: broker.bootstrap };
  if (broker.saslSsl) {
    out[TEST_KAFKA_ENV.saslSslBootstrap] = broker.saslSsl.bootstrap;
    out[TEST_KAFKA_ENV.ca] = broker.saslSsl.caPath;
    out[TEST_KAFKA_ENV.username] = broker.saslSsl.username;
    out[TEST_KAFKA_ENV.password] = broker.saslSsl.password;
  }
  return out;
}

export interface TestBroker {
  bootstrap: string;
  saslSsl?: { bootstrap: string; caPath: string; username: string; password: string };
  /** Stops the broker if this file started it; a shared broker keeps running. */
  release(): Promise<void>;
}

let own: Promise<BrokerHandle> | undefined;

/** The shared test broker from the environment, or one started for this file alone. */
export async function useTestBroker(): Promise<TestBroker> {
  const env = process.env;
  const shared = env[TEST_KAFKA_ENV.bootstrap];
  if (shared) {
    const sasl = env[TEST_KAFKA_ENV.saslSslBootstrap];
    return {
      bootstrap: shared,
      saslSsl: sasl
        ? { bootstrap: sasl, caPath: env[TEST_KAFKA_ENV.ca] ?? '', username: env[TEST_KAFKA_ENV.username] ?? '', password: env[TEST_KAFKA_ENV.password] ?? '' }
        : undefined,
      release: async () => {},
    };
  }
  own ??= startBroker();
  const broker = await own;
  Object.assign(process.env, brokerEnv(broker));
  return {
    bootstrap: broker.bootstrap,
    saslSsl: broker.saslSsl,
    release: async () => {
      own = undefined;
      for (const key of Object.values(TEST_KAFKA_ENV)) delete process.env[key];
      await broker.stop();
    },
  };
}

// ---- driving sources directly --------------------------------------------------------------------

export function testContext(nodeId: string, logs: string[] = []): NodeContext {
  const abort = new AbortController();
  return {
    nodeId,
    pipelineName: 'test',
    clock: systemClock,
    timers: systemTimers,
    lakeDir: '/nonexistent-lake',
    homeDir: '/nonexistent-home',
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: abort.signal,
    log: (level, message) => { logs.push(`${level}: ${message}`); },
  };
}

/** Creates a topic on the test broker and waits for its leaders; `config`: topic settings such as retention.ms. */
export async function createTestTopic(bootstrap: string, topic: string, partitions = 1, config: Record<string, string> = {}): Promise<void> {
  const admin = kafkaClient({ name: 'local', brokers: [bootstrap] }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export function uniqueTopic(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

export interface Collected {
  out: Row[];
  error: Row[];
  batches: Batch[];
}

/**
 * Runs the source until `until` holds for what was collected (checked after every batch) or the source
 * ends by itself; `limitMs` bounds the wait so a broken source fails the test instead of hanging it.
 */
export async function collect(source: SourceInstance, until?: (c: Collected) => boolean, limitMs = 60_000): Promise<Collected> {
  const c: Collected = { out: [], error: [], batches: [] };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), limitMs);
  const push = async (batch: Batch, port: 'out' | 'error' = 'out'): Promise<void> => {
    c.batches.push(batch);
    (port === 'out' ? c.out : c.error).push(...batch.rows);
    if (until?.(c)) abort.abort();
  };
  try {
    await source.run(push, abort.signal);
  } finally {
    clearTimeout(timer);
  }
  return c;
}
