// Event-time watermark per source partition. Each partition's watermark is the latest event time it
// showed minus the delay; the operator's watermark is the minimum over partitions that are not idle, so
// one slow partition holds windows open but a silent one (no events for idleTimeout of processing time)
// does not stall them. When every partition is idle the latest one counts, so a paused stream still
// closes its windows. The watermark never moves back.
//
// Silent is not the same as slow. A source that knows a partition has events at hand (Kafka: its
// position is below the partition's end) says so (`backlog`), and such a partition never goes idle,
// however long it takes to deliver: a consumer waiting for its group to hand the partition back after a
// crash, or a run stalled behind a slow sink, would otherwise let the watermark pass events that were
// only waiting, and call them late (with sticky producers, a partition holds whole minutes of a topic
// alone, so whole windows went missing). Once the source says the partition has nothing at hand, its
// idle clock runs from its latest batch.
//
// Partitions restored from a checkpoint start their idle clock at the first batch after the restore, not
// at the restore: a restarted source can take a while to get its partitions back (a Kafka consumer group
// waits for the killed member's session to expire), and counting that wait as idleness would let the
// watermark jump to the partition furthest ahead and call the others' events late.
//
// A source announces the partitions it has been assigned that have events to come (Kafka: its position is
// below the partition's end). An announced partition holds the watermark where it is until it delivers
// or goes idle: without it, a window that saw one partition's first fetch (minutes of event time) before
// another partition's first batch arrived would take all of that partition's older events for late ones.

export interface PartitionState {
  partition: string;
  /** Latest event time seen (epoch ms); -Infinity for an announced partition with no event yet. */
  maxEventTime: number;
  /** Processing time of the partition's latest batch. */
  seenAt: number;
  /** The source said it has events of this partition at hand: the partition cannot go idle. */
  backlog: boolean;
}

export class WatermarkTracker {
  private partitions = new Map<string, PartitionState>();
  private current = Number.NEGATIVE_INFINITY;
  /** Restored, and no batch has arrived since: restored partitions' idle clocks have not started. */
  private waiting = false;

  constructor(readonly delayMs: number, readonly idleTimeoutMs: number) {}

  /** The latest event time of a batch from `partition`, seen at processing time `now`. */
  observe(partition: string, maxEventTime: number, now: number): void {
    if (this.waiting) {
      this.waiting = false;
      for (const p of this.partitions.values()) p.seenAt = now;
    }
    const p = this.partitions.get(partition);
    if (!p) this.partitions.set(partition, { partition, maxEventTime, seenAt: now, backlog: false });
    else {
      if (maxEventTime > p.maxEventTime) p.maxEventTime = maxEventTime;
      p.seenAt = now;
    }
  }

  /**
   * `partition` has events to come: until it delivers or goes idle, the watermark waits for it. With
   * `backlog`, the source also says whether it has events of the partition at hand (true: the partition
   * cannot go idle; false: its idle clock runs from its latest batch). A partition the tracker does not
   * know and that has nothing at hand is not added: it has nothing to hold the watermark for.
   */
  announce(partition: string, now: number, backlog?: boolean): void {
    const p = this.partitions.get(partition);
    if (p) {
      if (backlog !== undefined) p.backlog = backlog;
    } else if (backlog !== false) {
      this.partitions.set(partition, { partition, maxEventTime: Number.NEGATIVE_INFINITY, seenAt: now, backlog: backlog === true });
    }
  }

  private active(p: PartitionState, now: number): boolean {
    return this.waiting || p.backlog || now - p.seenAt < this.idleTimeoutMs;
  }

  /** Recomputes the watermark at processing time `now`; returns it (-Infinity before any event). */
  advance(now: number): number {
    let activeMin = Number.POSITIVE_INFINITY;
    let allMax = Number.NEGATIVE_INFINITY;
    for (const p of this.partitions.values()) {
      if (p.maxEventTime > allMax) allMax = p.maxEventTime;
      if (p.maxEventTime < activeMin && this.active(p, now)) activeMin = p.maxEventTime;
    }
    const latest = activeMin === Number.POSITIVE_INFINITY ? allMax : activeMin;
    const candidate = latest - this.delayMs;
    if (candidate > this.current) this.current = candidate;
    return this.current;
  }

  value(): number {
    return this.current;
  }

  /** For the UI: each partition with its latest event time (null: announced, no event yet) and whether it is idle at `now`. */
  describe(now: number): { partition: string; maxEventTime: number | null; idle: boolean }[] {
    return [...this.partitions.values()].map((p) => ({
      partition: p.partition,
      maxEventTime: Number.isFinite(p.maxEventTime) ? p.maxEventTime : null,
      idle: !this.active(p, now),
    }));
  }

  /** Announced partitions without an event are left out, and backlogs too: the source announces both again after a restore. */
  save(): unknown {
    const seen = [...this.partitions.values()].filter((p) => Number.isFinite(p.maxEventTime));
    return { current: Number.isFinite(this.current) ? this.current : null, partitions: seen.map((p) => [p.partition, p.maxEventTime]) };
  }

  /** Restored partitions get a fresh idle timeout, counted from the first batch after the restore. */
  load(saved: unknown, now: number): void {
    const s = saved as { current?: unknown; partitions?: unknown } | null;
    this.current = typeof s?.current === 'number' ? s.current : Number.NEGATIVE_INFINITY;
    this.partitions = new Map();
    if (Array.isArray(s?.partitions)) {
      for (const entry of s.partitions as unknown[]) {
        const [partition, max] = entry as [unknown, unknown];
        if (typeof partition === 'string' && typeof max === 'number') this.partitions.set(partition, { partition, maxEventTime: max, seenAt: now, backlog: false });
      }
    }
    this.waiting = this.partitions.size > 0;
  }
}
