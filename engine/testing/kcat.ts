// kcat as the tests' independent reader and writer of topics. A missing kcat is a clear error here, not
// `Cannot read properties of null (reading 'trim')` from the null stdout spawnSync returns then.
import { spawnSync } from 'node:child_process';

export interface KcatOptions {
  /** Text written to kcat's stdin (producing). */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs kcat and returns what it printed; throws with kcat's own words when it fails or is missing. */
export function kcat(args: readonly string[], options: KcatOptions = {}): string {
  const result = spawnSync('kcat', args, { encoding: 'utf8', input: options.input, env: options.env ?? process.env, maxBuffer: 1 << 30 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing
      ? 'kcat is not installed: the Kafka tests read and write topics with it. Install it with: sudo apt-get install -y kcat (npm test does this when run as root)'
      : `kcat ${args.join(' ')} could not run: ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`kcat ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.trim()}`);
  return result.stdout;
}
