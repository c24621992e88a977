// Where the two threads of a pooled source wait for each other (STREAMLAKE_WORKER_TRACE=1): the run's
// thread's time waiting for an answer, for room downstream and for the file, the tasks in flight when
// one is submitted, and each worker's busy and idle time and CPU. Printed to stderr when the pool
// closes. Measured with the monotonic clock and the threads' own CPU (/proc/thread-self/stat), so the
// shares say which side waits on which, not how fast the machine was.
import { readFileSync } from 'node:fs';

export const tracing = process.env.STREAMLAKE_WORKER_TRACE === '1';

/**
 * CPU seconds (user + system) in a /proc stat file, a process's (`/proc/<pid>/stat`) or a thread's
 * (`/proc/thread-self/stat`); undefined where it cannot be read (not Linux, the process is gone).
 * Resolution: one clock tick (10 ms).
 */
export function statCpuSeconds(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of the calling thread (user + system), or NaN off Linux. */
export function threadCpuSeconds(): number {
  return statCpuSeconds('/proc/thread-self/stat') ?? Number.NaN;
}

/** A worker's side, sent to the pool when asked ('trace'). */
export interface WorkerTrace {
  busyMs: number;
  idleMs: number;
  tasks: number;
  messages: number;
  cpuSeconds: number;
}

/** The run's thread's side of one pooled read. */
export class SourceTrace {
  private readonly started = performance.now();
  private readonly cpuAtStart = threadCpuSeconds();
  waitAnswerMs = 0;
  waitRoomMs = 0;
  waitReadMs = 0;
  tasks = 0;
  /** Sum over submitted tasks of the tasks then in flight (not yet answered), for the mean. */
  inFlightSum = 0;
  /** Submissions that found the worker(s) with nothing in hand. */
  foundIdle = 0;
  /** Answers awaited that had not arrived yet. */
  awaited = 0;
  /** Tasks and records the run's thread decoded itself. */
  tasksHere = 0;
  eventsHere = 0;

  decodedHere(records: number): void {
    this.tasksHere++;
    this.eventsHere += records;
  }

  submitted(inFlight: number): void {
    this.tasks++;
    this.inFlightSum += inFlight;
    if (inFlight === 0) this.foundIdle++;
  }

  report(events: number, workers: WorkerTrace[]): string {
    const wall = performance.now() - this.started;
    const cpu = threadCpuSeconds() - this.cpuAtStart;
    const pct = (ms: number): string => `${((100 * ms) / wall).toFixed(0)} %`;
    const perEvent = (s: number): string => `${((s * 1e6) / Math.max(1, events)).toFixed(2)} µs`;
    const lines = [
      `worker trace: ${events} events, ${(wall / 1000).toFixed(2)} s wall`,
      `  run's thread: CPU ${perEvent(cpu)}/event; waiting for answers ${pct(this.waitAnswerMs)} (${this.awaited} of ${this.tasks} tasks not answered when needed), for room ${pct(this.waitRoomMs)}, for the file ${pct(this.waitReadMs)}; tasks in flight at submission ${(this.inFlightSum / Math.max(1, this.tasks)).toFixed(2)} on average, ${this.foundIdle} found the workers idle; decoded here: ${this.tasksHere} tasks, ${this.eventsHere} records`,
    ];
    workers.forEach((w, i) => {
      lines.push(`  worker ${i}: CPU ${perEvent(w.cpuSeconds)}/event; busy ${pct(w.busyMs)}, idle ${pct(w.idleMs)}; ${w.tasks} tasks in ${w.messages} answers`);
    });
    return lines.join('\n');
  }
}
