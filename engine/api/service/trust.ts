// Workspace trust, like VS Code's: a pipeline document is data someone else may have written, yet running
// it reads files and talks to hosts with the user's rights. Before a run, the service works out what the
// pipeline reaches; anything outside the studio's own folders (STREAMLAKE_HOME, the lake) or the user's
// saved Kafka connections needs the user's confirmation, given in a dialog that shows exactly that list.
// The confirmation is remembered by a SHA-256 of the confirmed reach, so editing a filter or moving a node
// does not ask again, while pointing a file source somewhere else does. Enforced here, in the service both
// hosts use, not only in the renderer.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { EngineError } from '../../errors.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import { LOCAL_CONNECTION, localConnection, type ConnectionStore } from '../../kafka/connections.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { PipelineTrustReport, TrustItem } from '../contract.ts';

export interface TrustOptions {
  homeDir: string;
  lakeDir: string;
  connections: ConnectionStore;
  clock: Clock;
}

interface TrustedEntry {
  hash: string;
  /** Epoch ms of the confirmation. */
  at: number;
  /** What was confirmed, for a person reading the file. */
  reach: string[];
}

/** The path with symlinks resolved where it exists, so a link inside a folder cannot point out of it. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
}

export class PipelineTrust {
  private readonly file: string;
  private readonly folders: string[];

  constructor(private readonly options: TrustOptions) {
    this.file = join(options.homeDir, 'trusted-pipelines.json');
    this.folders = [...new Set([options.homeDir, options.lakeDir].flatMap((dir) => [resolve(dir), realPath(resolve(dir))]))];
  }

  async report(doc: PipelineDoc): Promise<PipelineTrustReport> {
    const items: TrustItem[] = [];
    for (const node of doc.nodes) {
      if (node.type === 'source.file') {
        // Resolved as the file source resolves it (engine/sources/file/source.ts).
        const path = resolve(node.config.path);
        const real = realPath(path);
        const outside = !this.folders.some((folder) => inside(path, folder) && inside(real, folder));
        items.push({ nodeId: node.id, kind: 'file', direction: 'reads', target: path, ...(real !== path ? { detail: `the link points to ${real}` } : {}), outside });
      } else if (node.type === 'source.kafka' || node.type === 'sink.kafka') {
        const name = node.config.connection;
        const saved = await this.options.connections.get(name).catch(() => undefined);
        const connection = saved ?? (name === LOCAL_CONNECTION ? localConnection() : undefined);
        const topics = node.type === 'sink.kafka'
          ? `topic ${node.config.topic}`
          : node.config.topics?.length ? `topic${node.config.topics.length === 1 ? '' : 's'} ${node.config.topics.join(', ')}` : `topics matching /${node.config.topicPattern ?? ''}/`;
        items.push({
          nodeId: node.id,
          kind: 'kafka',
          direction: node.type === 'sink.kafka' ? 'writes' : 'reads',
          target: `${topics} on connection "${name}"`,
          detail: connection ? connection.brokers.join(', ') : 'not one of your saved connections',
          outside: connection === undefined,
        });
      } else if (node.type === 'sink.lake') {
        const branch = node.config.branch ? ` (branch ${node.config.branch})` : '';
        items.push({ nodeId: node.id, kind: 'lake', direction: 'writes', target: `table ${node.config.table}${branch} in ${this.options.lakeDir}`, outside: false });
      }
    }
    const confirm = items.filter((item) => item.outside).map(describe).sort();
    const hash = createHash('sha256').update(JSON.stringify(confirm)).digest('hex');
    const required = confirm.length > 0;
    const trusted = required && (await this.read()).some((entry) => entry.hash === hash);
    return { hash, required, trusted, items };
  }

  /** Records the user's confirmation of `hash`, which must still be what the pipeline reaches. */
  async trust(doc: PipelineDoc, hash: string): Promise<PipelineTrustReport> {
    const report = await this.report(doc);
    if (report.hash !== hash) {
      throw new EngineError('ENG_TRUST_REQUIRED', 'The pipeline changed since its trust dialog was shown; review what it reaches again', { report });
    }
    if (!report.required || report.trusted) return report;
    const entries = await this.read();
    entries.push({ hash, at: this.options.clock.now(), reach: report.items.filter((item) => item.outside).map(describe) });
    await this.write(entries);
    return { ...report, trusted: true };
  }

  /** Throws ENG_TRUST_REQUIRED, with the report as details, unless the pipeline may run. */
  async require(doc: PipelineDoc): Promise<void> {
    const report = await this.report(doc);
    if (!report.required || report.trusted) return;
    const outside = report.items.filter((item) => item.outside).map(describe);
    throw new EngineError(
      'ENG_TRUST_REQUIRED',
      `"${doc.name}" reaches outside the studio's folders and your saved connections (${outside.join('; ')}); confirm that you trust it before it runs`,
      { report },
    );
  }

  private async read(): Promise<TrustedEntry[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const value = JSON.parse(text) as { trusted?: unknown };
      if (!Array.isArray(value.trusted)) return [];
      return value.trusted.filter((entry): entry is TrustedEntry => typeof entry === 'object' && entry !== null && typeof (entry as TrustedEntry).hash === 'string');
    } catch {
      // A damaged file trusts nothing; the next confirmation rewrites it.
      return [];
    }
  }

  private async write(entries: TrustedEntry[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ trusted: entries }, null, 2) + '\n', { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.file);
  }
}

function describe(item: TrustItem): string {
  return `${item.nodeId} ${item.direction} ${item.kind === 'file' ? `file ${item.target}` : item.target}${item.detail ? ` (${item.detail})` : ''}`;
}
