// A throwaway PostgreSQL cluster for tests and benchmarks: Debian's `postgresql` binaries
// (/usr/lib/postgresql/<major>/bin), initdb into a temp folder, one free port on 127.0.0.1, password
// authentication (scram-sha-256) so connection tests can see a wrong password refused. PostgreSQL refuses
// to run as root, so as root the cluster runs as the `postgres` user the Debian package creates.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  dir: string;
  /** Stops the server (immediate: like a crash, no checkpoint), keeping its data. */
  stop(): void;
  /** Starts it again on the same port with the same data. */
  start(): void;
  /** Stops it and deletes its folder. */
  destroy(): void;
}

/** The newest installed major's bin folder, or null when `postgresql` is not installed. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** Installs Debian's postgresql when missing (as root with apt-get, like .ci/run does for Chromium). */
export function ensurePostgresInstalled(): string {
  const found = postgresBin();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); install the Debian package `postgresql`');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const bin = postgresBin();
  if (!bin) throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found');
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a fresh cluster. `password` is the superuser's (user `postgres`). */
export async function startPostgres(options: { password?: string } = {}): Promise<PostgresServer> {
  const bin = ensurePostgresInstalled();
  const dir = mkdtempSync(path.join(tmpdir(), 'streamlake-pg-'));
  const data = path.join(dir, 'data');
  const password = options.password ?? 'streamlake-test';
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (asRoot && uid !== undefined) chownSync(pwfile, uid, Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const run = (program: string, args: string[]): void => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args];
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-host', 'scram-sha-256', '--auth-local', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  rmSync(pwfile);
  const start = (): void => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`, 'start']);
  start();
  let running = true;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    dir,
    stop: () => {
      if (!running) return;
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    start: () => {
      if (running) return;
      start();
      running = true;
    },
    destroy: () => {
      try {
        if (running) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
