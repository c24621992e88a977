// Starts and stops a real single-node Apache Kafka broker (KRaft) from the Maven Central jars. Everything
// the broker needs (config, certificates, SCRAM credentials, data) lives in one data folder, described by
// broker.json, so starting again on the same folder brings back the same cluster on the same ports; this is
// how tests restart a broker mid-run and how `npm run kafka:up` survives reboots.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../errors.ts';
import { diesWithParent } from '../../processes/parent-death.ts';
import { ensureCerts } from './certs.ts';
import { log4j2Properties, serverProperties, toolsLog4j2Properties } from './config.ts';
import { ensureJars, requireCommand } from './jars.ts';
import { freePorts } from './ports.ts';

export interface BrokerOptions {
  /** Folder for config, certificates and data; a fresh temporary folder when absent. */
  dataDir?: string;
  /** 0 or absent: a free port. Ignored when the data folder already records its ports. */
  port?: number;
  controllerPort?: number;
  saslSslPort?: number;
  /** Open the SASL_SSL listener (default true). */
  saslSsl?: boolean;
  /** JVM heap (default 512m). */
  heap?: string;
  /** Keep running after this process exits (kafka:up). */
  detached?: boolean;
  startTimeoutMs?: number;
  /** Extra server.properties entries. */
  properties?: Record<string, string>;
  log?: (line: string) => void;
}

export interface SaslSslAccess {
  bootstrap: string;
  /** PEM file of the CA that signed the broker certificate. */
  caPath: string;
  username: string;
  password: string;
  mechanism: 'scram-sha-512';
}

export interface BrokerHandle {
  bootstrap: string;
  saslSslBootstrap?: string;
  saslSsl?: SaslSslAccess;
  dataDir: string;
  pid: number;
  logPath: string;
  ports: BrokerPorts;
  /** SIGTERM, then waits for the clean shutdown (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

interface BrokerPorts { port: number; controllerPort: number; saslSslPort?: number }

interface BrokerState {
  clusterId: string;
  host: string;
  ports: BrokerPorts;
  user: { username: string; password: string };
}

const startedMessage = 'Kafka Server started';

export async function startBroker(opts: BrokerOptions = {}): Promise<BrokerHandle> {
  requireCommand('java', 'to run the local Kafka broker (Java 17 or newer)');
  const log = opts.log ?? (() => {});
  const classpath = await ensureJars(log);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'streamlake-kafka-'));
  mkdirSync(dataDir, { recursive: true });
  const state = await loadOrCreateState(dataDir, opts);
  const { host, ports } = state;

  const certs = ports.saslSslPort ? ensureCerts(join(dataDir, 'tls'), host) : undefined;
  const configPath = join(dataDir, 'server.properties');
  writeFileSync(configPath, serverProperties({
    host,
    port: ports.port,
    controllerPort: ports.controllerPort,
    saslSsl: certs && ports.saslSslPort
      ? { port: ports.saslSslPort, keystorePath: certs.keystorePath, keystorePassword: certs.keystorePassword, plainUsers: { [state.user.username]: state.user.password } }
      : undefined,
    logDirs: join(dataDir, 'data'),
    extra: opts.properties,
  }));
  writeFileSync(join(dataDir, 'log4j2.properties'), log4j2Properties);
  writeFileSync(join(dataDir, 'tools-log4j2.properties'), toolsLog4j2Properties);

  if (!existsSync(join(dataDir, 'data', 'meta.properties'))) {
    log(`formatting KRaft storage in ${dataDir}`);
    const { username, password } = state.user;
    // `--cluster-id=<id>`: one id in 64 starts with "-", which StorageTool would read as an option.
    await runJava(classpath, dataDir, 'kafka.tools.StorageTool', ['format', '--standalone', `--cluster-id=${state.clusterId}`, '-c', configPath,
      '--add-scram', `SCRAM-SHA-512=[name=${username},password=${password}]`,
      '--add-scram', `SCRAM-SHA-256=[name=${username},password=${password}]`]);
  }

  await assertPortsFree(ports, host);
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const logPath = join(dataDir, 'logs', 'broker.out');
  const logFrom = existsSync(logPath) ? statSync(logPath).size : 0;
  const out = openSync(logPath, 'a');
  const java = [
    'java', `-Xmx${opts.heap ?? '512m'}`, '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${join(dataDir, 'logs')}`, `-Dlog4j2.configurationFile=${join(dataDir, 'log4j2.properties')}`,
    '-cp', classpath, 'kafka.Kafka', configPath,
  ];
  // A broker that belongs to this process (tests, benchmarks) must not outlive it, even when it is killed
  // with SIGKILL and no exit handler runs: setpriv makes the kernel send the JVM SIGKILL when its parent
  // dies, then execs java (same pid). kafka:up's detached broker is meant to outlive its starter.
  const command = opts.detached ? java : diesWithParent(java);
  const child = spawn(command[0]!, command.slice(1), { cwd: dataDir, stdio: ['ignore', out, out], detached: opts.detached ?? false });
  closeSync(out);
  if (child.pid === undefined) throw new EngineError('ENG_KAFKA_BROKER', 'java could not be started for the Kafka broker');
  const pid = child.pid;
  let exited: number | string | null = null;
  const exitedPromise = new Promise<void>((resolve) => child.on('exit', (code, signal) => { exited = code ?? signal ?? 'exit'; resolve(); }));
  writeFileSync(join(dataDir, 'broker.pid'), String(pid));

  // A test process that ends without stopping its broker would leave a JVM behind.
  const killOnExit = (): void => { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } };
  if (opts.detached) child.unref();
  else process.on('exit', killOnExit);

  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  for (;;) {
    const text = readFrom(logPath, logFrom);
    if (text.includes(startedMessage)) break;
    if (exited !== null || Date.now() > deadline) {
      if (exited === null) child.kill('SIGKILL');
      const tail = text.trim().split('\n').filter((l) => /ERROR|Exception|FATAL/.test(l)).slice(-5).join('\n') || text.trim().split('\n').slice(-10).join('\n');
      throw new EngineError('ENG_KAFKA_BROKER', `The Kafka broker ${exited !== null ? `exited (${exited})` : 'did not start in time'}; log ${logPath}:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }

  const bootstrap = `${host}:${ports.port}`;
  const saslSsl: SaslSslAccess | undefined = certs && ports.saslSslPort
    ? { bootstrap: `${host}:${ports.saslSslPort}`, caPath: certs.caPath, username: state.user.username, password: state.user.password, mechanism: 'scram-sha-512' }
    : undefined;
  log(`Kafka broker ready on ${bootstrap}${saslSsl ? ` (SASL_SSL ${saslSsl.bootstrap})` : ''}, pid ${pid}`);
  let stopping: Promise<void> | undefined;
  return {
    bootstrap,
    saslSslBootstrap: saslSsl?.bootstrap,
    saslSsl,
    dataDir,
    pid,
    logPath,
    ports,
    stop() {
      stopping ??= (async () => {
        if (exited === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exitedPromise;
          clearTimeout(timer);
        }
        process.off('exit', killOnExit);
        rmSync(join(dataDir, 'broker.pid'), { force: true });
      })();
      return stopping;
    },
  };
}

/** The pid of a live broker started on this data folder, if any. */
export function runningBrokerPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'broker.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Stops a broker started detached by another process (kafka:down), by the pid file in its data folder. */
export async function stopBrokerByPidFile(dataDir: string, timeoutMs = 30_000): Promise<boolean> {
  const pidFile = join(dataDir, 'broker.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const alive = (): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
  if (Number.isInteger(pid) && pid > 0 && alive()) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (alive()) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
  return true;
}

export function readBrokerState(dataDir: string): BrokerState | undefined {
  const path = join(dataDir, 'broker.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as BrokerState;
}

async function loadOrCreateState(dataDir: string, opts: BrokerOptions): Promise<BrokerState> {
  const existing = readBrokerState(dataDir);
  if (existing) return existing;
  const wantSasl = opts.saslSsl ?? true;
  const free = await freePorts(3);
  const state: BrokerState = {
    // 16 random bytes as URL-safe base64 without padding: the 22-character form StorageTool expects.
    clusterId: randomBytes(16).toString('base64url'),
    host: '127.0.0.1',
    ports: {
      port: opts.port || free[0]!,
      controllerPort: opts.controllerPort || free[1]!,
      saslSslPort: wantSasl ? opts.saslSslPort || free[2]! : undefined,
    },
    user: { username: 'streamlake', password: randomBytes(12).toString('base64url') },
  };
  writeFileSync(join(dataDir, 'broker.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

async function assertPortsFree(ports: BrokerPorts, host: string): Promise<void> {
  const { createServer } = await import('node:net');
  for (const port of [ports.port, ports.controllerPort, ports.saslSslPort]) {
    if (!port) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (!free) throw new EngineError('ENG_KAFKA_BROKER', `Port ${host}:${port} is already in use; is another Kafka broker running? (npm run kafka:down stops the development broker)`);
  }
}

function runJava(classpath: string, dataDir: string, main: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('java', ['-Xmx256m', `-Dlog4j2.configurationFile=${join(dataDir, 'tools-log4j2.properties')}`, '-cp', classpath, main, ...args],
      { cwd: dataDir }, (error, stdout, stderr) => {
        if (error) reject(new EngineError('ENG_KAFKA_BROKER', `${main} ${args[0] ?? ''} failed: ${(stderr || stdout || error.message).trim()}`));
        else resolve(stdout);
      });
  });
}

function readFrom(path: string, offset: number): string {
  try {
    const buf = readFileSync(path);
    return buf.subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}
