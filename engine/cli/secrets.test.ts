// `streamlake kafka add` keeps passwords off command lines and out of plain files when a keychain exists:
// the real binary, a real Secret Service (a private D-Bus session with GNOME Keyring, engine/testing/
// keyring.ts), and every process's /proc/<pid>/cmdline watched while it runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KafkaConnectionInfo } from '../api/contract.ts';
import { dispatchCall } from '../api/dispatch.ts';
import { createStudioService } from '../api/service.ts';
import { EngineError } from '../errors.ts';
import { FileConnectionStore } from '../kafka/connections.ts';
import { ensureKeyringTools, startTestKeyring, type TestKeyring } from '../testing/keyring.ts';

const bin = new URL('./bin.js', import.meta.url).pathname;
const password = `pw-${process.pid}-Zq7!x`;
let keyring: TestKeyring | null = null;
let why = '';
const homes: string[] = [];

before(async () => {
  why = ensureKeyringTools() ?? '';
  if (!why) keyring = await startTestKeyring();
  else console.log(`# skipping the Secret Service cases: ${why}`);
});
after(() => {
  keyring?.close();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'streamlake-secrets-'));
  homes.push(home);
  return home;
}

/** Every process's command line that holds `needle`. */
function cmdlinesWith(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return found;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Command lines seen holding the password while the CLI ran. */
  leaks: string[];
  polls: number;
}

/** Runs `streamlake kafka …`, writes `stdin` after a few polls of /proc, polls until it exits. */
function kafka(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'kafka', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const leaks: string[] = [];
    let polls = 0;
    let exited: number | null = null;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (exited = code ?? -1));
    const poll = (): void => {
      polls++;
      leaks.push(...cmdlinesWith(password));
      if (polls === 5) child.stdin.end(stdin);
      if (exited !== null) return resolve({ code: exited, stdout, stderr, leaks, polls });
      setImmediate(poll);
    };
    poll();
  });
}

test('--password on the command line is refused and nothing is saved', async () => {
  const home = newHome();
  // The refusal itself must not need the password to have been typed there; this only shows it is not kept.
  const run = await kafka(['add', 'prod', '--brokers', '127.0.0.1:9093', '--sasl', 'plain', '--username', 'alice', '--password', password], { ...process.env, STREAMLAKE_HOME: home });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--password would show the password to every user of this machine .*--password-stdin/);
  assert.deepEqual(readdirSync(home), []);
});

test('--password-stdin: the password is in no command line, and lands in the Secret Service, not the file', { skip: why || undefined }, async () => {
  const home = newHome();
  const env = { ...keyring!.env, STREAMLAKE_HOME: home };
  const run = await kafka(['add', 'prod', '--brokers', '127.0.0.1:9093', '--sasl', 'scram-sha-256', '--username', 'alice', '--password-stdin'], env, `${password}\n`);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.polls > 5, 'the process table was read while the CLI ran');
  assert.deepEqual(run.leaks, []);
  assert.match(run.stdout, /saved connection "prod" .*its password is in the Secret Service/);
  assert.equal(run.stderr, '');
  const file = readFileSync(join(home, 'connections.json'), 'utf8');
  assert.ok(!file.includes(password), file);
  assert.match(file, /"keychain": \[\s*"sasl.password"\s*\]/);
  // Read back through the keychain by a separate store, as a pipeline run would.
  const saved = await new FileConnectionStore(home, env).get('prod');
  assert.equal(saved?.sasl?.password, password);
  assert.equal((await new FileConnectionStore(home, env).list())[0]?.sasl?.password, password);
  // Without the keyring (locked, no session bus) the listing still shows the connection; using it says why not.
  const locked: NodeJS.ProcessEnv = { ...env };
  delete locked.DBUS_SESSION_BUS_ADDRESS;
  assert.deepEqual((await new FileConnectionStore(home, locked).list()).map((c) => [c.name, c.sasl?.password]), [['prod', '']]);
  await assert.rejects(new FileConnectionStore(home, locked).get('prod'), (error: unknown) => error instanceof EngineError && error.code === 'ENG_SECRET_STORE' && /in the OS keychain, which is not reachable now/.test(error.message));
  // Removing the connection removes its secret too.
  assert.equal((await kafka(['remove', 'prod'], env)).code, 0);
  const again = await kafka(['add', 'prod', '--brokers', '127.0.0.1:9093', '--sasl', 'plain', '--username', 'alice'], env, '');
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await new FileConnectionStore(home, env).get('prod'))?.sasl?.password, '');
});

test('without a keychain the file keeps the password, with a visible warning', async () => {
  const home = newHome();
  const env: NodeJS.ProcessEnv = { ...process.env, STREAMLAKE_HOME: home };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const run = await kafka(['add', 'dev', '--brokers', '127.0.0.1:9093', '--sasl', 'plain', '--username', 'bob', '--password-stdin'], env, password);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.leaks, []);
  assert.match(run.stderr, /^warning: no OS keychain answered .* stored in plain text in .*connections\.json \(readable by your user only, mode 0600\)/);
  const path = join(home, 'connections.json');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.ok(readFileSync(path, 'utf8').includes(password));
});

test('the environment variable route still works, and wins over the keychain', async () => {
  const home = newHome();
  const env: NodeJS.ProcessEnv = { ...(keyring?.env ?? process.env), STREAMLAKE_HOME: home };
  const run = await kafka(['add', 'ci', '--brokers', '127.0.0.1:9093', '--sasl', 'plain', '--username', 'carol'], env, '');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /set STREAMLAKE_KAFKA_CI_PASSWORD to its password/);
  const store = new FileConnectionStore(home, { ...env, STREAMLAKE_KAFKA_CI_PASSWORD: password });
  assert.equal((await store.get('ci'))?.sasl?.password, password);
});

test('the studio (browser mode) keeps a connection password in the keychain, and says when it could not', async () => {
  const save = async (env: NodeJS.ProcessEnv): Promise<{ info: KafkaConnectionInfo; file: string }> => {
    const home = newHome();
    const service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home, connections: new FileConnectionStore(home, env) });
    try {
      const outcome = await dispatchCall(service, 'kafkaSaveConnection', { connection: { name: 'secured', brokers: ['127.0.0.1:1'], security: 'sasl_plaintext', saslMechanism: 'plain', username: 'alice', password } });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      return { info: outcome.result as KafkaConnectionInfo, file: readFileSync(join(home, 'connections.json'), 'utf8') };
    } finally {
      await service.close();
    }
  };
  const without: NodeJS.ProcessEnv = { ...process.env };
  delete without.DBUS_SESSION_BUS_ADDRESS;
  const plain = await save(without);
  assert.equal(plain.info.secretsIn, 'file');
  assert.ok(plain.file.includes(password));
  if (!keyring) return;
  const kept = await save(keyring.env);
  assert.equal(kept.info.secretsIn, 'keychain');
  assert.equal(kept.info.hasPassword, true);
  assert.ok(!kept.file.includes(password), kept.file);
});
