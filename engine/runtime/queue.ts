// The bounded queue in front of each sink. Operators enqueue synchronously; a writer loop awaits
// sink.write one batch at a time; producers wait for room (that wait is the backpressure that slows the
// sources). Checkpoint barriers travel in the queue as markers, so everything enqueued before the
// barrier is written before sink.checkpoint and nothing after it.
import { monotonicMs } from './clock.ts';
import type { Batch } from './types.ts';

export type QueueItem =
  | { kind: 'batch'; batch: Batch; enqueuedAt: number }
  | { kind: 'barrier'; run: () => Promise<void> };

export class SinkQueue {
  private items: QueueItem[] = [];
  private batches = 0;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(readonly capacity: number, private readonly onShrink: () => void) {}

  /** Batches waiting (barrier markers do not count against the capacity). */
  size(): number {
    return this.batches;
  }

  hasRoom(): boolean {
    return this.batches < this.capacity;
  }

  isEmpty(): boolean {
    return this.items.length === 0;
  }

  enqueue(batch: Batch): void {
    this.items.push({ kind: 'batch', batch, enqueuedAt: monotonicMs() });
    this.batches++;
    this.signal();
  }

  enqueueBarrier(run: () => Promise<void>): void {
    this.items.push({ kind: 'barrier', run });
    this.signal();
  }

  /** No more items will come: the writer loop ends once the queue is empty. */
  close(): void {
    this.closed = true;
    this.signal();
  }

  /** Drops everything (after a failure). */
  clear(): void {
    this.items = [];
    this.batches = 0;
    this.closed = true;
    this.signal();
    this.onShrink();
  }

  /** The next item, or null once closed and empty. The item stays counted until `done` is called. */
  async next(): Promise<QueueItem | null> {
    for (;;) {
      const item = this.items[0];
      if (item) return item;
      if (this.closed) return null;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  /** The item returned by `next` has been handled. */
  done(): void {
    const item = this.items.shift();
    if (item?.kind === 'batch') this.batches--;
    this.onShrink();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
