// Appends streamed to PostgreSQL while a checkpoint interval runs, so the server parses COPY text on its
// own core while this process reads the input, instead of all of it after the barrier. The rows go into
// a transaction that only the commit of their checkpoint ends, with the same statements the commit would
// run: advisory lock for (schema, pipeline, node), the highest committed id read under it, the table
// created when missing, COPY, and at commit the `streamlake_commits` row and COMMIT. Nothing is visible
// before that COMMIT; a crash or a lost connection rolls it back and the staged rows are written by the
// next attempt. Whatever the live transaction cannot take (a refused value, a column that appears or
// changes type mid-interval) makes the sink drop it and commit from the COPY text or the staged rows as
// before. It is not used when the table exists without some of the columns: the ALTER would hold an
// exclusive lock on a table readers use for the whole interval. Nor when another sink of this process
// writes the same table: its commit may need a lock the live transaction holds (a CREATE TABLE not
// committed yet, a row lock against an ALTER or a unique index) while this one waits for the barrier that
// commit belongs to — within one pipeline that would never end.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Client } from 'pg';

const writers = new Map<string, number>();

/** Registers a sink writing this table (server and qualified name); returns its release. */
export function claimTable(key: string): () => void {
  writers.set(key, (writers.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (writers.get(key) ?? 1) - 1;
    if (left > 0) writers.set(key, left);
    else writers.delete(key);
  };
}

/** True when only one sink of this process writes the table. */
export function aloneOn(key: string): boolean {
  return (writers.get(key) ?? 0) <= 1;
}

export class LiveCopy {
  /** The checkpoint these rows were staged for (set at prepare). */
  id: number | null = null;
  /** Chunks of the interval's COPY text sent so far. */
  sent = 0;
  /** Set when the COPY failed (a refused value, the connection): the transaction is lost. */
  broken: Error | null = null;

  /**
   * @param last the highest checkpoint id committed, read under the advisory lock the transaction holds
   * @param created the column types the table was created with here (null: it existed with them all)
   */
  constructor(readonly client: Client, readonly last: number | null, readonly created: ReadonlyMap<string, string> | null, private readonly stream: Writable) {
    stream.on('error', (error: Error) => {
      this.broken ??= error;
    });
  }

  /** Sends the chunks not sent yet, waiting while the socket is full. */
  async send(chunks: readonly Buffer[]): Promise<void> {
    while (this.sent < chunks.length && !this.broken) {
      if (this.stream.write(chunks[this.sent++] as Buffer)) continue;
      if (this.broken || this.stream.destroyed) break;
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]).catch(() => undefined);
    }
  }

  /** Ends the COPY; throws what the server said about it. */
  async finish(): Promise<void> {
    if (this.broken) throw this.broken;
    this.stream.end();
    await finished(this.stream);
  }
}
