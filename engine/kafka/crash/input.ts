// The crash matrix's input and its independent truth. Orders are generated here from a seeded random
// sequence (not by the engine's generator), written to the topic partition by partition with kcat, and the
// expected contents of every output are computed from these same lines in plain TypeScript.
//
// Each chunk holds, in event-time order per partition:
// - valid orders (amount > 0, quantity > 0, a region, an event time), up to 3 s out of order: they reach
//   the raw table, the windows and the output topic;
// - orders the filter drops (amount 0 or no region): they reach nothing;
// - malformed payloads (cut-off JSON, key=value text): each reaches the dead-letter table with a reason;
// - deliberately late orders, 10 minutes behind their partition: beyond the window's 5 s delay plus 30 s
//   allowed lateness they go to the late table, unless no watermark had passed their window yet when the
//   engine read them (the first events of a run), in which case they count in their window. Either way
//   each is in exactly one of the two, which is what the check asserts.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const regions = ['eu', 'us', 'apac', 'latam'] as const;
export const windowMs = 60_000;

export interface InputEvent {
  id: string;
  partition: number;
  /** The exact Kafka value. */
  text: string;
  kind: 'valid' | 'filtered' | 'malformed' | 'late';
  /** Parsed order for valid and late events. */
  order?: { order_id: string; region: string; amount: number; quantity: number; event_time: string };
}

/** A small, seeded, reproducible random sequence (mulberry32). */
export class Seeded {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export class CrashInput {
  readonly events: InputEvent[] = [];
  private serial = 0;
  /** Event-time frontier per partition; chunks continue where the previous one ended. */
  private readonly frontier: number[];

  constructor(private readonly random: Seeded, readonly partitions: number, start = Date.UTC(2026, 0, 1)) {
    this.frontier = Array.from({ length: partitions }, () => start);
  }

  /** Generates `count` more events, writes them to the topic with kcat, and returns them. */
  produce(bootstrap: string, topic: string, dir: string, count: number): InputEvent[] {
    const added: InputEvent[] = [];
    const perPartition = Math.ceil(count / this.partitions);
    for (let p = 0; p < this.partitions; p++) {
      const lines: string[] = [];
      for (let i = 0; i < perPartition; i++) {
        const event = this.next(p, i / perPartition);
        lines.push(event.text);
        added.push(event);
      }
      const file = join(dir, `input-${this.serial}-p${p}.txt`);
      writeFileSync(file, lines.join('\n') + '\n');
      const r = spawnSync('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', String(p), '-l', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kcat -P failed: ${r.stderr}`);
    }
    this.events.push(...added);
    return added;
  }

  private next(partition: number, progress: number): InputEvent {
    const r = this.random;
    const id = `o-${++this.serial}`;
    this.frontier[partition] = (this.frontier[partition] ?? 0) + 200 + r.int(800);
    const frontier = this.frontier[partition] ?? 0;
    const roll = r.next();
    const region = regions[r.int(regions.length)] ?? 'eu';
    const amount = r.int(1000) + (1 + r.int(99)) / 100;
    const quantity = 1 + r.int(5);
    if (roll < 0.015) {
      const full = JSON.stringify({ order_id: id, region, amount, quantity, event_time: new Date(frontier).toISOString() });
      const text = r.next() < 0.5 ? full.slice(0, 26 + r.int(full.length - 30)) : `order_id=${id};region=${region};amount=${amount}`;
      return { id, partition, text, kind: 'malformed' };
    }
    if (roll < 0.035) {
      const order = { order_id: id, region: r.next() < 0.5 ? null : region, amount: r.next() < 0.5 ? 0 : amount, quantity, event_time: new Date(frontier).toISOString() };
      if (order.region !== null && order.amount !== 0) order.amount = 0;
      return { id, partition, text: JSON.stringify(order), kind: 'filtered' };
    }
    // Late ones only after the first fifth of a chunk, so most find their window closed.
    const late = roll < 0.045 && progress > 0.2;
    const time = late ? frontier - 600_000 : frontier - r.int(3000);
    const order = { order_id: id, region, amount, quantity, event_time: new Date(time).toISOString() };
    return { id, partition, text: JSON.stringify(order), kind: late ? 'late' : 'valid', order };
  }
}

export interface WindowTruth {
  orders: number;
  revenue: number;
}

export function windowKey(startMs: number, region: string): string {
  return `${new Date(startMs).toISOString()}|${region}`;
}

/**
 * Per (window, REGION): the valid and late orders of that window minus the ones the late table holds
 * (those were not counted, by definition of the late port).
 */
export function expectedWindows(events: readonly InputEvent[], lateIds: ReadonlySet<string>): Map<string, WindowTruth> {
  const out = new Map<string, WindowTruth>();
  for (const e of events) {
    if ((e.kind !== 'valid' && e.kind !== 'late') || !e.order || lateIds.has(e.id)) continue;
    const start = Math.floor(Date.parse(e.order.event_time) / windowMs) * windowMs;
    const key = windowKey(start, e.order.region.toUpperCase());
    const w = out.get(key) ?? { orders: 0, revenue: 0 };
    w.orders++;
    w.revenue += e.order.amount;
    out.set(key, w);
  }
  return out;
}
