// How busy the machine's CPUs were while the tests ran, from /proc/stat (Linux). Printed in the suite's
// summary: well below 100% on a machine running nothing else means the files mostly wait (on servers,
// child processes, timers), and a higher --concurrency would finish sooner; near 100% means it would not.
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Parses the aggregate `cpu` line of /proc/stat; undefined when it is not there. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export function readCpuTimes(read: () => string = () => readFileSync('/proc/stat', 'utf8')): CpuTimes | undefined {
  try {
    return parseProcStat(read());
  } catch {
    return undefined;
  }
}

/** The busy share between two readings, 0–1; undefined when either is missing or no time passed. */
export function busyShare(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}
