// Apache Flink 1.20.3 in one JVM for the Flink tests: Maven copies the jars once into a cache outside the
// repo (~/.cache/streamlake/flink, or STREAMLAKE_FLINK_CACHE), javac compiles java/FlinkShell.java, and one
// JVM answers every request of a test file over stdin/stdout (see FlinkShell.java for the protocol).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { cacheDir, contentKey } from '../../cache.ts';

const JAVA_DIR = path.join(import.meta.dirname, '..', 'java');
const CACHE = process.env.STREAMLAKE_FLINK_CACHE ?? cacheDir('flink');
const SOURCE = path.join(JAVA_DIR, 'FlinkShell.java');
const POM = path.join(JAVA_DIR, 'pom.xml');
// Jars follow the pom's content and classes the source's (and the jars they compile against): worktrees
// sharing the cache must not run each other's shell or put each other's connectors on the classpath.
const LIB = path.join(CACHE, `lib-${contentKey([POM])}`);
const CLASSES = path.join(CACHE, `classes-${contentKey([SOURCE, POM])}`);

/** Flink's own JVM options for Java 17 (flink-dist config.yaml, env.java.opts.all), plus a cheap JIT and GC for short test jobs. */
const JVM_OPTIONS = [
  '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx1500m',
  ...['java.lang', 'java.lang.reflect', 'java.lang.invoke', 'java.util', 'java.util.concurrent', 'java.util.concurrent.atomic',
    'java.util.concurrent.locks', 'java.nio', 'java.net', 'java.io', 'java.text', 'java.time', 'java.math', 'java.sql',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '-Dlog4j2.level=WARN', '-Dlog4j.configurationFile=', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

let ready: Promise<void> | null = null;

/** Downloads Flink with Maven (once) and compiles the shell (when the source changed). */
export function prepareFlink(log: (line: string) => void = () => undefined): Promise<void> {
  ready ??= (async () => {
    const missing = ['mvn', 'java', 'javac'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined);
    if (missing.length) assert.fail(`the Flink tests need Java 17 and Maven on PATH; missing: ${missing.join(', ')}`);
    // The folder is named by the pom's hash; the marker says the copy finished.
    const marker = path.join(LIB, '.complete');
    const pomHash = createHash('sha256').update(await readFile(POM)).digest('hex');
    if (!(await exists(marker)) || (await readFile(marker, 'utf8')) !== pomHash) {
      log(`downloading Apache Flink 1.20.3 + Kafka connector + Iceberg runtime into ${LIB} (first run only, about 250 MB)…`);
      await mkdir(LIB, { recursive: true });
      const r = await run('mvn', ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`, '-DincludeScope=runtime'], JAVA_DIR);
      if (r.code !== 0) assert.fail(`mvn dependency:copy-dependencies failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
      await writeFile(marker, pomHash);
    }
    const compiled = path.join(CLASSES, 'FlinkShell.class');
    if (!(await exists(compiled))) {
      await mkdir(CLASSES, { recursive: true });
      const r = await run('javac', ['-cp', `${LIB}/*`, '-d', CLASSES, SOURCE], JAVA_DIR);
      if (r.code !== 0) assert.fail(`javac FlinkShell.java failed: ${r.stderr}`);
    }
  })();
  return ready;
}

export interface QueryResult {
  types: string[];
  /** Values as Java's toString, null for NULL. */
  rows: (string | null)[][];
}

export class FlinkError extends Error {}

/** One JVM running FlinkShell. Requests are answered in order; a Flink error rejects with FlinkError. */
export interface FlinkShell {
  /** Runs the statements before the last, then EXPLAINs the last (an INSERT or EXECUTE STATEMENT SET). */
  explain(statements: readonly string[]): Promise<string>;
  /** Runs every statement and waits for the last one's job to finish (bounded sources). */
  run(statements: readonly string[]): Promise<{ job: string }>;
  /** Batch mode: runs setup statements and collects the rows of the final SELECT. */
  query(statements: readonly string[]): Promise<QueryResult>;
  /** Batch mode: runs `setup`, then plans each query alone; null where Flink accepted it, else Flink's error. */
  plan(setup: string, queries: readonly string[]): Promise<(string | null)[]>;
  /** Starts (once) a MiniCluster and a SQL Gateway in the JVM; their REST ports on 127.0.0.1. */
  gateway(): Promise<{ gateway: number; cluster: number }>;
  close(): Promise<void>;
}

/** How long a shared JVM waits for the next client before it exits (files of one run start within this). */
const SHARED_IDLE_MS = 30_000;
const PORT_FILE = path.join(CACHE, `shell-${contentKey([SOURCE, POM])}.port`);
const LOCK_FILE = `${PORT_FILE}.lock`;
const SERVER_LOG = `${PORT_FILE}.log`;

/** A line-protocol channel to a FlinkShell: its stdin/stdout, or a socket to a shared one. */
interface Channel {
  input: Readable;
  write: (line: string) => void;
  end: () => void;
  closed: Promise<void>;
  /** Why it closed, for the error of pending requests. */
  detail: () => string;
}

function ownJvm(): Channel {
  const child = spawn('java', [...JVM_OPTIONS, '-cp', `${CLASSES}:${LIB}/*`, 'FlinkShell'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  return {
    input: child.stdout, write: (line) => child.stdin.write(line), end: () => child.stdin.end(),
    closed: new Promise((resolve) => child.on('close', () => resolve())),
    detail: () => stderr.split('\n').slice(-30).join('\n'),
  };
}

function connect(port: number): Promise<Channel | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', () => resolve(null));
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        input: socket, write: (line) => socket.write(line), end: () => socket.end(),
        closed: new Promise((done) => socket.on('close', () => done())),
        detail: () => `the shared FlinkShell closed the connection; its log: ${SERVER_LOG}\n${readTail(SERVER_LOG)}`,
      });
    });
  });
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

/** The shared JVM's port, when its file names a live process (a killed JVM's port may belong to another by now). */
async function sharedPort(): Promise<number | null> {
  const [port, pid] = (await readFile(PORT_FILE, 'utf8').catch(() => '')).split(' ').map(Number);
  if (!Number.isInteger(port) || !port || !Number.isInteger(pid) || !pid) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  return port;
}

/**
 * A connection to the JVM shared by the Flink test files of a run (one JVM start and one warm-up instead of
 * one per file): the first file starts it detached, the others find its port in the cache; it exits once
 * no file has been connected for SHARED_IDLE_MS. A lock file keeps two files from starting two JVMs.
 */
async function sharedJvm(): Promise<Channel> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const port = await sharedPort();
    const channel = port === null ? null : await connect(port);
    if (channel) return channel;
    let lock: number | null = null;
    try {
      lock = openSync(LOCK_FILE, 'wx');
    } catch {
      // another file is starting it; a lock left by a killed run is taken over after two minutes
      const now = Date.now(); // eslint-disable-line no-restricted-properties -- a lock file's age, by the file system's clock
      const age = now - (statSync(LOCK_FILE, { throwIfNoEntry: false })?.mtimeMs ?? now);
      if (age > 120_000) rmSync(LOCK_FILE, { force: true });
      await sleep(200);
      continue;
    }
    try {
      if (port !== null && (await sharedPort()) === port) rmSync(PORT_FILE, { force: true });
      const log = openSync(SERVER_LOG, 'w');
      const child = spawn('java', [...JVM_OPTIONS, '-cp', `${CLASSES}:${LIB}/*`, 'FlinkShell', 'serve', PORT_FILE, String(SHARED_IDLE_MS)], { stdio: ['ignore', 'ignore', log], detached: true });
      closeSync(log);
      child.unref();
      let gone = false;
      child.once('exit', () => {
        gone = true;
      });
      for (let i = 0; i < 600 && !gone && (await sharedPort()) === null; i++) await sleep(100);
      if (gone || (await sharedPort()) === null) assert.fail(`the shared FlinkShell did not start: ${readTail(SERVER_LOG)}`);
    } finally {
      closeSync(lock);
      rmSync(LOCK_FILE, { force: true });
    }
  }
  return assert.fail('could not reach a shared FlinkShell');
}

/**
 * A FlinkShell for a test file. By default a connection to the JVM all Flink test files share;
 * STREAMLAKE_FLINK_SHARED=0 gives the file a JVM of its own (its stdin/stdout), ended by close().
 */
export async function startFlink(log?: (line: string) => void): Promise<FlinkShell> {
  await prepareFlink(log);
  for (let attempt = 0; ; attempt++) {
    const channel = process.env.STREAMLAKE_FLINK_SHARED === '0' ? ownJvm() : await sharedJvm();
    try {
      return await speak(channel);
    } catch (error) {
      // a shared JVM that was just going idle closes the connection before greeting: start another
      if (attempt >= 2 || process.env.STREAMLAKE_FLINK_SHARED === '0') throw error;
    }
  }
}

async function speak(channel: Channel): Promise<FlinkShell> {
  const lines = createInterface({ input: channel.input });
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  const exited = channel.closed.then(() => {
    const error = new Error(`FlinkShell exited: ${channel.detail()}`);
    for (const w of waiting.splice(0)) w.reject(error);
  });
  const next = (): Promise<string> => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  const hello = await next();
  assert.equal(hello, '{"ready":true}', 'FlinkShell greeting');
  let counter = 0;
  const send = async (mode: string, statements: readonly string[]): Promise<unknown> => {
    const id = ++counter;
    const answer = next();
    channel.write(`${id} ${mode} ${statements.map((s) => Buffer.from(s, 'utf8').toString('base64')).join(' ')}\n`);
    const parsed = JSON.parse(await answer) as { id: number; ok: boolean; result?: unknown; error?: string };
    assert.equal(parsed.id, id, 'FlinkShell answered out of order');
    if (!parsed.ok) throw new FlinkError(parsed.error ?? 'unknown Flink error');
    return parsed.result;
  };
  return {
    async explain(statements) {
      return (await send('explain', statements)) as string;
    },
    async run(statements) {
      return (await send('run', statements)) as { job: string };
    },
    async query(statements) {
      return (await send('query', statements)) as QueryResult;
    },
    async plan(setup, queries) {
      return (await send('plan', [setup, ...queries])) as (string | null)[];
    },
    async gateway() {
      return (await send('gateway', [])) as { gateway: number; cluster: number };
    },
    async close() {
      channel.end();
      await exited;
    },
  };
}
