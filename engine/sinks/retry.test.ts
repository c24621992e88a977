// withRetry (retry.ts): the loop every database sink commits under, with the hooks sink.opensearch and
// sink.cassandra use to name the error their way and show the retry on their node. Timers are injected:
// the backoff is recorded, not waited for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../errors.ts';
import { systemClock } from '../runtime/clock.ts';
import type { NodeContext } from '../runtime/types.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

class Gone extends Error {}

function context(logs: string[], sleeps: number[]): NodeContext {
  return {
    nodeId: 'out', pipelineName: 'p', clock: systemClock, lakeDir: '/nonexistent-lake', homeDir: '/nonexistent-home',
    timers: { after: () => ({ cancel() {} }), sleep: async (ms: number) => { sleeps.push(ms); } },
    metrics: { addIn() {}, addOut() {}, addError() {}, addLate() {}, setWatermark() {}, observeLatency() {} },
    signal: new AbortController().signal,
    log: (level, message) => { logs.push(`${level}: ${message}`); },
  };
}

function policy(ctx: NodeContext, events: string[], hooks: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    ctx, retries: 3, transient: (e) => e instanceof Gone,
    fatal: (e, what) => new EngineError('ENG_POSTGRES_WRITE', `could not ${what}: ${(e as Error).message}`),
    exhausted: (e, what, attempts) => new EngineError('ENG_POSTGRES_UNAVAILABLE', `could not ${what} after ${attempts} attempts`),
    reset: async () => { events.push('reset'); },
    retried: () => { events.push('retried'); },
    ...hooks,
  };
}

/** An attempt that fails with `failures` transient errors, then gives 'done'. */
function flaky(failures: number): () => Promise<string> {
  let n = 0;
  return async () => {
    if (n++ < failures) throw new Gone(`gone ${n}`);
    return 'done';
  };
}

test('transient errors: backoff doubling from 200 ms, the retry line names the error by describe, retried gets it, recovered once', async () => {
  const logs: string[] = [];
  const sleeps: number[] = [];
  const events: string[] = [];
  const ctx = context(logs, sleeps);
  const lines: string[] = [];
  const p = policy(ctx, events, {
    describe: (e) => `described ${(e as Error).message}`,
    retried: (e, n, line) => { events.push(`retried ${n} ${(e as Error).message}`); lines.push(line); },
    recovered: () => { events.push('recovered'); },
  });
  assert.equal(await withRetry(p, 'commit checkpoint 4', flaky(2)), 'done');
  assert.deepEqual(sleeps, [200, 400]);
  assert.deepEqual(events, ['reset', 'retried 1 gone 1', 'reset', 'retried 2 gone 2', 'recovered']);
  assert.deepEqual(lines, [
    'sink "out": could not commit checkpoint 4 (described gone 1); retry 1 of 3 in 200 ms',
    'sink "out": could not commit checkpoint 4 (described gone 2); retry 2 of 3 in 400 ms',
  ]);
  assert.deepEqual(logs, lines.map((line) => `warn: ${line}`));
});

test('without the optional hooks (PostgreSQL, ClickHouse): the line names the error by its message; no recovered on a first success', async () => {
  const logs: string[] = [];
  const events: string[] = [];
  const p = policy(context(logs, []), events, { recovered: () => { events.push('recovered'); } });
  delete p.describe;
  assert.equal(await withRetry(p, 'read its last commit', flaky(0)), 'done');
  assert.deepEqual(events, []);
  const q = policy(context(logs, []), events);
  assert.equal(await withRetry(q, 'read its last commit', flaky(1)), 'done');
  assert.deepEqual(logs, ['warn: sink "out": could not read its last commit (gone 1); retry 1 of 3 in 200 ms']);
});

test('attempts spent: the exhausted error after retries + 1 attempts; other errors at once as the fatal error; EngineErrors as they are', async () => {
  const events: string[] = [];
  const sleeps: number[] = [];
  const p = policy(context([], sleeps), events);
  await assert.rejects(withRetry(p, 'commit checkpoint 1', flaky(10)), { code: 'ENG_POSTGRES_UNAVAILABLE', message: 'could not commit checkpoint 1 after 4 attempts' });
  assert.deepEqual(sleeps, [200, 400, 800]);
  assert.equal(events.filter((e) => e === 'retried').length, 3);
  await assert.rejects(withRetry(p, 'commit checkpoint 1', async () => { throw new Error('bad value'); }), { code: 'ENG_POSTGRES_WRITE', message: 'could not commit checkpoint 1: bad value' });
  const own = new EngineError('ENG_RUN_CHECKPOINT', 'as it is');
  await assert.rejects(withRetry(p, 'commit checkpoint 1', async () => { throw own; }), (e) => e === own);
});
