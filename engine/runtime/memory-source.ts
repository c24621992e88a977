// A bounded source over batches already in memory: replays, tests and benchmarks that must not pay for
// decoding. Positions are the index of the next batch, so a restore resumes exactly.
import { EngineError } from '../errors.ts';
import type { Batch, SourceInstance, SourcePositions } from './types.ts';

export interface MemorySourceOptions {
  /** Called after each batch was pushed (and the downstream had room), with its index. */
  onPushed?: (index: number) => void;
}

export class MemorySource implements SourceInstance {
  private next = 0;

  constructor(private readonly batches: readonly Batch[], private readonly options: MemorySourceOptions = {}) {}

  async run(push: (batch: Batch, port?: 'out' | 'error') => Promise<void>, signal: AbortSignal): Promise<void> {
    while (this.next < this.batches.length && !signal.aborted) {
      const index = this.next;
      const batch = this.batches[index] as Batch;
      // Positions cover a batch from the moment it is handed to push (the runtime's source contract).
      this.next = index + 1;
      await push(batch);
      this.options.onPushed?.(index);
    }
  }

  positions(): SourcePositions {
    return { next: this.next };
  }

  restore(positions: SourcePositions): void {
    const next = positions.next;
    if (typeof next !== 'number' || !Number.isInteger(next) || next < 0 || next > this.batches.length) {
      throw new EngineError('ENG_RUN_CHECKPOINT', `memory source position ${JSON.stringify(next)} is not a batch index within 0..${this.batches.length}`);
    }
    this.next = next;
  }

  async close(): Promise<void> {}
}
