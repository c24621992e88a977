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

/**
 * The batch's values copied into a task space. Records decoded by records.ts point into the fetched
 * buffer, one after another: each stretch of them in one buffer is copied with one call, the bytes
 * between values (record headers, keys) included, and the values are located in it. A copy per value
 * (a Buffer view and a set() each) was ~0.15 µs per message, the largest cost on the run's thread of a
 * fused Kafka pipeline.
 */
function fill(pool: DecodePool, messages: Messages, first: number, until: number): TaskSpace {
  const count = until - first;
  let size = 0;
  for (let i = first; i < until; ) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    if (m instanceof KafkaRecord) {
      const end = stretch(messages, i, until);
      size += stretchBytes(messages, i, end);
      i = end;
    } else {
      size += m.value?.length ?? 0;
      i++;
    }
  }
  const space = pool.reserve(size, count);
  const { bytes, starts, ends } = space;
  let at = 0;
  for (let i = first; i < until; ) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    if (!(m instanceof KafkaRecord)) {
      const k = i - first;
      if (m.value === null) {
        starts[k] = -1;
        ends[k] = -1;
      } else {
        bytes.set(m.value, at);
        starts[k] = at;
        at += m.value.length;
        ends[k] = at;
      }
      i++;
      continue;
    }
    const end = stretch(messages, i, until);
    const from = stretchStart(messages, i, end);
    const length = stretchBytes(messages, i, end);
    if (length > 0) bytes.set(m.buffer.subarray(from, from + length), at);
    for (let j = i; j < end; j++) {
      const r = messages[j] as KafkaRecord;
      const k = j - first;
      if (r.valueStart < 0) {
        starts[k] = -1;
        ends[k] = -1;
      } else {
        starts[k] = at + r.valueStart - from;
        ends[k] = at + r.valueEnd - from;
      }
    }
    at += length;
    i = end;
  }
  return space;
}

/**
 * The end of the stretch of records from `i`: KafkaRecords in the same buffer whose values come one after
 * another (null values anywhere in it).
 */
function stretch(messages: Messages, i: number, until: number): number {
  const buffer = (messages[i] as KafkaRecord).buffer;
  let last = -1;
  let j = i;
  for (; j < until; j++) {
    const r = messages[j];
    if (!(r instanceof KafkaRecord) || r.buffer !== buffer) break;
    if (r.valueStart < 0) continue;
    if (r.valueStart < last) break;
    last = r.valueEnd;
  }
  return j;
}

/** Where the first value of a stretch starts (0 when it has none). */
function stretchStart(messages: Messages, i: number, end: number): number {
  for (let j = i; j < end; j++) {
    const r = messages[j] as KafkaRecord;
    if (r.valueStart >= 0) return r.valueStart;
  }
  return 0;
}

/** Bytes from the first value of a stretch to the end of its last. */
function stretchBytes(messages: Messages, i: number, end: number): number {
  for (let j = end - 1; j >= i; j--) {
    const r = messages[j] as KafkaRecord;
    if (r.valueStart >= 0) return r.valueEnd - stretchStart(messages, i, end);
  }
  return 0;
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
