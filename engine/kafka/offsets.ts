// Consumer-group offset reset, as `kafka-consumer-groups --reset-offsets` does it: to the earliest or
// latest offset, or to the first message at or after a time. A plan is computed first (what each partition
// moves from and to, and the lag before and after) so the studio can show it in its confirmation dialog;
// applying re-plans, so it never writes offsets computed from a stale view. Kafka refuses to move the
// offsets of a group with live members, so that is checked up front and said in plain words.
import type { Admin } from 'kafkajs';
import { EngineError } from '../errors.ts';

export type OffsetTarget = 'earliest' | 'latest' | { timestamp: number };

export interface OffsetMove {
  topic: string;
  partition: number;
  /** Committed offset now, null when the group never committed on this partition. */
  from: number | null;
  to: number;
  lagBefore: number;
  lagAfter: number;
}

export interface OffsetResetPlan {
  groupId: string;
  target: OffsetTarget;
  moves: OffsetMove[];
  lagBefore: number;
  lagAfter: number;
}

/** What the group's offsets would become; `topic` limits it to one topic (default: every topic the group committed on). */
export async function planOffsetReset(admin: Admin, groupId: string, target: OffsetTarget, topic?: string): Promise<OffsetResetPlan> {
  if (typeof target === 'object' && !Number.isFinite(target.timestamp)) throw new EngineError('ENG_HOST_REQUEST', 'The reset time is not a valid time');
  const committed = await admin.fetchOffsets({ groupId, ...(topic === undefined ? {} : { topics: [topic] }) });
  const topics = topic === undefined ? committed.map((t) => t.topic) : [topic];
  if (topics.length === 0) throw new EngineError('ENG_HOST_NOT_FOUND', `Consumer group "${groupId}" has no committed offsets; name the topic to reset`);
  const moves: OffsetMove[] = [];
  for (const name of [...new Set(topics)].sort()) {
    const offsets = await admin.fetchTopicOffsets(name).catch((error: unknown) => {
      throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${name}" could not be read: ${(error as Error).message}`);
    });
    const byTime = typeof target === 'object' ? await admin.fetchTopicOffsetsByTimestamp(name, target.timestamp) : [];
    const current = new Map((committed.find((t) => t.topic === name)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const o of [...offsets].sort((a, b) => a.partition - b.partition)) {
      const low = Number(o.low);
      const high = Number(o.high);
      let to: number;
      if (target === 'earliest') to = low;
      else if (target === 'latest') to = high;
      else {
        // -1: no message at or after that time, so the group starts after everything there is.
        const found = Number(byTime.find((b) => b.partition === o.partition)?.offset ?? -1);
        to = found < 0 ? high : Math.max(low, Math.min(found, high));
      }
      const c = current.get(o.partition);
      const from = c === undefined || c < 0 ? null : c;
      moves.push({ topic: name, partition: o.partition, from, to, lagBefore: from === null ? high - low : Math.max(0, high - from), lagAfter: Math.max(0, high - to) });
    }
  }
  return {
    groupId,
    target,
    moves,
    lagBefore: moves.reduce((s, m) => s + m.lagBefore, 0),
    lagAfter: moves.reduce((s, m) => s + m.lagAfter, 0),
  };
}

/** Moves the group's committed offsets; fails with ENG_KAFKA_GROUP_ACTIVE while consumers are in the group. */
export async function resetOffsets(admin: Admin, groupId: string, target: OffsetTarget, topic?: string): Promise<OffsetResetPlan> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((g) => g.groupId === groupId);
  if (group && group.members.length > 0) {
    throw new EngineError('ENG_KAFKA_GROUP_ACTIVE',
      `Consumer group "${groupId}" has ${group.members.length} active member${group.members.length === 1 ? '' : 's'} (state ${group.state}); stop its consumers, then reset the offsets`,
      { groupId, members: group.members.length });
  }
  const plan = await planOffsetReset(admin, groupId, target, topic);
  const byTopic = new Map<string, OffsetMove[]>();
  for (const m of plan.moves) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  for (const [name, moves] of byTopic) {
    await admin.setOffsets({ groupId, topic: name, partitions: moves.map((m) => ({ partition: m.partition, offset: String(m.to) })) });
  }
  return plan;
}
