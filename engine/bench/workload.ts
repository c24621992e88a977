// The benchmark registry. A workload is a name, a sentence and a run function returning its figures;
// areas add theirs as files in engine/bench/workloads/ (main.ts imports every file there).
import { readdirSync, readFileSync } from 'node:fs';

export interface LatencyFigures {
  p50: number;
  p95: number;
  p99: number;
  max?: number;
}

export interface BenchResult {
  /** Events processed by the measured part. */
  events?: number;
  seconds: number;
  eventsPerSecond?: number;
  latencyMs?: LatencyFigures;
  /** Peak resident memory during the measured part, in MiB (this process plus any child processes). */
  peakRssMb: number;
  /** Side-by-side figures measured in the same run (e.g. JSON.parse alone, DuckDB on the same data). */
  references?: { name: string; eventsPerSecond?: number; seconds?: number; note?: string }[];
  /** Target figures, printed next to the result. */
  targets?: { eventsPerSecond?: number; peakRssMb?: number };
  notes?: string[];
  [key: string]: unknown;
}

export interface BenchContext {
  /** A folder kept between runs for generated inputs (keyed by their parameters). */
  cacheDir: string;
  /** A fresh temporary folder for this workload's outputs, removed afterwards. */
  workDir: string;
  log(message: string): void;
  /** Starts sampling peak RSS (plus the given child pids) until `stop()`. */
  trackRss(childPids?: () => number[]): { stop(): number };
}

export interface Workload {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

const workloads = new Map<string, Workload>();

export function registerWorkload(workload: Workload): void {
  if (workloads.has(workload.name)) throw new Error(`bench workload "${workload.name}" is registered twice`);
  workloads.set(workload.name, workload);
}

export function allWorkloads(): Workload[] {
  return [...workloads.values()];
}

/** Resident set size of a process in bytes from /proc (0 when it is gone or not Linux). */
export function childRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function trackRss(childPids: () => number[] = () => []): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    let rss = process.memoryUsage.rss();
    for (const pid of childPids()) rss += childRss(pid);
    if (rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, 25);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak / (1 << 20);
    },
  };
}

/** Percentiles of a list of latencies in ms. */
export function percentiles(values: number[]): LatencyFigures {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

/**
 * CPU milliseconds used so far by the processes whose command line contains `match` (a server started
 * for a workload, found by its folder), their exited children (cutime/cstime) and their live children
 * (PostgreSQL backends). With this process's own CPU it gives CPU per event for a pipeline and a
 * server's bulk path alike, which a shared machine's load distorts far less than wall time.
 */
export function processCpuMs(match: string): number {
  const tick = 10; // ms per clock tick (CLK_TCK 100 on Linux)
  const stats = new Map<number, { ppid: number; own: number; children: number; cmdline: string }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const num = (i: number): number => Number(fields[i - 3] ?? 0);
      stats.set(Number(pid), { ppid: num(4), own: num(14) + num(15), children: num(16) + num(17), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') });
    } catch {
      // gone meanwhile
    }
  }
  const roots = new Set([...stats].filter(([, s]) => s.cmdline.includes(match)).map(([pid]) => pid));
  let ticks = 0;
  for (const [pid, s] of stats) {
    if (roots.has(pid)) ticks += s.own + s.children;
    else if (roots.has(s.ppid)) ticks += s.own;
  }
  return ticks * tick;
}

/** CPU milliseconds of the children this process has waited for (spawnSync'd clients). */
export function waitedChildrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[16 - 3] ?? 0) + Number(fields[17 - 3] ?? 0)) * 10;
  } catch {
    return 0;
  }
}
