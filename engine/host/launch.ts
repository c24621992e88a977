// What `streamlake studio` and `streamlake start` need around the hosts: building the renderer when its
// bundle is missing or older than its sources, finding the Electron binary without triggering a download,
// bundling the Electron main process, and opening the user's browser.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import { PREBUILT_WORKER, writeStandaloneWorker } from '../workers/bundle.ts';

export const repoRoot = resolve(new URL('../../', import.meta.url).pathname);
export const rendererDir = join(repoRoot, 'renderer');
export const rendererDist = join(rendererDir, 'dist');

/** Newest modification time (ms) of the files under `dir`, skipping dist and node_modules. */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** Why the renderer needs a build, or null when renderer/dist is up to date. */
export async function rendererStaleness(): Promise<string | null> {
  const built = await stat(join(rendererDist, 'index.html')).catch(() => null);
  if (!built) return 'renderer/dist is missing';
  const sources = await newestMtime(rendererDir).catch(() => 0);
  return sources > built.mtimeMs ? 'renderer sources changed since the last build' : null;
}

/** Runs `vite build` when needed; resolves with what was done. Output goes to `log` line by line. */
export async function ensureRenderer(log: (line: string) => void = () => {}, force = false): Promise<'fresh' | 'built'> {
  const why = force ? 'a build was requested' : await rendererStaleness();
  if (why === null) return 'fresh';
  log(`Building the studio renderer (${why})…`);
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await access(vite).catch(() => {
    throw new EngineError('ENG_HOST_NOT_FOUND', 'vite is not installed: run `npm install` first');
  });
  const output: string[] = [];
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(rendererDir, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('exit', (exit, signal) => done(exit ?? (signal ? 1 : 0)));
    child.on('error', (error) => {
      output.push(error.message);
      done(1);
    });
  });
  if (code !== 0) {
    throw new EngineError('ENG_HOST_INTERNAL', `Building the renderer failed (vite exit ${code}):\n${output.join('').trim().split('\n').slice(-30).join('\n')}`);
  }
  return 'built';
}

/**
 * The Electron executable if it is installed, else why not. Deliberately not `require('electron')`: the
 * electron package's index.js starts a download when the binary is missing, which hangs offline. This
 * reads the same path.txt it would (and honours ELECTRON_OVERRIDE_DIST_PATH the same way).
 */
export async function electronBinary(): Promise<{ path: string } | { missing: string }> {
  const pkg = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = await readFile(pathFile, 'utf8').then((t) => t.trim(), () => null);
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!relative && !override) {
    const installed = await stat(join(pkg, 'package.json')).catch(() => null);
    return { missing: installed ? 'the electron package is installed but its binary was never downloaded (node_modules/electron/path.txt is missing)' : 'the electron package is not installed' };
  }
  const binary = override ? join(override, relative ?? 'electron') : join(pkg, 'dist', relative ?? 'electron');
  try {
    await access(binary, constants.X_OK);
    return { path: binary };
  } catch {
    return { missing: `${binary} is missing or not executable` };
  }
}

/**
 * Bundles electron/main.ts (ESM) and electron/preload.ts (CommonJS: sandboxed preloads cannot be ES
 * modules) into out/electron/ with esbuild (installed with tsx). npm packages stay external and load from
 * node_modules. The bundle sits two folders below the repo root like engine/<area>/, so the engine's
 * `new URL('../../…', import.meta.url)` paths (package.json, resources/examples) still resolve.
 */
export async function bundleElectron(): Promise<{ main: string; preload: string; worker: string }> {
  const esbuild = await import('esbuild');
  const outDir = join(repoRoot, 'out', 'electron');
  const main = join(outDir, 'main.mjs');
  const preload = join(outDir, 'preload.cjs');
  const worker = join(outDir, PREBUILT_WORKER);
  const common = { bundle: true, platform: 'node' as const, target: 'node22', packages: 'external' as const, sourcemap: 'linked' as const, logLevel: 'warning' as const };
  await esbuild.build({ ...common, entryPoints: [join(repoRoot, 'electron', 'main.ts')], outfile: main, format: 'esm' });
  await esbuild.build({ ...common, entryPoints: [join(repoRoot, 'electron', 'preload.ts')], outfile: preload, format: 'cjs' });
  // The decode workers' code beside main.mjs, where the pool looks for it (workers/pool.ts prebuiltWorker).
  await writeStandaloneWorker(worker);
  return { main, preload, worker };
}

/** Opens a URL in the user's default browser; failures are reported, never fatal. */
export function openInBrowser(url: string, log: (line: string) => void): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => log(`Could not open a browser (${command} failed); open the URL above yourself.`));
    child.unref();
  } catch {
    log(`Could not open a browser (${command} is missing); open the URL above yourself.`);
  }
}
