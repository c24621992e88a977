// The benchmark registry. A workload is a name, a sentence and a run function returning its figures;
// areas add theirs as files in engine/bench/workloads/ (main.ts imports every file there).
import { readFileSync } from 'node:fs';

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
