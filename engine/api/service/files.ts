// Pipeline files, recent files and the autosave slot. Browser mode may touch only `<home>/pipelines`
// (a page must never be able to read or overwrite arbitrary files through the host); desktop mode also
// accepts absolute paths, which come from the native dialogs.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { EngineError } from '../../errors.ts';
import { exportPipeline, parsePipelineText, validatePipeline } from '../../format/pipeline.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import type { AutosaveSlot, HostMode, OpenedFile, PipelineFileInfo } from '../contract.ts';

const recentLimit = 12;
const fileName = /^[A-Za-z0-9_][A-Za-z0-9_ .()\-]{0,120}$/;

export interface FilesOptions {
  mode: HostMode;
  pipelinesDir: string;
  /** Folder for recent.json and autosave.json. */
  stateDir: string;
  now(): number;
}

export class PipelineFiles {
  constructor(private readonly options: FilesOptions) {}

  /** The absolute file a UI path names; refuses anything outside the pipelines folder in browser mode. */
  resolvePath(path: string): string {
    const { mode, pipelinesDir } = this.options;
    if (mode === 'desktop' && isAbsolute(path)) {
      if (!path.toLowerCase().endsWith('.json')) throw new EngineError('ENG_HOST_FILE', `Pipeline files end in .json: ${path}`, { path });
      return resolve(path);
    }
    const name = path.toLowerCase().endsWith('.json') ? path : `${path}.json`;
    if (!fileName.test(name) || name.includes('..')) {
      throw new EngineError('ENG_HOST_FILE', `"${path}" is not a pipeline file name: use letters, digits, spaces and _ . ( ) -, without folders`, { path });
    }
    const full = join(pipelinesDir, name);
    if (dirname(full) !== resolve(pipelinesDir)) throw new EngineError('ENG_HOST_FILE', `"${path}" is outside the pipelines folder`, { path });
    return full;
  }

  /** How the UI refers to a file: a bare name inside the pipelines folder, else the absolute path. */
  displayPath(full: string): string {
    const dir = resolve(this.options.pipelinesDir);
    return dirname(full) === dir ? basename(full) : full;
  }

  async list(): Promise<PipelineFileInfo[]> {
    const dir = this.options.pipelinesDir;
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw fileError('list', dir, error);
    });
    const infos = await Promise.all(names.filter((n) => n.toLowerCase().endsWith('.json')).map((n) => this.info(join(dir, n))));
    return infos.filter((i): i is PipelineFileInfo => i !== null).sort((a, b) => b.modifiedAt - a.modifiedAt);
  }

  async open(path: string): Promise<OpenedFile> {
    const full = this.resolvePath(path);
    const text = await readFile(full, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw fileError('read', full, error);
    });
    await this.remember(full);
    const parsed = parsePipelineText(text);
    const shown = this.displayPath(full);
    return parsed.ok ? { path: shown, text, doc: parsed.doc } : { path: shown, text, problems: parsed.problems };
  }

  async save(path: string, doc: PipelineDoc, overwrite = true): Promise<PipelineFileInfo> {
    const full = this.resolvePath(path);
    const checked = validatePipeline(doc);
    // Saving an unfinished pipeline is normal while editing; only a document that is not even a pipeline
    // (no format/nodes) is refused, so the file can always be opened again.
    if (!checked.ok && checked.problems.some((p) => p.path === '' || p.path === '/format' || p.path === '/version')) {
      throw new EngineError('ENG_FORMAT_INVALID', `Not saved: ${checked.problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}`, { problems: checked.problems });
    }
    if (!overwrite && (await stat(full).catch(() => null))) {
      throw new EngineError('ENG_HOST_FILE', `${this.displayPath(full)} already exists`, { path: this.displayPath(full) });
    }
    await atomicWrite(full, canonicalText(checked.ok ? checked.doc : doc));
    await this.remember(full);
    const info = await this.info(full);
    if (!info) throw new EngineError('ENG_HOST_FILE', `${full} vanished right after it was written`);
    return info;
  }

  async remove(path: string): Promise<void> {
    const full = this.resolvePath(path);
    await rm(full).catch((error: NodeJS.ErrnoException) => {
      throw fileError('delete', full, error);
    });
    const recent = (await this.recentPaths()).filter((p) => p !== full);
    await this.writeState('recent.json', JSON.stringify(recent, null, 2));
  }

  async recent(): Promise<PipelineFileInfo[]> {
    const infos = await Promise.all((await this.recentPaths()).map((p) => this.info(p)));
    return infos.filter((i): i is PipelineFileInfo => i !== null);
  }

  async writeAutosave(doc: PipelineDoc, path: string | null): Promise<void> {
    const slot: AutosaveSlot = { doc, path, savedAt: this.options.now() };
    await this.writeState('autosave.json', JSON.stringify(slot));
  }

  async readAutosave(): Promise<AutosaveSlot | null> {
    const text = await readFile(join(this.options.stateDir, 'autosave.json'), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const slot = JSON.parse(text) as Partial<AutosaveSlot>;
      if (typeof slot !== 'object' || slot === null || typeof slot.savedAt !== 'number' || typeof slot.doc !== 'object' || slot.doc === null) return null;
      return { doc: slot.doc, path: typeof slot.path === 'string' ? slot.path : null, savedAt: slot.savedAt };
    } catch {
      // A torn autosave (crash mid-write on a filesystem without atomic rename) is simply no autosave.
      return null;
    }
  }

  private async info(full: string): Promise<PipelineFileInfo | null> {
    const st = await stat(full).catch(() => null);
    if (!st?.isFile()) return null;
    let name: string | null = null;
    if (st.size < 50 * 1024 * 1024) {
      try {
        const value = JSON.parse(await readFile(full, 'utf8')) as { name?: unknown };
        name = typeof value.name === 'string' ? value.name : null;
      } catch {
        name = null;
      }
    }
    return { path: this.displayPath(full), name, modifiedAt: st.mtimeMs, sizeBytes: st.size };
  }

  private async recentPaths(): Promise<string[]> {
    const text = await readFile(join(this.options.stateDir, 'recent.json'), 'utf8').catch(() => '[]');
    try {
      const list = JSON.parse(text) as unknown;
      const paths = Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
      // Browser mode never shows files outside its folder, even if a desktop session recorded them.
      return this.options.mode === 'browser' ? paths.filter((p) => dirname(p) === resolve(this.options.pipelinesDir)) : paths;
    } catch {
      return [];
    }
  }

  private async remember(full: string): Promise<void> {
    const list = [full, ...(await this.recentPaths()).filter((p) => p !== full)].slice(0, recentLimit);
    await this.writeState('recent.json', JSON.stringify(list, null, 2));
  }

  private async writeState(name: string, text: string): Promise<void> {
    await atomicWrite(join(this.options.stateDir, name), text);
  }
}

/** Canonical text; an unfinished document the canonical writer cannot order is kept as plain pretty JSON. */
function canonicalText(doc: PipelineDoc): string {
  try {
    return exportPipeline(doc);
  } catch {
    return JSON.stringify(doc, null, 2) + '\n';
  }
}

async function atomicWrite(full: string, text: string): Promise<void> {
  await mkdir(dirname(full), { recursive: true });
  const temp = `${dirname(full)}${sep}.${basename(full)}.${process.pid}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, full);
}

function fileError(action: string, path: string, error: NodeJS.ErrnoException): EngineError {
  const why = error.code === 'ENOENT' ? 'it does not exist' : error.code === 'EACCES' ? 'permission denied' : error.message;
  return new EngineError('ENG_HOST_FILE', `Could not ${action} ${path}: ${why}`, { path }, { cause: error });
}
