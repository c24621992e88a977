// A throwaway ClickHouse server for tests and benchmarks: Debian's `clickhouse-server` (18.16 on bookworm;
// installed with apt-get when missing and run as root), with its own config.xml/users.xml in a temp folder,
// HTTP and native ports on 127.0.0.1, and a password for the default user. Config files use the <yandex>
// root that 18.16 needs and current ClickHouse still reads.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diesWithParent } from '../../processes/parent-death.ts';
import { systemClock, systemTimers } from '../../runtime/clock.ts';
import { freePort } from '../postgres/server.ts';

export interface ClickHouseServer {
  url: string;
  /** Native protocol port (clickhouse-client). */
  tcpPort: number;
  user: string;
  password: string;
  dir: string;
  /** Kills the server (SIGKILL, like a crash), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const binary = '/usr/sbin/clickhouse-server';

export function ensureClickHouseInstalled(): string {
  if (existsSync(binary)) return binary;
  if (process.getuid?.() !== 0) throw new Error('ClickHouse is not installed (/usr/sbin/clickhouse-server); install the Debian package `clickhouse-server`');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'clickhouse-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(binary)) throw new Error(`apt-get installed clickhouse-server but ${binary} is missing`);
  return binary;
}

export async function startClickHouse(options: { password?: string } = {}): Promise<ClickHouseServer> {
  const program = ensureClickHouseInstalled();
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-ch-'));
  const password = options.password ?? 'streamlake-test';
  const http = await freePort();
  const tcp = await freePort();
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(path.join(dir, sub));
  const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  writeFileSync(path.join(dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
`);
  writeFileSync(path.join(dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default><readonly><readonly>1</readonly></readonly></profiles>
  <users>
    <default><password>${xml(password)}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password>reader-pw</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>readonly</profile><quota>default</quota></reader>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  const url = `http://127.0.0.1:${http}`;
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    if (child) return;
    // Dies with the test process even when it is killed (no exit handler runs then).
    const [command, ...rest] = diesWithParent([program, `--config-file=${path.join(dir, 'config.xml')}`]);
    const c = spawn(command as string, rest, { cwd: dir, stdio: 'ignore' });
    child = c;
    c.once('exit', () => { if (child === c) child = null; });
    const deadline = systemClock.now() + 60_000;
    for (;;) {
      try {
        const response = await fetch(`${url}/ping`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (!child) throw new Error(`clickhouse-server exited while starting; see ${dir}/error.log`);
      if (systemClock.now() > deadline) throw new Error(`clickhouse-server did not answer /ping within 60 s; see ${dir}/error.log`);
      await systemTimers.sleep(200);
    }
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
    url, tcpPort: tcp, user: 'default', password, dir, stop, start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
