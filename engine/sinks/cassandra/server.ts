// A throwaway Apache Cassandra 5.0 for tests and benchmarks, with no Docker and no Debian package: Maven
// resolves `org.apache.cassandra:cassandra-all` and its dependencies once into a cache outside the repo
// (~/.cache/streamlake/cassandra, or STREAMLAKE_CASSANDRA_CACHE), and CassandraDaemon runs on the Java 17
// found at run time with our own cassandra.yaml and logback.xml in a temp folder: 127.0.0.1, free ports,
// ring delay 0, group commit-log sync (a write is acknowledged once on disk, so a SIGKILL of the server
// loses nothing it acknowledged; the default periodic mode may; benchmarks choose periodic, production's
// default), PasswordAuthenticator + CassandraAuthorizer (so a wrong password and a user without
// rights are refused by the server itself, as in production), a modest heap.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import { cacheDir } from '../../cache.ts';
import { diesWithParent } from '../../processes/parent-death.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import { freePort } from '../postgres/server.ts';
import { closeClient } from './client.ts';

export const CASSANDRA_VERSION = '5.0.6';
const CACHE = process.env.STREAMLAKE_CASSANDRA_CACHE ?? cacheDir('cassandra');

export interface CassandraServer {
  host: string;
  port: number;
  /** The superuser (cassandra / cassandra until changed: the server's own default role). */
  user: string;
  password: string;
  dir: string;
  /** Kills the server (SIGKILL, like a crash), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Java 17's options from Cassandra 5.0's conf/jvm17-server.options (module access the server needs). */
const JAVA17_OPTIONS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...['java.base/jdk.internal.misc', 'java.base/jdk.internal.ref', 'java.base/sun.nio.ch', 'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry', 'java.rmi/sun.rmi.server', 'java.sql/java.sql', 'java.base/java.lang.ref', 'jdk.unsupported/sun.misc',
  ].flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
  ...['java.base/java.lang.module', 'java.base/jdk.internal.loader', 'java.base/jdk.internal.ref', 'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math', 'java.base/jdk.internal.module', 'java.base/jdk.internal.util.jar', 'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch', 'java.base/java.io', 'java.base/java.nio', 'java.base/java.util.concurrent', 'java.base/java.util',
    'java.base/java.util.concurrent.atomic', 'java.base/java.lang', 'java.base/java.math', 'java.base/java.lang.reflect', 'java.base/java.net',
  ].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
];

/** A Java 17 (Cassandra 5.0 runs on 11 and 17 only): JAVA_HOME, then the JVM folder, then `java` on PATH. */
export function findJava17(): string {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(path.join(process.env.JAVA_HOME, 'bin', 'java'));
  const jvm = '/usr/lib/jvm';
  if (existsSync(jvm)) for (const name of readdirSync(jvm).sort()) if (/(^|-)17(\.|-|$)/.test(name)) candidates.push(path.join(jvm, name, 'bin', 'java'));
  candidates.push('java');
  for (const java of candidates) {
    const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
    if (r.error) continue;
    if (/version "17[."]/.test(r.stderr)) return java;
  }
  throw new Error('Cassandra 5.0 needs Java 17 and none was found (JAVA_HOME, /usr/lib/jvm/*17*, java on PATH); install it with: sudo apt-get install -y openjdk-17-jre-headless');
}

/** The server's jars, resolved from Maven Central once (first run about 70 MB, ~15 s). */
export function ensureCassandraJars(log: (line: string) => void = () => undefined): string {
  const lib = path.join(CACHE, CASSANDRA_VERSION, 'lib');
  if (existsSync(path.join(lib, `cassandra-all-${CASSANDRA_VERSION}.jar`))) return lib;
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) throw new Error('Cassandra\'s jars come from Maven Central and `mvn` is not installed; install it with: sudo apt-get install -y maven');
  log(`downloading Apache Cassandra ${CASSANDRA_VERSION} (cassandra-all and its dependencies) into ${lib} (first run only)…`);
  mkdirSync(CACHE, { recursive: true });
  // resolved in a folder of its own and renamed into place, so two test files starting at once do not mix
  const work = mkdtempSync(path.join(CACHE, 'resolve-'));
  try {
    writeFileSync(path.join(work, 'pom.xml'), `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>streamlake</groupId><artifactId>cassandra-server</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>${CASSANDRA_VERSION}</version></dependency>
  </dependencies>
</project>
`);
    const r = spawnSync('mvn', ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`, '-DincludeScope=runtime'], { cwd: work, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mvn could not resolve cassandra-all ${CASSANDRA_VERSION}: ${(r.stdout + r.stderr).slice(-2000)}`);
    mkdirSync(path.dirname(lib), { recursive: true });
    try {
      renameSync(path.join(work, 'lib'), lib);
    } catch (error) {
      // another process got there first
      if (!existsSync(path.join(lib, `cassandra-all-${CASSANDRA_VERSION}.jar`))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return lib;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

export async function startCassandra(options: { heapMb?: number; log?: (line: string) => void; commitlog?: 'group' | 'periodic' } = {}): Promise<CassandraServer> {
  const java = findJava17();
  const lib = ensureCassandraJars(options.log);
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-cass-'));
  const port = await freePort();
  const storage = await freePort();
  const host = '127.0.0.1';
  mkdirSync(path.join(dir, 'conf'));
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'conf', 'cassandra.yaml'), `cluster_name: streamlake-test
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${host}:${storage}"
listen_address: ${host}
rpc_address: ${host}
storage_port: ${storage}
native_transport_port: ${port}
start_native_transport: true
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
roles_validity: 0ms
permissions_validity: 0ms
credentials_validity: 0ms
data_file_directories:
  - ${dir}/data/data
commitlog_directory: ${dir}/data/commitlog
saved_caches_directory: ${dir}/data/saved_caches
hints_directory: ${dir}/data/hints
cdc_raw_directory: ${dir}/data/cdc_raw
${options.commitlog === 'periodic' ? 'commitlog_sync: periodic\ncommitlog_sync_period: 10000ms' : 'commitlog_sync: group\ncommitlog_sync_group_window: 15ms'}
disk_failure_policy: stop
commit_failure_policy: stop
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
memtable_heap_space: 128MiB
memtable_offheap_space: 128MiB
key_cache_size: 16MiB
write_request_timeout: 5000ms
read_request_timeout: 5000ms
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 1024KiB
unlogged_batch_across_partitions_warn_threshold: 1000
dynamic_snitch: false
auto_snapshot: false
`);
  writeFileSync(path.join(dir, 'conf', 'logback.xml'), `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${dir}/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE" /></root>
  <logger name="org.apache.cassandra" level="INFO" />
</configuration>
`);
  const heap = options.heapMb ?? 768;
  const args = [
    `-Xms${heap}m`, `-Xmx${heap}m`, '-Xss512k', '-XX:+UseG1GC', '-XX:+UseStringDeduplication', '-XX:+PerfDisableSharedMem', '-XX:ActiveProcessorCount=2',
    ...JAVA17_OPTIONS,
    `-Dcassandra.config=file://${dir}/conf/cassandra.yaml`,
    `-Dlogback.configurationFile=file://${dir}/conf/logback.xml`,
    `-Dcassandra.storagedir=${dir}/data`,
    `-Dcassandra.logdir=${dir}`,
    '-Dcassandra.ring_delay_ms=0',
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.superuser_setup_delay_ms=0',
    '-Dcassandra.initial_token=0',
    '-Dcassandra-foreground=yes',
    '-cp', `${dir}/conf:${lib}/*`,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
  let child: ChildProcess | null = null;
  let tail = '';
  const start = async (): Promise<void> => {
    if (child) return;
    // Dies with the test process even when it is killed (no exit handler runs then).
    const [program, ...rest] = diesWithParent([java, ...args]);
    const c = spawn(program as string, rest, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4000); });
    c.once('exit', () => { if (child === c) child = null; });
    const deadline = systemClock.now() + 180_000;
    // the native port opens last, once the node has joined its own ring
    for (;;) {
      if (await portOpen(host, port)) break;
      if (!child) throw new Error(`Cassandra exited while starting; see ${dir}/system.log${tail ? `: ${tail}` : ''}`);
      if (systemClock.now() > deadline) throw new Error(`Cassandra did not open port ${port} within 180 s; see ${dir}/system.log`);
      await systemTimers.sleep(300);
    }
    await waitForSuperuser(host, port, deadline, () => child !== null);
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await exited;
    child = null;
  };
  await start();
  return {
    host, port, user: 'cassandra', password: 'cassandra', dir, stop, start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The default superuser is created a moment after the port opens; a login proves it is there. */
async function waitForSuperuser(host: string, port: number, deadline: number, alive: () => boolean): Promise<void> {
  const { Client, auth } = await import('cassandra-driver');
  for (;;) {
    const client = new Client({ contactPoints: [`${host}:${port}`], localDataCenter: 'datacenter1', authProvider: new auth.PlainTextAuthProvider('cassandra', 'cassandra'), socketOptions: { connectTimeout: 5000, readTimeout: 10_000 } });
    try {
      await client.connect();
      await client.execute('SELECT release_version FROM system.local');
      return;
    } catch (error) {
      if (!alive()) throw new Error('Cassandra exited while starting');
      if (systemClock.now() > deadline) throw new Error(`Cassandra did not accept the default superuser within 180 s: ${(error as Error).message}`);
      await systemTimers.sleep(500);
    } finally {
      await closeClient(client);
    }
  }
}
