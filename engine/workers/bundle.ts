// The decode worker's code as one bundled ES module, so that a worker thread starts without tsx. Through
// entry.js a worker registers tsx's loader and compiles every engine module it imports from TypeScript,
// in its own isolate, with its own loader thread: measured on the 5 M-event file-window-lake pipeline
// (2 cores, 4 runs each, alternating), that start cost 0.05-0.1 µs CPU per event of the whole run and the
// run took 2.33-2.58 s against 2.17-2.29 s from the bundle.
//
// esbuild (installed with tsx, and what bundles the Electron main process) builds the bundle once per
// process from the current sources, in ~50 ms on its own process, while the run starts; pools use it from
// then on and entry.js before (the same code either way). npm packages stay external, so the bundle is
// written below node_modules/.cache, where their imports resolve; dynamic imports become chunks of their
// own, so a JSON Lines worker still does not load the Kafka decoders' schema libraries.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = new URL('./decode-worker.ts', import.meta.url);
const modules = new URL('../../node_modules/', import.meta.url);
/** Bundles of older sources are removed once this old (a process that started from one may still be up). */
const staleMs = 24 * 3600_000;

let built: URL | undefined;
let building: Promise<URL | undefined> | undefined;

/** The bundle's entry file once built in this process, else undefined (start workers from entry.js). */
export function bundledWorker(): URL | undefined {
  return built;
}

/**
 * Builds the bundle (once per process); its entry file, or undefined when there is none to build (not
 * running from the TypeScript sources, `STREAMLAKE_WORKER_BUNDLE=0`) or the build failed, which leaves
 * workers on entry.js.
 */
export function buildWorkerBundle(): Promise<URL | undefined> {
  building ??= build().then(
    (url) => {
      built = url;
      return url;
    },
    () => undefined,
  );
  return building;
}

/** The file name of the worker written beside an application bundle (pool.ts prebuiltWorker). */
export const PREBUILT_WORKER = 'decode-worker.mjs';

/**
 * Writes the decode worker as one self-contained ES module at `outFile`, for an application bundle
 * (Electron's, engine/host/launch.ts) that cannot build one at run time: no TypeScript sources there, and
 * in an asar archive the worker runs from the unpacked copy, where node_modules is not. So npm packages
 * are bundled in (~0.6 MB; the schema libraries are CommonJS, hence `require` from createRequire), and the
 * lazily loaded Kafka decoders stay in the same file.
 */
export async function writeStandaloneWorker(outFile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [fileURLToPath(source)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outfile: outFile,
    banner: { js: "import { createRequire as __streamlakeCreateRequire } from 'node:module'; const require = __streamlakeCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

async function build(): Promise<URL | undefined> {
  if (process.env.STREAMLAKE_WORKER_BUNDLE === '0') return undefined;
  if (source.protocol !== 'file:' || !existsSync(fileURLToPath(source)) || !existsSync(fileURLToPath(modules))) return undefined;
  const root = join(fileURLToPath(modules), '.cache', 'streamlake');
  const esbuild = await import('esbuild');
  const outdir = join(root, 'decode-worker');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(source)],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    write: false,
    logLevel: 'silent',
  });
  const files = result.outputFiles.map((file) => ({ name: relative(outdir, file.path), contents: file.contents }));
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.name).update('\0').update(file.contents).update('\0');
  const name = `decode-worker-${hash.digest('hex').slice(0, 16)}`;
  const final = join(root, name);
  const entry = join(final, 'decode-worker.js');
  if (!existsSync(entry)) {
    // Written aside and renamed: a worker of another process never sees half a bundle.
    const temp = join(root, `tmp-${randomUUID()}`);
    for (const file of files) {
      await mkdir(dirname(join(temp, file.name)), { recursive: true });
      await writeFile(join(temp, file.name), file.contents);
    }
    try {
      await rename(temp, final);
    } catch (error) {
      // Another process wrote the same bundle first.
      await rm(temp, { recursive: true, force: true });
      if (!existsSync(entry)) throw error;
    }
    await prune(root, name);
  }
  return pathToFileURL(entry);
}

/**
 * Removes bundles of older sources (and temp folders of crashed builds) written a day before the one just
 * written (the file system's clock on both sides).
 */
async function prune(root: string, keep: string): Promise<void> {
  const now = (await stat(join(root, keep))).mtimeMs;
  for (const entry of await readdir(root).catch(() => [])) {
    if (entry === keep || !(entry.startsWith('decode-worker-') || entry.startsWith('tmp-'))) continue;
    const path = join(root, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > staleMs) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
