// Finds a Java runtime of at least a given major version at run time. Apicurio Registry 3 needs Java 21+
// (class file 65) while the broker runs on the Debian Java 17 that is first on PATH, so the registry cannot
// simply run `java`: JAVA_HOME, the standard JVM folder and PATH are scanned and the newest fitting one wins.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface JavaRuntime {
  /** The `java` executable. */
  path: string;
  major: number;
}

/** The major version of a JDK home from its `release` file (JAVA_VERSION="25.0.3"), else from `java -version`. */
function majorOf(home: string, java: string): number | undefined {
  const release = join(home, 'release');
  if (existsSync(release)) {
    const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(readFileSync(release, 'utf8'));
    // Java 8 and older call themselves 1.8; those are far below anything asked for here.
    if (match) return match[1] === '1' ? Number(match[2]) : Number(match[1]);
  }
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`);
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** Candidate JDK homes: JAVA_HOME, every folder under the JVM directories, and the `java` on PATH. */
function candidateHomes(env: NodeJS.ProcessEnv, jvmDirs: readonly string[]): string[] {
  const homes: string[] = [];
  if (env.JAVA_HOME) homes.push(env.JAVA_HOME);
  for (const dir of jvmDirs) {
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const name of names.sort()) if (!name.startsWith('.')) homes.push(join(dir, name));
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const java = join(dir, 'java');
    if (!dir || !existsSync(java)) continue;
    try { homes.push(join(realpathSync(java), '..', '..')); } catch { /* a dangling link */ }
  }
  return homes;
}

/** Where JDKs are installed: STREAMLAKE_JVM_DIRS (colon-separated) replaces the usual folders. */
function defaultJvmDirs(env: NodeJS.ProcessEnv): string[] {
  return env.STREAMLAKE_JVM_DIRS !== undefined ? env.STREAMLAKE_JVM_DIRS.split(delimiter).filter(Boolean) : ['/usr/lib/jvm', '/usr/java', '/opt/java'];
}

/** The newest Java runtime with major version ≥ `minMajor`, or undefined when none is installed. */
export function findJava(minMajor: number, env: NodeJS.ProcessEnv = process.env, jvmDirs: readonly string[] = defaultJvmDirs(env)): JavaRuntime | undefined {
  let best: JavaRuntime | undefined;
  const seen = new Set<string>();
  for (const home of candidateHomes(env, jvmDirs)) {
    const java = join(home, 'bin', 'java');
    let real: string;
    try { real = realpathSync(java); } catch { continue; }
    if (seen.has(real)) continue;
    seen.add(real);
    const major = majorOf(home, java);
    if (major !== undefined && major >= minMajor && (!best || major > best.major)) best = { path: java, major };
  }
  return best;
}
