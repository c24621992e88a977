// A private Secret Service for tests: its own D-Bus session bus and an unlocked GNOME Keyring in a temp
// HOME, so keychain code runs for real without touching the user's keyring. Installs libsecret-tools and
// gnome-keyring with apt-get when they are missing and we are root (as e2e/setup.ts does for Chromium);
// otherwise says why it cannot.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKeyring {
  /** Environment for processes that should see the keyring (D-Bus address, HOME). */
  env: NodeJS.ProcessEnv;
  close(): void;
}

function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Makes sure the tools exist; returns why not when they cannot be had. */
export function ensureKeyringTools(): string | null {
  const tools = ['secret-tool', 'gnome-keyring-daemon', 'dbus-daemon', 'dbus-send'];
  if (tools.every(have)) return null;
  if (process.platform !== 'linux') return 'the Secret Service test runs on Linux only';
  if (process.getuid?.() !== 0) return `missing ${tools.filter((t) => !have(t)).join(', ')}; install with: sudo apt-get install -y libsecret-tools gnome-keyring dbus`;
  console.log('libsecret-tools or gnome-keyring is missing; installing with apt-get…');
  const install = (): number | null => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'libsecret-tools', 'gnome-keyring', 'dbus'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    if (install() !== 0) return 'apt-get could not install libsecret-tools and gnome-keyring';
  }
  return tools.every(have) ? null : `still missing ${tools.filter((t) => !have(t)).join(', ')} after apt-get`;
}

function readLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(text.slice(0, nl).trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${String(child.spawnargs[0])} exited with ${code}`)));
  });
}

/** Starts a session bus and an unlocked keyring; the caller closes both. */
export async function startTestKeyring(): Promise<TestKeyring> {
  const home = mkdtempSync(join(tmpdir(), 'streamlake-keyring-'));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await readLine(bus);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, DBUS_SESSION_BUS_ADDRESS: address };
  delete env.XDG_DATA_HOME;
  delete env.XDG_RUNTIME_DIR;
  delete env.DISPLAY;
  delete env.STREAMLAKE_SECRET_STORE;
  // --unlock reads the login keyring's password from stdin and creates the keyring with it.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  keyring.stdin.end('streamlake-test-keyring');
  // Its stdout is block-buffered on a pipe, so readiness is asked of the bus: until our daemon owns the
  // Secret Service name, a secret-tool call would have D-Bus start another, locked, daemon in its place.
  for (let attempt = 0; ; attempt++) {
    const owner = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { env, encoding: 'utf8' });
    const probe = owner.stdout.includes('boolean true')
      ? spawnSync('secret-tool', ['store', '--label', 'probe', 'application', 'streamlake-test-probe'], { env, input: 'probe', encoding: 'utf8' })
      : { status: 1, stderr: 'the keyring daemon has not registered on the bus yet' };
    if (probe.status === 0) break;
    if (attempt >= 100 || keyring.exitCode !== null) {
      keyring.kill();
      bus.kill();
      throw new Error(`the test keyring did not start: ${probe.stderr.trim()}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    env,
    close() {
      keyring.kill();
      bus.kill();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
