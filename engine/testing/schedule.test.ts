import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { busyShare, parseProcStat, readCpuTimes } from './cpu.ts';
import { readDurations, saveDurations } from './durations.ts';
import { countTests, isLight, longestFirst, parseTimes, runPool, slowest, type Job } from './schedule.ts';

/** A promise with its resolve/reject, to open gates and end files when the test says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('longest first; a file never timed counts as the given guess; ties keep their order', () => {
  const known = new Map([['a', 1000], ['b', 90_000], ['c', 5000], ['d', 5000]]);
  assert.deepEqual(longestFirst(['a', 'b', 'c', 'd', 'new'], known, 30_000), ['b', 'new', 'c', 'd', 'a']);
  assert.deepEqual(longestFirst(['d', 'c'], known, 0), ['d', 'c']);
});

test('the pool keeps to its concurrency, and a file waiting on its gate never holds a slot', async () => {
  const gate = deferred();
  const ends = new Map<string, ReturnType<typeof deferred<{ code: number; output: string }>>>();
  const started: string[] = [];
  let running = 0;
  let most = 0;
  const jobs: Job[] = [{ file: 'gated', gate: gate.promise }, { file: 'a' }, { file: 'b' }, { file: 'c' }];
  const done = runPool(jobs, {
    concurrency: 2,
    run: async (file) => {
      started.push(file);
      most = Math.max(most, ++running);
      const end = deferred<{ code: number; output: string }>();
      ends.set(file, end);
      const r = await end.promise;
      running--;
      return r;
    },
  });
  await tick();
  assert.deepEqual(started, ['a', 'b'], 'the gated file is skipped while its gate is shut');
  gate.resolve();
  await tick();
  assert.deepEqual(started, ['a', 'b'], 'an open gate waits for a free slot');
  ends.get('a')!.resolve({ code: 0, output: 'a\n' });
  await tick();
  assert.deepEqual(started, ['a', 'b', 'gated'], 'the freed slot goes to the first open file in list order');
  ends.get('b')!.resolve({ code: 1, output: 'b failed\n' });
  await tick();
  assert.deepEqual(started, ['a', 'b', 'gated', 'c']);
  ends.get('gated')!.resolve({ code: 0, output: '' });
  ends.get('c')!.resolve({ code: 0, output: '' });
  const results = await done;
  assert.equal(most, 2);
  assert.deepEqual(results.map((r) => [r.file, r.code]), [['a', 0], ['b', 1], ['gated', 0], ['c', 0]]);
});

test('a file whose setup failed is not run and fails with the reason; the others still run', async () => {
  const gate = deferred();
  const ran: string[] = [];
  const done = runPool([{ file: 'needs-broker', gate: gate.promise }, { file: 'plain' }], {
    concurrency: 2,
    run: async (file) => { ran.push(file); return { code: 0, output: '' }; },
  });
  gate.reject(new Error('the broker did not start'));
  const results = await done;
  assert.deepEqual(ran, ['plain']);
  const failed = results.find((r) => r.file === 'needs-broker')!;
  assert.equal(failed.code, 1);
  assert.match(failed.output, /not run: the broker did not start/);
});

test('a file that cannot be spawned is a failure with the reason, not a stuck pool', async () => {
  const results = await runPool([{ file: 'x' }, { file: 'y' }], {
    concurrency: 1,
    run: async (file) => { if (file === 'x') throw new Error('spawn ENOENT'); return { code: 0, output: '' }; },
  });
  assert.deepEqual(results.map((r) => [r.file, r.code]), [['x', 1], ['y', 0]]);
  assert.match(results[0]!.output, /spawn ENOENT/);
});

test('each file is timed by the injected clock; the slowest are listed first, failures marked', async () => {
  let t = 0;
  const took = new Map([['quick', 1500], ['slow', 125_000], ['broken', 40_000]]);
  const results = await runPool([{ file: 'quick' }, { file: 'slow' }, { file: 'broken' }], {
    concurrency: 1,
    now: () => t,
    run: async (file) => { t += took.get(file)!; return { code: file === 'broken' ? 1 : 0, output: '' }; },
  });
  assert.deepEqual(results.map((r) => r.ms), [1500, 125_000, 40_000]);
  assert.deepEqual(slowest(results, 2), ['  125.0 s  slow', '   40.0 s  broken  (failed)']);
});

test('test counts are summed from TAP and spec reporter totals, not from nested subtests', () => {
  const tap = 'TAP version 13\n# Subtest: x\n    # Subtest: inner\n    # pass 99\nok 1 - x\n1..1\n# tests 3\n# suites 0\n# pass 2\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 12\n';
  const spec = '✔ y (1ms)\nℹ tests 4\nℹ pass 4\nℹ fail 0\nℹ skipped 0\n';
  assert.deepEqual(countTests([tap, spec]), { tests: 7, pass: 6, fail: 1, cancelled: 0, skipped: 0, todo: 0 });
});

test('durations: malformed files and entries are skipped; saving merges, rounds and drops deleted files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'durations-'));
  const path = join(dir, 'd.json');
  assert.deepEqual(readDurations(join(dir, 'missing.json')), new Map());
  writeFileSync(path, '[1, 2]');
  assert.deepEqual(readDurations(path), new Map());
  writeFileSync(path, JSON.stringify({
    'a.test.ts': 2.5, 'b.test.ts': 'slow', 'c.test.ts': -1, 'gone.test.ts': 4,
    'd.test.ts': { wall: 10, cpu: 2 }, 'e.test.ts': { wall: 3, cpu: 'x' }, 'f.test.ts': { cpu: 1 }, 'g.test.ts': [1],
  }));
  assert.deepEqual(readDurations(path), new Map([
    ['a.test.ts', { ms: 2500 }], ['gone.test.ts', { ms: 4000 }], ['d.test.ts', { ms: 10_000, cpuMs: 2000 }], ['e.test.ts', { ms: 3000 }],
  ]));
  saveDurations(path, new Map([['z.test.ts', { ms: 61_234, cpuMs: 7_049 }], ['a.test.ts', { ms: 1_049 }]]), (file) => file !== 'gone.test.ts');
  assert.equal(readFileSync(path, 'utf8'), '{\n  "a.test.ts": { "wall": 1 },\n  "d.test.ts": { "wall": 10, "cpu": 2 },\n  "e.test.ts": { "wall": 3 },\n  "z.test.ts": { "wall": 61.2, "cpu": 7 }\n}\n');
  assert.deepEqual(readDurations(path).get('z.test.ts'), { ms: 61_200, cpuMs: 7000 }, 'what is saved reads back');
});

test('light: CPU under a third of the wall time as recorded; unmeasured or busier is heavy', () => {
  assert.equal(isLight({ ms: 48_100, cpuMs: 4_100 }), true);
  assert.equal(isLight({ ms: 30_000, cpuMs: 10_000 }), false);
  assert.equal(isLight({ ms: 153_800, cpuMs: 155_000 }), false);
  assert.equal(isLight({ ms: 40_000 }), false);
  assert.equal(isLight(undefined), false);
});

/**
 * Runs the pool on a virtual clock: each job takes its given milliseconds; time jumps to the next end.
 * Returns when each job started and ended, and the most jobs (heavy ones, each group's) seen at once.
 */
async function simulate(jobs: readonly (Job & { takes: number })[], concurrency: number, lightSlots: number): Promise<{ spans: Map<string, [number, number]>; most: number; mostHeavy: number; mostPerGroup: Map<string, number> }> {
  let now = 0;
  const running = new Map<string, { ends: number; job: Job; done: () => void }>();
  const spans = new Map<string, [number, number]>();
  const byFile = new Map(jobs.map((j) => [j.file, j]));
  let most = 0;
  let mostHeavy = 0;
  const mostPerGroup = new Map<string, number>();
  const pool = runPool(jobs, {
    concurrency,
    lightSlots,
    now: () => now,
    run: (file) => new Promise((resolve) => {
      const job = byFile.get(file)!;
      spans.set(file, [now, now + job.takes]);
      running.set(file, { ends: now + job.takes, job, done: () => resolve({ code: 0, output: '' }) });
      most = Math.max(most, running.size);
      mostHeavy = Math.max(mostHeavy, [...running.values()].filter((r) => !r.job.light).length);
      if (job.group !== undefined) {
        const inGroup = [...running.values()].filter((r) => r.job.group === job.group).length;
        mostPerGroup.set(job.group, Math.max(mostPerGroup.get(job.group) ?? 0, inGroup));
      }
    }),
  });
  for (;;) {
    await tick();
    await tick();
    if (running.size === 0) break;
    now = Math.min(...[...running.values()].map((r) => r.ends));
    for (const [file, r] of running) if (r.ends === now) { running.delete(file); r.done(); }
  }
  await pool;
  return { spans, most, mostHeavy, mostPerGroup };
}

test('light slot: the e2e chain runs beside two heavy files, one spec at a time, never a third heavy file', async () => {
  const e2e = (file: string, takes: number): Job & { takes: number } => ({ file, takes, light: true, group: 'e2e' });
  const jobs = [
    e2e('e2e/long.spec.ts', 40_000), e2e('e2e/mid.spec.ts', 30_000), e2e('e2e/short.spec.ts', 20_000),
    { file: 'crash.test.ts', takes: 60_000 }, { file: 'sink.test.ts', takes: 50_000 }, { file: 'matrix.test.ts', takes: 40_000 },
    { file: 'runs.test.ts', takes: 30_000, light: true }, { file: 'unit.test.ts', takes: 10_000 },
  ];
  const { spans, most, mostHeavy, mostPerGroup } = await simulate(jobs, 2, 1);
  assert.equal(most, 3);
  assert.equal(mostHeavy, 2, 'never more heavy files than cores');
  assert.equal(mostPerGroup.get('e2e'), 1, 'one spec at a time');
  assert.deepEqual(Object.fromEntries(spans), {
    // The specs back to back in the light slot from the start.
    'e2e/long.spec.ts': [0, 40_000], 'e2e/mid.spec.ts': [40_000, 70_000], 'e2e/short.spec.ts': [70_000, 90_000],
    'crash.test.ts': [0, 60_000], 'sink.test.ts': [0, 50_000],
    // The third heavy file waits for a heavy one to end; the light one takes the first free slot.
    'matrix.test.ts': [50_000, 90_000], 'runs.test.ts': [60_000, 90_000], 'unit.test.ts': [90_000, 100_000],
  });
  // Without the light slot the same jobs take longer, the specs still one at a time.
  const two = await simulate(jobs, 2, 0);
  assert.equal(two.most, 2);
  assert.equal(two.mostPerGroup.get('e2e'), 1);
  assert.equal(Math.max(...[...two.spans.values()].map(([, end]) => end)), 140_000);
});

test('light jobs may fill every slot; a heavy one then waits for a free slot, not just for fewer heavy ones', async () => {
  const jobs = [
    { file: 'wait-a', takes: 10_000, light: true }, { file: 'wait-b', takes: 20_000, light: true }, { file: 'wait-c', takes: 30_000, light: true },
    { file: 'heavy', takes: 5000 },
  ];
  const { spans, most } = await simulate(jobs, 2, 1);
  assert.equal(most, 3);
  assert.deepEqual(spans.get('heavy'), [10_000, 15_000]);
  // The light slot is never a third heavy one.
  const heavy = await simulate([{ file: 'a', takes: 10_000 }, { file: 'b', takes: 10_000 }, { file: 'c', takes: 10_000 }], 2, 1);
  assert.equal(heavy.most, 2);
  assert.deepEqual(heavy.spans.get('c'), [10_000, 20_000]);
});

test('a job with its own run (a shared server start) takes a slot like a file, and the files gated on it wait', async () => {
  const order: string[] = [];
  const serverUp = deferred();
  const results = await runPool([
    { file: '(start server)', run: async () => { order.push('start'); serverUp.resolve(); return { code: 0, output: 'up\n' }; } },
    { file: 'user', gate: serverUp.promise },
  ], {
    concurrency: 1,
    run: async (file) => { order.push(file); return { code: 0, output: '' }; },
  });
  assert.deepEqual(order, ['start', 'user']);
  assert.deepEqual(results.map((r) => [r.file, r.output]), [['(start server)', 'up\n'], ['user', '']]);
});

test('CPU busy share from /proc/stat readings: guest time is not counted twice, iowait is idle', () => {
  const before = parseProcStat('cpu  100 0 50 800 50 0 0 0 30 0\ncpu0 1 2 3 4\n');
  const after = parseProcStat('cpu  400 0 150 1200 250 0 0 0 90 0\n');
  assert.deepEqual(before, { busy: 150, total: 1000 });
  assert.equal(busyShare(before, after), 400 / 1000);
  assert.equal(busyShare(after, before), undefined);
  assert.equal(parseProcStat('intr 1 2 3'), undefined);
  assert.equal(readCpuTimes(() => { throw new Error('ENOENT'); }), undefined);
});

test('CPU of a file from the shell builtin times: the children line, minutes and all', () => {
  assert.equal(parseTimes('0m0.001000s 0m0.002000s\n1m2.500000s 0m3.250000s\n'), 65_750);
  assert.equal(parseTimes('0m0.004s 0m0.000s\n0m0.412s 0m0.031s'), 443);
  assert.equal(parseTimes(''), undefined);
  assert.equal(parseTimes('0m0.004s 0m0.000s'), undefined);
});
