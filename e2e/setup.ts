// Called by engine/testing/suite.ts before any test runs. When e2e specs are among the files, makes sure
// Chromium is there and the renderer is built once, so every spec starts from the same bundle.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { ensureRenderer } from '../engine/host/launch.ts';
import { chromiumPath } from './helpers/browser.ts';

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

export async function ensureChromium(): Promise<void> {
  if (await executable(chromiumPath)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`The e2e specs need Chromium at ${chromiumPath}; install it with: sudo apt-get install -y chromium`);
  }
  console.log(`Chromium is missing at ${chromiumPath}; installing it with apt-get…`);
  const code = (await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'])) === 0
    ? 0
    : (await run('apt-get', ['update'])) === 0 ? await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']) : 1;
  if (code !== 0 || !(await executable(chromiumPath))) throw new Error(`Installing Chromium with apt-get failed; the e2e specs need ${chromiumPath}`);
}

export async function prepare(_env: NodeJS.ProcessEnv, files: string[]): Promise<(() => Promise<void>) | undefined> {
  if (!files.some((file) => file.endsWith('.spec.ts'))) return undefined;
  await ensureChromium();
  // Always rebuild: the specs must test the renderer as it is in this tree, not a stale bundle.
  await ensureRenderer((line) => console.log(line), true);
  // Nothing long-lived is started here (each spec launches its own host and browser), so nothing to stop.
  return async () => {};
}
