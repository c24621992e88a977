// The table's files on disk and the atomic commit. Nothing is ever rewritten in place: data files,
// manifests and manifest lists get unique names; a new metadata version is published with
// `link(tmp, v<N+1>.metadata.json)`, which fails with EEXIST when another writer got there first, so
// exactly one commit wins each version and the loser re-applies its change on the new base.
// version-hint.text is only a hint (written via temp + rename); readers probe past it, as Java does.
// Durability: data files are fsynced with their folder when written (parquet.ts), manifests when
// written; the metadata folder is fsynced before the link (so everything the version names is on disk
// first) and after it (so the published version survives a power cut).
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EngineError } from '../../errors.ts';
import { faultPoint } from '../../runtime/faults.ts';
import { parseTableMetadata, serializeTableMetadata, type TableMetadata } from '../format/metadata.ts';
import { removeSidecar, renameOver } from './crc.ts';

export const HINT_FILE = 'version-hint.text';
const VERSION_FILE = /^v(\d+)\.metadata\.json$/;

export function metadataDir(tableDir: string): string {
  return path.join(tableDir, 'metadata');
}

export function versionFile(tableDir: string, version: number): string {
  return path.join(metadataDir(tableDir), `v${version}.metadata.json`);
}

/** `file:/abs/path` form Java and PyIceberg expect in metadata. */
export function toUri(localPath: string): string {
  return pathToFileURL(localPath).href.replace(/^file:\/\/\//, 'file:/');
}

/**
 * Local path for a URI written in metadata. When the table folder was moved, paths under the recorded
 * location are re-rooted at the folder it is actually in.
 */
export function toLocalPath(uri: string, location: string, tableDir: string): string {
  const asPath = (u: string): string => (u.startsWith('file:') ? fileURLToPath(u.replace(/^file:\/*/, 'file:///')) : u);
  const local = asPath(uri);
  const base = asPath(location);
  if (base !== tableDir && (local === base || local.startsWith(`${base}${path.sep}`))) return path.join(tableDir, local.slice(base.length));
  return local;
}

async function exists(file: string): Promise<boolean> {
  try {
    await (await open(file, 'r')).close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** The current version: the hint if present, then probing upwards (a stale hint is normal after a crash). */
export async function currentVersion(tableDir: string): Promise<number | null> {
  let start: number | null = null;
  try {
    const hint = (await readFile(path.join(metadataDir(tableDir), HINT_FILE), 'utf8')).trim();
    if (/^\d+$/.test(hint) && (await exists(versionFile(tableDir, Number(hint))))) start = Number(hint);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (start === null) {
    let names: string[];
    try {
      names = await readdir(metadataDir(tableDir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    for (const name of names) {
      const m = VERSION_FILE.exec(name);
      if (m) start = Math.max(start ?? 0, Number(m[1]));
    }
    if (start === null) return null;
  }
  let version = start;
  while (await exists(versionFile(tableDir, version + 1))) version += 1;
  return version;
}

export interface Loaded {
  version: number;
  metadata: TableMetadata;
  file: string;
}

// Version files are never rewritten in place, so a parsed version can be reused while the same file
// (same inode, size and mtime) is on disk: a table with a long history is not re-parsed per commit.
// Metadata objects are treated as immutable everywhere (changes build new objects).
const parsed = new Map<string, { key: string; loaded: Loaded }>();
const PARSED_MAX = 64;

export async function loadMetadata(tableDir: string): Promise<Loaded> {
  const version = await currentVersion(tableDir);
  if (version === null) {
    throw new EngineError('ENG_LAKE_NOT_TABLE', `${tableDir} is not an Iceberg table: no metadata/v<N>.metadata.json`, { file: tableDir });
  }
  const file = versionFile(tableDir, version);
  let text: string;
  let key: string;
  try {
    const info = await stat(file);
    key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const hit = parsed.get(file);
    if (hit && hit.key === key) return hit.loaded;
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EngineError('ENG_LAKE_METADATA', `${file}: cannot be read: ${(error as Error).message}`, { file });
  }
  const loaded = { version, metadata: parseTableMetadata(text, file), file };
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
  parsed.set(file, { key, loaded });
  return loaded;
}

/** fsync of a file or folder (a folder: the entries created in it, e.g. after a link or rename). */
export async function syncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes bytes to a new file and fsyncs it; fails if the file exists. */
export async function writeNewFile(file: string, bytes: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type CommitStep = 'before-link' | 'after-link' | 'after-hint';

/** Test seam: called between the steps of a commit, so crash points can be simulated by throwing. */
export interface CommitHooks {
  at?(step: CommitStep): void | Promise<void>;
}

/**
 * Publishes `metadata` as version `version + 1`. Returns false when another writer already published that
 * version (the caller re-reads and re-applies its change).
 */
export async function publish(tableDir: string, version: number, metadata: TableMetadata, hooks?: CommitHooks): Promise<boolean> {
  const dir = metadataDir(tableDir);
  const tmp = path.join(dir, `${randomUUID()}.metadata.json`);
  await writeNewFile(tmp, serializeTableMetadata(metadata));
  // Manifests, the manifest list and the temp file are in this folder: their entries are on disk before
  // the version that names them is.
  await syncPath(dir);
  try {
    await hooks?.at?.('before-link');
    try {
      await link(tmp, versionFile(tableDir, version + 1));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const published = versionFile(tableDir, version + 1);
  await syncPath(dir);
  const info = await stat(published);
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
  parsed.set(published, { key: `${info.ino}:${info.size}:${info.mtimeMs}`, loaded: { version: version + 1, metadata, file: published } });
  await hooks?.at?.('after-link');
  faultPoint('lake.before-version-hint');
  const hintTmp = path.join(dir, `${randomUUID()}-version-hint.temp`);
  await writeNewFile(hintTmp, String(version + 1));
  await renameOver(hintTmp, path.join(dir, HINT_FILE)); // drops a Hadoop .crc sidecar Java left (crc.ts)
  faultPoint('lake.after-version-hint');
  await hooks?.at?.('after-hint');
  return true;
}

/** The version number of a `v<N>.metadata.json` path inside this table's metadata folder, else null. */
export function versionOf(tableDir: string, file: string): number | null {
  if (path.dirname(path.resolve(file)) !== path.resolve(metadataDir(tableDir))) return null;
  const m = VERSION_FILE.exec(path.basename(file));
  return m ? Number(m[1]) : null;
}

/**
 * After a successful commit: deletes the version files that left `metadata-log` (Java's rule) and then
 * the run of older versions below the oldest one kept, which a crash between publish and delete, or
 * commits made before the property was set, left behind. Only `v<N>.metadata.json` files of this table
 * numbered below `oldestKept` are touched, so the current version and everything in the log stay.
 * Returns how many files were deleted. Failures are ignored: the commit already happened and a left-over
 * file is only wasted space.
 */
export async function deleteOldVersions(tableDir: string, dropped: readonly string[], oldestKept: number): Promise<number> {
  let deleted = 0;
  const remove = async (version: number): Promise<boolean> => {
    try {
      await removeSidecar(versionFile(tableDir, version));
      await unlink(versionFile(tableDir, version));
      deleted++;
      return true;
    } catch {
      return false;
    }
  };
  let below = oldestKept;
  for (const file of dropped) {
    const version = versionOf(tableDir, file);
    if (version === null || version >= oldestKept) continue;
    await remove(version);
    below = Math.min(below, version);
  }
  // Walk down until the first version that is already gone: normally that is the very next one.
  for (let version = below - 1; version >= 0; version--) if (!(await remove(version))) break;
  return deleted;
}
