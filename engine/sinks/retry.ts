// The database sinks' retry loop: an attempt that fails with an error a new attempt may not see again (the
// server or network went away) is repeated after a backoff doubling from 200 ms, `retries` times; then
// the run fails with the sink's "did not answer" error, the checkpoint's rows kept for the next run. Any
// other error fails at once with the sink's write error. Each sink says which errors are which.
import { EngineError } from '../errors.ts';
import type { NodeContext } from '../runtime/types.ts';

const BASE_BACKOFF_MS = 200;

export interface RetryPolicy {
  ctx: NodeContext;
  retries: number;
  /** True for errors a new attempt (with a new connection) may not see again. */
  transient(error: unknown): boolean;
  /** The error the run fails with for an error no retry cures (an EngineError passes through as it is). */
  fatal(error: unknown, what: string): EngineError;
  /** The error the run fails with once the attempts are spent. */
  exhausted(error: unknown, what: string, attempts: number): EngineError;
  /** After a transient failure: drop what it broke (a connection). */
  reset?(): Promise<void>;
  /** The error as the retry line names it (default: its message). */
  describe?(error: unknown): string;
  /**
   * Counts one retry (run summary and /metrics); `retry` counts from 1 and `line` is the warning logged,
   * for a sink that also shows it on its node (`ctx.report`).
   */
  retried(error: unknown, retry: number, line: string): void;
  /** An attempt succeeded after retries (a node showing the retry can stop). */
  recovered?(): void;
}

export async function withRetry<T>(policy: RetryPolicy, what: string, attempt: () => Promise<T>): Promise<T> {
  const { ctx } = policy;
  for (let n = 0; ; n++) {
    try {
      const result = await attempt();
      if (n > 0) policy.recovered?.();
      return result;
    } catch (error) {
      if (error instanceof EngineError) throw error;
      if (!policy.transient(error)) throw policy.fatal(error, what);
      await policy.reset?.();
      if (n >= policy.retries || ctx.signal.aborted) throw policy.exhausted(error, what, n + 1);
      const wait = BASE_BACKOFF_MS * 2 ** n;
      const text = policy.describe ? policy.describe(error) : (error as Error).message;
      const line = `sink "${ctx.nodeId}": could not ${what} (${text}); retry ${n + 1} of ${policy.retries} in ${wait} ms`;
      ctx.log('warn', line);
      policy.retried(error, n + 1, line);
      await ctx.timers.sleep(wait, ctx.signal);
    }
  }
}
