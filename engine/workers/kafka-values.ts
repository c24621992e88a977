// JSON message values of one fetched partition batch decoded on a worker: the values are copied into a
// task space (a tombstone as a negative start), decoded there with formats.ts' JSON decoder, and come back
// as one Row or DecodeFailure per message, in the batch's order. The source awaits this before it moves
// the partition's position and pushes, so positions and per-partition order are as with inline decoding.
import type { KafkaMessage } from 'kafkajs';
import { DecodeFailure, type Decoded } from '../kafka/formats.ts';
import { KafkaRecord } from '../kafka/records.ts';
import type { Decoded as Answer, DecodePool, TaskSpace } from './pool.ts';

type Messages = readonly (KafkaMessage | KafkaRecord)[];

export async function decodeValuesPooled(pool: DecodePool, messages: Messages, first: number, until: number): Promise<Decoded[]> {
  return valuesOf(await pool.decode(fill(pool, messages, first, until), until - first), until - first);
}

/**
 * With a fused pool (runtime/fusion.ts): the batch pre-aggregated (`fused`, to deliver or, when the
 * window refuses it, to decode again as values), or its values when some message failed the chain.
 */
export async function decodeValuesFused(pool: DecodePool, messages: Messages, first: number, until: number): Promise<{ fused: NonNullable<Answer['fused']> } | { values: Decoded[] }> {
  const answer = await pool.decode(fill(pool, messages, first, until), until - first);
  return answer.fused ? { fused: answer.fused } : { values: valuesOf(answer, until - first) };
}

/** A fused batch the window refused, decoded again: its values. */
export async function refusedValues(fused: NonNullable<Answer['fused']>, count: number): Promise<Decoded[]> {
  return valuesOf(await fused.decoded(), count);
}

/** The batch's values copied into a task space. */
function fill(pool: DecodePool, messages: Messages, first: number, until: number): TaskSpace {
  const count = until - first;
  let size = 0;
  for (let i = first; i < until; i++) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    size += m instanceof KafkaRecord ? Math.max(0, m.valueEnd - m.valueStart) : (m.value?.length ?? 0);
  }
  const space = pool.reserve(size, count);
  const { bytes, starts, ends } = space;
  let at = 0;
  for (let i = first; i < until; i++) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    const k = i - first;
    if (m instanceof KafkaRecord ? m.valueStart < 0 : m.value === null) {
      starts[k] = -1;
      ends[k] = -1;
      continue;
    }
    const from = at;
    if (m instanceof KafkaRecord) {
      bytes.set(m.buffer.subarray(m.valueStart, m.valueEnd), at);
      at += m.valueEnd - m.valueStart;
    } else {
      const value = m.value as Buffer;
      bytes.set(value, at);
      at += value.length;
    }
    starts[k] = from;
    ends[k] = at;
  }
  return space;
}

/** One value or failure per message, in order. */
function valuesOf(decoded: Answer, count: number): Decoded[] {
  const rows = decoded.rows();
  const out: Decoded[] = new Array(count);
  let r = 0;
  let next = 0;
  for (let k = 0; k < count; k++) {
    const rejected = decoded.rejected[next];
    if (rejected && rejected.index === k) {
      out[k] = new DecodeFailure(rejected.problem);
      next++;
    } else out[k] = rows[r++] as Decoded;
  }
  return out;
}
