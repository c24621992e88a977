// Where downloaded third-party programs (Kafka, Apicurio, Iceberg Java, Flink, database servers) are kept:
// outside the checkout, so a fresh clone, `git clean` or a second worktree never re-downloads hundreds of
// megabytes and nothing large can be committed by accident. STREAMLAKE_CACHE moves the whole cache; the
// XDG base directory rule is followed otherwise.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMLAKE_CACHE) return env.STREAMLAKE_CACHE;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'streamlake');
}

/** A folder under the cache root, e.g. cacheDir('kafka'). */
export function cacheDir(...parts: string[]): string {
  return join(cacheRoot(), ...parts);
}

/**
 * A short hash of files' contents, for cache folders that must follow a source: compiled classes keyed by
 * their .java files, jar folders by their pom. Several checkouts share one cache, so "newer than the source"
 * is not enough: two worktrees with different sources would keep recompiling over each other, or worse, one
 * would run the other's classes.
 */
export function contentKey(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}
