// What the decode-worker and fusion tests share: a sink that hands every batch it gets to the test, and a
// run with STREAMLAKE_WORKERS set for its duration only.
import type { Batch, SinkInstance } from '../runtime/types.ts';

/** A sink with nothing to commit: each batch goes to `onWrite` (with its 1-based number), which may take its time, as a slow sink does. */
export class RecordingSink implements SinkInstance {
  private writes = 0;
  private rows = 0;
  constructor(private readonly onWrite: (batch: Batch, write: number) => void | Promise<void>) {}
  async write(batch: Batch): Promise<void> {
    this.rows += batch.rows.length;
    await this.onWrite(batch, ++this.writes);
  }
  async prepare(): Promise<unknown> {
    return null;
  }
  async commit(): Promise<void> {}
  async lastCommittedId(): Promise<number | null> {
    return null;
  }
  async close(): Promise<{ rows: number }> {
    return { rows: this.rows };
  }
}

/** Runs `work` with STREAMLAKE_WORKERS set to `workers`, then puts the variable back as it was. */
export async function withWorkers<T>(workers: string, work: () => Promise<T>): Promise<T> {
  const before = process.env.STREAMLAKE_WORKERS;
  process.env.STREAMLAKE_WORKERS = workers;
  try {
    return await work();
  } finally {
    if (before === undefined) delete process.env.STREAMLAKE_WORKERS;
    else process.env.STREAMLAKE_WORKERS = before;
  }
}
