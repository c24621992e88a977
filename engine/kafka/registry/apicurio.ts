// A real schema registry for development and tests: Apicurio Registry 3.3.3 (Apache-2.0) from Maven Central,
// whose Confluent-compatible API (`/apis/ccompat/v7`) every Confluent client speaks. It is a Quarkus app in a
// tar.gz; Maven fetches it once into an ignored cache folder, and a marker says the unpacked copy is whole.
// It needs Java 21+, found at run time (see java.ts). Storage is in memory unless a data folder is given,
// then an H2 file there keeps the schemas between starts (npm run kafka:up).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../errors.ts';
import { diesWithParent } from '../../processes/parent-death.ts';
import type { Clock, Timers } from '../../runtime/clock.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import { requireCommand } from '../broker/jars.ts';
import { freePort } from '../broker/ports.ts';
import { RegistryClient } from './client.ts';
import { findJava } from './java.ts';
import { cacheDir } from '../../cache.ts';

export const APICURIO_VERSION = '3.3.3';
const artifact = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
/** The Confluent-compatible API below the registry's root URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export function apicurioDir(): string {
  return join(process.env.STREAMLAKE_APICURIO_CACHE ?? cacheDir('apicurio'), APICURIO_VERSION);
}

async function run(command: string, args: string[], cwd?: string): Promise<{ code: number; output: string }> {
  const output: Buffer[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => output.push(d));
    child.stderr.on('data', (d: Buffer) => output.push(d));
    child.on('error', () => resolve(-1));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  return { code, output: Buffer.concat(output).toString('utf8').trim().split('\n').slice(-15).join('\n') };
}

/** Downloads and unpacks Apicurio if needed; returns the folder holding quarkus-run.jar. */
export async function ensureApicurio(log: (line: string) => void = () => {}): Promise<string> {
  const dir = apicurioDir();
  const marker = join(dir, '.unpacked');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === artifact) return dir;
  requireCommand('mvn', 'once, to download Apicurio Registry from Maven Central');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const download = mkdtempSync(join(tmpdir(), 'streamlake-apicurio-'));
  try {
    log(`fetching ${artifact} from Maven Central (about 160 MB, once) into ${dir}`);
    const fetched = await run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${download}`]);
    if (fetched.code !== 0) throw new EngineError('ENG_REGISTRY_START', `Maven could not fetch ${artifact} (exit ${fetched.code}):\n${fetched.output}`);
    const unpacked = await run('tar', ['-xzf', join(download, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`), '-C', dir]);
    if (unpacked.code !== 0) throw new EngineError('ENG_REGISTRY_START', `Unpacking Apicurio Registry failed (exit ${unpacked.code}):\n${unpacked.output}`);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  if (!existsSync(join(dir, 'quarkus-run.jar'))) throw new EngineError('ENG_REGISTRY_START', `The Apicurio archive has no quarkus-run.jar (in ${dir})`);
  writeFileSync(marker, artifact);
  return dir;
}

export interface RegistryOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Keeps schemas in an H2 database here, and the log and pid file; a temporary folder when absent. */
  dataDir?: string;
  /** Keep running after this process exits (kafka:up). */
  detached?: boolean;
  startTimeoutMs?: number;
  log?: (line: string) => void;
  /** Serve HTTPS only, with this PKCS12 key store (the CA's PEM is what clients trust). */
  tls?: { keyStorePath: string; keyStorePassword: string; caPath: string };
  /** Require HTTP basic auth from these users (name → password). */
  users?: Record<string, string>;
  clock?: Clock;
  timers?: Timers;
}

export interface RegistryHandle {
  /** The Confluent-compatible API root: what connections and Confluent clients use. */
  url: string;
  port: number;
  pid: number;
  logPath: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** One clear line when no Java 21+ is installed (the registry's only hard requirement besides Maven). */
export function requireJava21(): string {
  const java = findJava(21);
  if (!java) {
    throw new EngineError('ENG_REGISTRY_JAVA', 'Apicurio Registry needs Java 21 or newer, and none was found in JAVA_HOME, /usr/lib/jvm or on PATH (install e.g. a Temurin 21 JDK)');
  }
  return java.path;
}

async function answers(client: RegistryClient): Promise<boolean> {
  try {
    return (await client.call('/subjects')).status === 200;
  } catch {
    return false;
  }
}

/** Quarkus settings for HTTPS only and for basic auth against a fixed user list. */
function securityProperties(opts: RegistryOptions, port: number): string[] {
  const props: string[] = [];
  if (opts.tls) {
    props.push(`-Dquarkus.http.ssl-port=${port}`, `-Dquarkus.http.ssl.certificate.key-store-file=${opts.tls.keyStorePath}`,
      `-Dquarkus.http.ssl.certificate.key-store-password=${opts.tls.keyStorePassword}`, '-Dquarkus.http.insecure-requests=disabled');
  }
  if (opts.users && Object.keys(opts.users).length) {
    props.push('-Dquarkus.security.users.embedded.enabled=true', '-Dquarkus.security.users.embedded.plain-text=true', '-Dquarkus.http.auth.basic=true',
      '-Dquarkus.http.auth.permission.registry.paths=/*', '-Dquarkus.http.auth.permission.registry.policy=authenticated',
      ...Object.entries(opts.users).map(([user, password]) => `-Dquarkus.security.users.embedded.users.${user}=${password}`));
  }
  return props;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryHandle> {
  const java = requireJava21();
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? systemTimers;
  const home = await ensureApicurio(log);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'streamlake-registry-'));
  mkdirSync(dataDir, { recursive: true });
  const port = opts.port || await freePort();
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${CCOMPAT_PATH}`;
  const [user] = Object.entries(opts.users ?? {});
  const client = new RegistryClient({ url, username: user?.[0], password: user?.[1], tls: opts.tls && { ca: opts.tls.caPath } });
  if (await answers(client)) throw new EngineError('ENG_REGISTRY_START', `Port 127.0.0.1:${port} already answers as a schema registry; is one running? (npm run kafka:down stops the development one)`);

  const logPath = join(dataDir, 'registry.out');
  const logFrom = existsSync(logPath) ? statSync(logPath).size : 0;
  const out = openSync(logPath, 'a');
  const args = [
    '-Xmx384m', '-XX:+UseSerialGC', '-Djava.awt.headless=true',
    '-Dquarkus.http.host=127.0.0.1', `-Dquarkus.http.port=${opts.tls ? 0 : port}`, ...securityProperties(opts, port),
    // Quarkus' management interface (health, metrics) would bind 0.0.0.0:9000: loopback and a free port,
    // so several registries (tests, kafka:up) can run side by side.
    '-Dquarkus.management.host=127.0.0.1', `-Dquarkus.management.port=${await freePort()}`,
    // Schemas survive restarts only where asked (kafka:up); tests use the default in-memory store.
    ...(opts.dataDir ? ['-Dapicurio.storage.kind=sql', '-Dapicurio.storage.sql.kind=h2', `-Dapicurio.datasource.url=jdbc:h2:file:${join(dataDir, 'registry')}`] : []),
    '-jar', join(home, 'quarkus-run.jar'),
  ];
  // Like the test broker, a registry owned by this process dies with it even on SIGKILL (setpriv).
  const command = opts.detached ? [java, ...args] : diesWithParent([java, ...args]);
  const child = spawn(command[0]!, command.slice(1), { cwd: dataDir, stdio: ['ignore', out, out], detached: opts.detached ?? false });
  closeSync(out);
  if (child.pid === undefined) throw new EngineError('ENG_REGISTRY_START', `${java} could not be started for the schema registry`);
  const pid = child.pid;
  let exited: number | string | null = null;
  const exitedPromise = new Promise<void>((resolve) => child.on('exit', (code, signal) => { exited = code ?? signal ?? 'exit'; resolve(); }));
  writeFileSync(join(dataDir, 'registry.pid'), String(pid));
  writeFileSync(join(dataDir, 'registry.json'), JSON.stringify({ url, port }));
  const killOnExit = (): void => { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } };
  if (opts.detached) child.unref();
  else process.on('exit', killOnExit);

  const deadline = clock.now() + (opts.startTimeoutMs ?? 180_000);
  while (!(await answers(client))) {
    if (exited !== null || clock.now() > deadline) {
      if (exited === null) child.kill('SIGKILL');
      let text = '';
      try { text = readFileSync(logPath).subarray(logFrom).toString('utf8'); } catch { /* no log */ }
      const tail = text.trim().split('\n').filter((l) => /ERROR|Exception/.test(l)).slice(-5).join('\n') || text.trim().split('\n').slice(-10).join('\n');
      throw new EngineError('ENG_REGISTRY_START', `Apicurio Registry ${exited !== null ? `exited (${exited})` : 'did not answer in time'}; log ${logPath}:\n${tail}`);
    }
    await timers.sleep(300);
  }
  log(`schema registry (Apicurio ${APICURIO_VERSION}) ready on ${url}, pid ${pid}`);
  let stopping: Promise<void> | undefined;
  return {
    url, port, pid, logPath, dataDir,
    stop() {
      stopping ??= (async () => {
        if (exited === null) {
          child.kill('SIGTERM');
          const timer = timers.after(20_000, () => child.kill('SIGKILL'));
          await exitedPromise;
          timer.cancel();
        }
        process.off('exit', killOnExit);
        rmSync(join(dataDir, 'registry.pid'), { force: true });
      })();
      return stopping;
    },
  };
}

/** The URL of a live registry started detached on this data folder (kafka:up), if any. */
export function runningRegistry(dataDir: string): { pid: number; url: string } | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'registry.pid'), 'utf8').trim());
    process.kill(pid, 0);
    const { url } = JSON.parse(readFileSync(join(dataDir, 'registry.json'), 'utf8')) as { url: string };
    return { pid, url };
  } catch {
    return undefined;
  }
}

/** Stops a registry started detached by another process (kafka:down). */
export async function stopRegistryByPidFile(dataDir: string, timeoutMs = 20_000, clock: Clock = systemClock, timers: Timers = systemTimers): Promise<boolean> {
  const running = runningRegistry(dataDir);
  rmSync(join(dataDir, 'registry.pid'), { force: true });
  if (!running) return false;
  const alive = (): boolean => { try { process.kill(running.pid, 0); return true; } catch { return false; } };
  process.kill(running.pid, 'SIGTERM');
  const deadline = clock.now() + timeoutMs;
  while (alive() && clock.now() < deadline) await timers.sleep(200);
  if (alive()) process.kill(running.pid, 'SIGKILL');
  return true;
}
