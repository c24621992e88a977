// Kafka secrets in the OS keychain for the CLI and the browser-mode host, on Linux through the freedesktop
// Secret Service (GNOME Keyring, KWallet) via `secret-tool` from libsecret-tools. The secret always
// travels on secret-tool's stdin, never in its arguments, so it never shows in /proc/<pid>/cmdline. The
// desktop app uses Electron's safeStorage instead (electron/keychain-store.ts).
import { spawn } from 'node:child_process';
import { EngineError } from '../errors.ts';

/** Where a connection's secrets are kept, one entry per secret, found again by `account`. */
export interface SecretVault {
  /** For messages: "the Secret Service (secret-tool)". */
  readonly label: string;
  store(account: string, secret: string): Promise<void>;
  lookup(account: string): Promise<string | undefined>;
  clear(account: string): Promise<void>;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function secretTool(args: string[], input: string | null, env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn('secret-tool', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // ENOENT (not installed) ends up here; EPIPE on stdin when it exits early is answered by 'close'.
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: error.message }));
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? undefined);
  });
}

/**
 * The Secret Service when it answers here (secret-tool installed, a D-Bus session with a keyring daemon),
 * else null. `home` separates the secrets of different STREAMLAKE_HOMEs.
 */
export async function findSecretService(home: string, env: NodeJS.ProcessEnv = process.env): Promise<SecretVault | null> {
  // STREAMLAKE_SECRET_STORE=file keeps secrets out of the keyring on purpose (the test suite sets it).
  if (process.platform !== 'linux' || !env.DBUS_SESSION_BUS_ADDRESS || env.STREAMLAKE_SECRET_STORE === 'file') return null;
  const attributes = (account: string): string[] => ['application', 'streamlake', 'home', home, 'account', account];
  // A lookup of something absent answers 1 with nothing on stderr when the service is there; without a
  // bus or daemon it says why on stderr.
  const probe = await secretTool(['lookup', ...attributes('probe')], null, env);
  if (probe.code !== 0 && probe.stderr.trim() !== '') return null;
  const failed = (what: string, outcome: Outcome): EngineError =>
    new EngineError('ENG_SECRET_STORE', `The Secret Service could not ${what}: ${outcome.stderr.trim() || `secret-tool exited with ${outcome.code}`}`);
  return {
    label: 'the Secret Service (secret-tool)',
    async store(account, secret) {
      const outcome = await secretTool(['store', '--label', `Streamlake ${account}`, ...attributes(account)], secret, env);
      if (outcome.code !== 0) throw failed(`store the secret of ${account}`, outcome);
    },
    async lookup(account) {
      const outcome = await secretTool(['lookup', ...attributes(account)], null, env);
      if (outcome.code === 0) return outcome.stdout;
      if (outcome.stderr.trim() === '') return undefined;
      throw failed(`read the secret of ${account}`, outcome);
    },
    async clear(account) {
      await secretTool(['clear', ...attributes(account)], null, env);
    },
  };
}
