// Emptying a branch: one `delete` snapshot that removes every live data file of the branch head. Nothing
// is rewritten and no file is removed from disk, so the history (time travel to any earlier snapshot, tags,
// other branches) stays as it was; expiring snapshots reclaims the space later, as for any delete.
// The studio's Reset uses it when the user asks to replace a pipeline's tables instead of appending again.
import type { Snapshot } from '../format/metadata.ts';
import { commitChange, type CommitOptions } from './commit.ts';
import { liveFiles } from './manifests.ts';

export interface TruncateOptions extends CommitOptions {
  branch?: string;
  /** Extra snapshot summary keys (ours: streamlake.*). */
  summary?: Record<string, string>;
  /**
   * Commit a snapshot even when the branch holds no rows (so its summary is recorded, e.g. a pipeline's
   * reset marker).
   */
  allowEmpty?: boolean;
}

export interface TruncateResult {
  /** The new snapshot; null when the branch was empty and allowEmpty was not set. */
  snapshot: Snapshot | null;
  /** Rows the removed files held (from their manifests). */
  rows: number;
  files: number;
}

export async function truncateBranch(tableDir: string, options: TruncateOptions): Promise<TruncateResult> {
  let rows = 0;
  let files = 0;
  const { snapshot } = await commitChange(
    tableDir,
    options.branch ?? 'main',
    async (ctx) => {
      // Re-read on every attempt: a writer that committed in between must lose its rows too.
      const live = await liveFiles(ctx.files, ctx.parent);
      rows = live.reduce((n, f) => n + f.record.record_count, 0);
      files = live.length;
      if (live.length === 0 && !options.allowEmpty) return null;
      return { operation: 'delete', added: [], deleted: live, summary: options.summary };
    },
    options,
  );
  return { snapshot, rows, files };
}
