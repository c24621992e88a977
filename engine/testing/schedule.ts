// How `npm test` runs its files: each in its own process, a fixed number at a time, longest first.
//
// Why longest first: with two slots, the suite ends when the last file ends. Run alphabetically, a
// 2-minute crash loop that starts near the end leaves the other slot idle for most of its run; started
// first, it overlaps with dozens of short files. The durations come from earlier runs (durations.ts).
//
// Why gates: some files need something the suite starts for them (the shared Kafka broker and schema
// registry, the built renderer for the e2e specs). Instead of waiting for all of that before any test,
// a file waits only for its own gate, and the slots meanwhile run files that need nothing.
//
// Why a slot for light files: many files mostly wait (on a browser, a broker, timers), and their recorded
// CPU time is a small share of their wall time; the e2e specs use about a fifth of one core. With only as
// many slots as cores, the CPUs sat a third idle. A light file may take one of `lightSlots` extra slots,
// so at most `concurrency` CPU-heavy files still run at once (more would only share the same cores).
//
// Why groups: files of one group run one at a time. The e2e specs are one: two studios animating their
// canvases side by side under load once made a click miss its node.

/** One file to run (or a setup step that takes a slot like one), and what it must wait for before it may start. */
export interface Job {
  file: string;
  /** Resolves when the file may start; rejects when what it waits for could not be started. */
  gate?: Promise<void>;
  /** Runs this job instead of the pool's `run(file)`: a shared server's start, which is CPU work like a file's. */
  run?: () => Promise<Omit<JobResult, 'file' | 'ms'>>;
  /** Mostly waits (little CPU for its wall time): may also take one of the pool's light slots. */
  light?: boolean;
  /** Jobs with the same group run one at a time. */
  group?: string;
}

export interface JobResult {
  file: string;
  /** Process exit code; non-zero is a failure. */
  code: number;
  /** Wall time of the file's process, milliseconds. */
  ms: number;
  /** Its output (TAP or spec), printed as one block when it ends so files never interleave. */
  output: string;
  /** CPU time (user + system) of the file's process and everything it waited for, when measured. */
  cpuMs?: number;
}

export interface PoolOptions {
  /** CPU-heavy jobs at once: the cores to keep busy. */
  concurrency: number;
  /** Extra slots only light jobs take (default 0): at most `concurrency + lightSlots` jobs run at once. */
  lightSlots?: number;
  /** Runs one file to its end. */
  run(file: string): Promise<Omit<JobResult, 'file' | 'ms'>>;
  /** Called once per file as it ends, in the order they end. */
  onDone?(result: JobResult, done: number, total: number): void;
  now?: () => number;
}

/** Longest first by the known durations; a file with none counts as `unknownMs`; ties keep name order. */
export function longestFirst(files: readonly string[], durations: ReadonlyMap<string, number>, unknownMs: number): string[] {
  const weight = (file: string): number => durations.get(file) ?? unknownMs;
  return files
    .map((file, index) => ({ file, index }))
    .sort((a, b) => weight(b.file) - weight(a.file) || a.index - b.index)
    .map(({ file }) => file);
}

/**
 * Runs the jobs: at most `concurrency` heavy ones and `concurrency + lightSlots` in all at once, and one
 * per group. A free slot takes the first job in list order that may start (its gate open, its group
 * idle, a heavy job only while fewer than `concurrency` heavy ones run), so a gated job never holds a
 * slot while it waits. A job whose gate rejects is not run: it ends with code 1 and the reason as its output.
 */
export async function runPool(jobs: readonly Job[], options: PoolOptions): Promise<JobResult[]> {
  const now = options.now ?? (() => performance.now());
  const open = new Set<Job>();
  const failedGates = new Map<Job, string>();
  const waiting = [...jobs];
  const results: JobResult[] = [];
  const slots = options.concurrency + (options.lightSlots ?? 0);
  const busyGroups = new Set<string>();
  let running = 0;
  let heavy = 0;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const job of jobs) {
    if (!job.gate) {
      open.add(job);
      continue;
    }
    job.gate.then(
      () => { open.add(job); poke(); },
      (error: unknown) => { failedGates.set(job, error instanceof Error ? error.message : String(error)); poke(); },
    );
  }

  const finish = (result: JobResult): void => {
    results.push(result);
    options.onDone?.(result, results.length, jobs.length);
  };

  const mayStart = (job: Job): boolean =>
    open.has(job) && running < slots && (job.light === true || heavy < options.concurrency) && (job.group === undefined || !busyGroups.has(job.group));

  const start = (job: Job): void => {
    running++;
    if (!job.light) heavy++;
    if (job.group !== undefined) busyGroups.add(job.group);
    const began = now();
    (job.run ? job.run() : options.run(job.file)).then(
      (r) => finish({ file: job.file, ms: now() - began, ...r }),
      (error: unknown) => finish({ file: job.file, ms: now() - began, code: 1, output: `could not run ${job.file}: ${error instanceof Error ? error.message : String(error)}\n` }),
    ).finally(() => {
      running--;
      if (!job.light) heavy--;
      if (job.group !== undefined) busyGroups.delete(job.group);
      poke();
    });
  };

  while (waiting.length > 0 || running > 0) {
    for (let i = 0; i < waiting.length; ) {
      const job = waiting[i]!;
      const reason = failedGates.get(job);
      if (reason !== undefined) {
        waiting.splice(i, 1);
        finish({ file: job.file, code: 1, ms: 0, output: `not run: ${reason}\n` });
      } else if (mayStart(job)) {
        waiting.splice(i, 1);
        start(job);
      } else {
        i++;
      }
    }
    if (waiting.length === 0 && running === 0) break;
    await new Promise<void>((resolve) => { wake = resolve; });
  }
  return results;
}

export interface Counts {
  tests: number;
  pass: number;
  fail: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

/** Adds up the totals a node:test reporter prints at the end of a file (`# pass 3` in TAP, `ℹ pass 3` in spec). */
export function countTests(outputs: readonly string[]): Counts {
  const counts: Counts = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  for (const output of outputs) {
    for (const match of output.matchAll(/^(?:#|ℹ) (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
      counts[match[1] as keyof Counts] += Number(match[2]);
    }
  }
  return counts;
}

/**
 * The `count` slowest files, one line each: wall seconds, CPU seconds when measured (far below the wall
 * time: the file mostly waits, on servers, child processes or timers), then the file.
 */
export function slowest(results: readonly JobResult[], count: number): string[] {
  return [...results]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map((r) => `${(r.ms / 1000).toFixed(1).padStart(7)} s${r.cpuMs === undefined ? '' : `  cpu ${(r.cpuMs / 1000).toFixed(1).padStart(6)} s`}  ${r.file}${r.code === 0 ? '' : '  (failed)'}`);
}

/**
 * CPU time from the shell builtin `times`, printed after the command ends: its second line is the user and
 * system time of the shell's children (the test file's process and all it waited for), e.g. `1m2.5s 0m3.25s`.
 */
export function parseTimes(text: string): number | undefined {
  const line = text.trim().split('\n')[1];
  const match = line?.match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/);
  if (!match) return undefined;
  const [, um, us, sm, ss] = match.map(Number) as [number, number, number, number, number];
  return Math.round(((um + sm) * 60 + us + ss) * 1000);
}

/** Below this share of one core (CPU time over wall time, as recorded), a file counts as light. */
export const lightShare = 1 / 3;

/** Mostly waiting, by its recorded figures: CPU time under `lightShare` of its wall time. Unmeasured is heavy. */
export function isLight(timing: { ms: number; cpuMs?: number } | undefined): boolean {
  return timing?.cpuMs !== undefined && timing.cpuMs < lightShare * timing.ms;
}
