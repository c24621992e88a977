// Servers shared by the test files of one `npm test` run: one Cassandra and one OpenSearch node instead of
// one per file. Each is a JVM that costs 25–45 s and about a CPU-minute to start on our 2-core machines,
// and several files only need one to talk to. The suite starts a shared one when two or more of the
// chosen files use it (suite.ts runs the start as a job of its own, just before the first such file) and
// exports it as STREAMLAKE_TEST_CASSANDRA / STREAMLAKE_TEST_OPENSEARCH; a file run on its own starts its own.
//
// Only files that leave the server as they found it may share one: none of them stops, restarts or
// reconfigures it, and each uses names of its own (keyspaces, roles, indices). The kill/restart tests keep
// starting their own servers with startCassandra/startOpenSearch.
import { readFileSync } from 'node:fs';
import { startCassandra } from '../sinks/cassandra/server.ts';
import { startOpenSearch } from '../sinks/opensearch/server.ts';

export const TEST_CASSANDRA_ENV = 'STREAMLAKE_TEST_CASSANDRA';
export const TEST_OPENSEARCH_ENV = 'STREAMLAKE_TEST_OPENSEARCH';

export interface TestCassandra {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Stops the server if this file started it; a shared one keeps running. */
  release(): Promise<void>;
}

export interface TestOpenSearch {
  url: string;
  /** Stops the node if this file started it; a shared one keeps running. */
  release(): Promise<void>;
}

/** A server the suite can share, and how a test file asks for it. */
export interface SharedServer {
  name: string;
  env: string;
  /** The call a test file makes to use the shared server. */
  helper: string;
  /** Starts one; resolves with the value to export and how to stop it. */
  start(log: (line: string) => void): Promise<{ value: string; stop(): Promise<void> }>;
}

export const sharedServers: readonly SharedServer[] = [
  {
    name: 'Cassandra',
    env: TEST_CASSANDRA_ENV,
    helper: 'useTestCassandra',
    async start(log) {
      const server = await startCassandra({ log });
      return { value: JSON.stringify({ host: server.host, port: server.port, user: server.user, password: server.password }), stop: () => server.destroy() };
    },
  },
  {
    name: 'OpenSearch',
    env: TEST_OPENSEARCH_ENV,
    helper: 'useTestOpenSearch',
    async start(log) {
      const server = await startOpenSearch({ log });
      return { value: JSON.stringify({ url: server.url }), stop: () => server.destroy() };
    },
  },
];

/** Does this test file ask for the shared server: import this module from outside it, and call the helper? */
export function usesServer(server: SharedServer, file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  return /from '[^']*\/testing\/servers\.ts'/.test(text) && text.includes(`${server.helper}(`);
}

/** The shared server's settings from the environment, checked: a malformed value is an error naming the variable. */
function sharedValue<T>(env: string, check: (value: Record<string, unknown>) => T | undefined): T | undefined {
  const raw = process.env[env];
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const value = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? check(parsed as Record<string, unknown>) : undefined;
  if (value === undefined) throw new Error(`${env} must be the JSON the test suite writes for its shared server; got ${raw}`);
  return value;
}

/** The suite's shared Cassandra, or one started for this file alone. */
export async function useTestCassandra(): Promise<TestCassandra> {
  const shared = sharedValue(TEST_CASSANDRA_ENV, (v) =>
    typeof v.host === 'string' && typeof v.port === 'number' && typeof v.user === 'string' && typeof v.password === 'string'
      ? { host: v.host, port: v.port, user: v.user, password: v.password }
      : undefined);
  if (shared) return { ...shared, release: async () => {} };
  const own = await startCassandra();
  return { host: own.host, port: own.port, user: own.user, password: own.password, release: () => own.destroy() };
}

/** The suite's shared OpenSearch node, or one started for this file alone. */
export async function useTestOpenSearch(log?: (line: string) => void): Promise<TestOpenSearch> {
  const shared = sharedValue(TEST_OPENSEARCH_ENV, (v) => (typeof v.url === 'string' ? { url: v.url } : undefined));
  if (shared) return { ...shared, release: async () => {} };
  const own = await startOpenSearch(log ? { log } : {});
  return { url: own.url, release: () => own.destroy() };
}
