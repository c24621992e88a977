// Where Streamlake keeps its local state: STREAMLAKE_HOME (default ~/.streamlake) holds connections and
// settings, and the lake lives in $STREAMLAKE_HOME/lake unless --lake says otherwise.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** STREAMLAKE_HOME as an absolute path (default `~/.streamlake`). */
export function streamlakeHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.STREAMLAKE_HOME?.trim();
  return resolve(configured ? configured : join(homedir(), '.streamlake'));
}

/** The lake folder used when no --lake is given: `$STREAMLAKE_HOME/lake`. */
export function defaultLakeDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(streamlakeHome(env), 'lake');
}
