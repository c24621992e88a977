// The test suite's schema registry: one real Apicurio Registry shared by the test files that need it,
// started by the suite before the tests (prepare, from testing/kafka.ts) and exported as
// STREAMLAKE_TEST_REGISTRY. A test file run on its own starts its own instead. Apicurio takes ~15 s and
// ~300 MB, so it starts only when some selected file uses this helper.
import { readFileSync } from 'node:fs';
import type { RegistryHandle } from '../kafka/registry/apicurio.ts';
import { startRegistry } from '../kafka/registry/apicurio.ts';
import { isEngineError } from '../errors.ts';

export const TEST_REGISTRY_ENV = 'STREAMLAKE_TEST_REGISTRY';

/** Does this test file (or e2e spec) need the registry? It calls useTestRegistry or reads the variable. */
export function needsRegistry(file: string): boolean {
  try {
    return /useTestRegistry|STREAMLAKE_TEST_REGISTRY/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

export async function prepareRegistry(env: NodeJS.ProcessEnv, files: string[]): Promise<(() => Promise<void>) | undefined> {
  if (env[TEST_REGISTRY_ENV] || !files.some(needsRegistry)) return undefined;
  console.log('\n=== starting a schema registry (Apicurio) for the tests');
  let registry: RegistryHandle;
  try {
    registry = await startRegistry({ log: (line) => console.log(line) });
  } catch (error) {
    // Nothing else is started yet: a missing Java 21 ends the suite with its one line, not a stack trace.
    if (!isEngineError(error)) throw error;
    console.error(`\nerror: ${error.message}`);
    process.exit(1);
  }
  env[TEST_REGISTRY_ENV] = registry.url;
  return () => registry.stop();
}

export interface TestRegistry {
  /** The Confluent-compatible API root (…/apis/ccompat/v7). */
  url: string;
  /** Stops the registry if this file started it; a shared one keeps running. */
  release(): Promise<void>;
}

let own: Promise<RegistryHandle> | undefined;

/** The shared test registry from the environment, or one started for this file alone. */
export async function useTestRegistry(): Promise<TestRegistry> {
  const shared = process.env[TEST_REGISTRY_ENV];
  if (shared) return { url: shared, release: async () => {} };
  own ??= startRegistry();
  const registry = await own;
  return {
    url: registry.url,
    release: async () => {
      own = undefined;
      await registry.stop();
    },
  };
}
