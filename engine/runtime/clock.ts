// The only place in engine/ that touches ambient time. Everything else receives a Clock and Timers, so
// window and watermark tests can drive time by hand.
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Runs `fn` once after `ms` milliseconds of this timer source's time. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Resolves after `ms` milliseconds of this timer source's time (or at once when aborted). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemTimers: Timers = {
  after(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const handle = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(handle);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    });
  },
};

/** A clock and timer source moved only by `advance`, for deterministic tests and replays. */
export class ManualTime implements Clock, Timers {
  private current: number;
  private pending: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): TimerHandle {
    const entry = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(entry);
    return { cancel: () => { this.pending = this.pending.filter((p) => p !== entry); } };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // The listener goes when the sleep ends either way: a long-lived signal shared by many sleeps
      // (a run's abort signal under a rate limit) would otherwise collect one listener per sleep.
      const onAbort = (): void => { handle.cancel(); resolve(); };
      const handle = this.after(ms, () => { signal?.removeEventListener('abort', onAbort); resolve(); });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.pending[0];
      if (!next || next.at > target) break;
      this.pending.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = target;
  }
}

/**
 * A monotonic high-resolution reading in ms, only for measuring durations (batch latency, benchmarks);
 * never for event time or anything a test asserts on.
 */
export function monotonicMs(): number {
  return performance.now();
}
