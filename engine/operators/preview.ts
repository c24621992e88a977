// sink.preview: keeps the latest rows in a bounded ring for the UI and for tests. Re-emitted window rows
// (batches with an upsertKey) replace the row they update and retracted keys remove theirs, so the
// preview shows final values like the lake.
import { registerNode } from '../nodes/registry.ts';
import type { Batch, CheckpointInfo, Row, SinkInstance, SinkSummary } from '../runtime/types.ts';

export const defaultPreviewCapacity = 500;

export class PreviewSink implements SinkInstance {
  private rows: Row[] = [];
  private written = 0;
  private replaced = 0;
  private retracted = 0;
  private lastCheckpoint: CheckpointInfo | null = null;

  constructor(readonly capacity: number = defaultPreviewCapacity) {}

  async write(batch: Batch): Promise<void> {
    this.written += batch.rows.length;
    const key = batch.upsertKey;
    if (key && key.length > 0 && batch.retract) {
      for (const gone of batch.retract) {
        const at = this.rows.findIndex((old) => key.every((k) => sameValue(old[k], gone[k])));
        if (at >= 0) {
          this.rows.splice(at, 1);
          this.retracted++;
        }
      }
    }
    for (const row of batch.rows) {
      if (key && key.length > 0) {
        const at = this.rows.findIndex((old) => key.every((k) => sameValue(old[k], row[k])));
        if (at >= 0) {
          this.rows[at] = row;
          this.replaced++;
          continue;
        }
      }
      this.rows.push(row);
    }
    if (this.rows.length > this.capacity) this.rows.splice(0, this.rows.length - this.capacity);
  }

  // The preview is memory only: nothing to make durable, nothing to restore.
  async prepare(_info: CheckpointInfo): Promise<null> {
    return null;
  }

  async commit(info: CheckpointInfo, _pending: unknown): Promise<void> {
    this.lastCheckpoint = info;
  }

  async lastCommittedId(): Promise<null> {
    return null;
  }

  async close(): Promise<SinkSummary> {
    return { rows: this.written, replaced: this.replaced, retracted: this.retracted, lastCheckpointId: this.lastCheckpoint?.id ?? null };
  }

  preview(): Row[] {
    return this.rows.slice();
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

registerNode('sink.preview', {
  kind: 'sink',
  create: (spec) => new PreviewSink(spec.config.capacity ?? defaultPreviewCapacity),
});
