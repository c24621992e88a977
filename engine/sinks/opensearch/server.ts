// A throwaway OpenSearch 2.x node for tests and benchmarks: the integ-test distribution zip from Maven
// Central (`org.opensearch.distribution.integ-test-zip:opensearch:<v>:zip`, the server without the
// security plugin), fetched once with Maven into ~/.cache/streamlake/opensearch (outside the repo) and
// unpacked fresh into a temp folder per server. Single node on 127.0.0.1, free ports, 512 MB heap.
// OpenSearch refuses to run as root, so as root it runs as a system user `streamlake-os` (created when
// missing), like PostgreSQL runs as `postgres`. OpenSearch 2.x needs Java 17 to 21 (it still uses the
// security manager, which Java 24 removed); the JDK is found at run time.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheDir } from '../../cache.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import { freePort } from '../postgres/server.ts';

export const OPENSEARCH_VERSION = '2.19.6';
const artifact = `org.opensearch.distribution.integ-test-zip:opensearch:${OPENSEARCH_VERSION}:zip`;
const user = 'streamlake-os';

export interface OpenSearchServer {
  url: string;
  port: number;
  dir: string;
  /** Kills the node (SIGKILL, like a crash), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export function openSearchCacheDir(): string {
  return process.env.STREAMLAKE_OPENSEARCH_CACHE ?? cacheDir('opensearch');
}

/** The distribution zip, downloaded with Maven on first use. */
export function ensureOpenSearchZip(log: (line: string) => void = () => {}): string {
  const dir = openSearchCacheDir();
  const zip = path.join(dir, `opensearch-${OPENSEARCH_VERSION}.zip`);
  if (existsSync(zip)) return zip;
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) throw new Error('Maven (mvn) is needed once to fetch OpenSearch from Maven Central; install the Debian package `maven`');
  mkdirSync(dir, { recursive: true });
  log(`fetching ${artifact} from Maven Central (about 56 MB, once) into ${dir}`);
  // into a folder of its own, then renamed: test files starting servers at once never see half a zip
  const download = mkdtempSync(path.join(dir, '.download-'));
  try {
    const result = spawnSync('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${download}`], { encoding: 'utf8', timeout: 600_000 });
    const fetched = path.join(download, path.basename(zip));
    if (result.status !== 0 || !existsSync(fetched)) throw new Error(`Maven could not fetch ${artifact} (exit ${result.status}): ${(result.stdout + result.stderr).trim().split('\n').slice(-10).join('\n')}`);
    renameSync(fetched, zip);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return zip;
}

/** A JDK home of major 17 to 21: OPENSEARCH_JAVA_HOME, JAVA_HOME, then /usr/lib/jvm; null when none. */
export function findOpenSearchJava(env: NodeJS.ProcessEnv = process.env): { home: string; major: number } | null {
  const homes: string[] = [];
  for (const v of [env.OPENSEARCH_JAVA_HOME, env.JAVA_HOME]) if (v) homes.push(v);
  for (const root of ['/usr/lib/jvm', '/usr/java', '/opt/java']) {
    try {
      for (const name of readdirSync(root).sort()) homes.push(path.join(root, name));
    } catch {
      // not there
    }
  }
  for (const home of homes) {
    if (!existsSync(path.join(home, 'bin', 'java'))) continue;
    let major: number | undefined;
    try {
      const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(path.join(home, 'release'), 'utf8'));
      if (m) major = Number(m[1]);
    } catch {
      const probe = spawnSync(path.join(home, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
      const m = /version "(\d+)/.exec(`${probe.stderr ?? ''}`);
      if (m) major = Number(m[1]);
    }
    if (major !== undefined && major >= 17 && major <= 21) return { home, major };
  }
  return null;
}

/** As root: the uid/gid of the system user OpenSearch runs as, created when missing. */
function runAsUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  if (spawnSync('id', ['-u', user], { stdio: 'ignore' }).status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { stdio: 'ignore' });
  }
  return { uid: id('-u'), gid: id('-g') };
}

function chownTree(dir: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

export async function startOpenSearch(options: { log?: (line: string) => void } = {}): Promise<OpenSearchServer> {
  const java = findOpenSearchJava();
  if (!java) throw new Error('OpenSearch 2.x needs a Java 17 to 21 JDK and none was found (OPENSEARCH_JAVA_HOME, JAVA_HOME, /usr/lib/jvm); install the Debian package openjdk-17-jdk-headless');
  const zip = ensureOpenSearchZip(options.log);
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-os-'));
  const unzip = spawnSync('unzip', ['-q', zip, '-d', dir], { encoding: 'utf8' });
  if (unzip.error || unzip.status !== 0) throw new Error(`unpacking ${zip} failed: ${unzip.error?.message ?? unzip.stderr} (the Debian package \`unzip\` is needed)`);
  const home = path.join(dir, `opensearch-${OPENSEARCH_VERSION}`);
  const data = path.join(dir, 'data');
  const logs = path.join(dir, 'logs');
  mkdirSync(data);
  mkdirSync(logs);
  const port = await freePort();
  const transport = await freePort();
  const owner = runAsUser();
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownTree(dir, owner.uid, owner.gid);
  }
  writeFileSync(path.join(home, 'config', 'jvm.options.d', 'streamlake.options'), '-Xms512m\n-Xmx512m\n');
  const args = [
    path.join(home, 'bin', 'opensearch'),
    '-Ediscovery.type=single-node', '-Enetwork.host=127.0.0.1', `-Ehttp.port=${port}`, `-Etransport.port=${transport}`,
    `-Epath.data=${data}`, `-Epath.logs=${logs}`, '-Ecluster.name=streamlake-test',
    // a full disk on a shared machine must not turn the test indices read-only
    '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    '-Eaction.auto_create_index=true',
  ];
  // setpriv drops to the user and sets the parent-death signal after it, so a test process that dies
  // takes the node with it (the launcher script execs java)
  const command = owner
    ? ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--pdeathsig', 'SIGKILL', '--', ...args]
    : ['setpriv', '--pdeathsig', 'SIGKILL', '--', ...args];
  const env: NodeJS.ProcessEnv = { ...process.env, OPENSEARCH_JAVA_HOME: java.home, OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m', HOME: dir };
  delete env.JAVA_TOOL_OPTIONS;
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    if (child) return;
    const c = spawn(command[0] as string, command.slice(1), { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const errors: string[] = [];
    c.stderr?.on('data', (d: Buffer) => { errors.push(d.toString()); if (errors.length > 50) errors.shift(); });
    child = c;
    c.once('exit', () => { if (child === c) child = null; });
    const deadline = systemClock.now() + 180_000;
    for (;;) {
      try {
        const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { signal: AbortSignal.timeout(5000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (!child) throw new Error(`OpenSearch exited while starting; see ${logs}/streamlake-test.log\n${errors.join('').slice(-2000)}`);
      if (systemClock.now() > deadline) throw new Error(`OpenSearch did not answer within 180 s; see ${logs}/streamlake-test.log`);
      await systemTimers.sleep(500);
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.pid === undefined) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
    await exited;
    child = null;
  };
  await start();
  return {
    url, port, dir, stop, start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
