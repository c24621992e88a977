// JSON message values of one fetched partition batch decoded on a worker: the values are copied into a
// task space (a tombstone as a negative start), decoded there with formats.ts' JSON decoder, and come back
// as one Row or DecodeFailure per message, in the batch's order. The source awaits this before it moves
// the partition's position and pushes, so positions and per-partition order are as with inline decoding.
import type { KafkaMessage } from 'kafkajs';
import { DecodeFailure, type Decoded } from '../kafka/formats.ts';
import { KafkaRecord } from '../kafka/records.ts';
import { ALIGN_SLACK, coAligned, type Decoded as Answer, type DecodePool, type TaskSpace } from './pool.ts';

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
  // Stretches found once, then sized and copied (a plain message is a stretch of its own).
  const stretches: Stretch[] = [];
  let size = 0;
  for (let i = first; i < until; ) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    const s: Stretch = m instanceof KafkaRecord ? stretchAt(messages, i, until) : { end: i + 1, from: 0, length: m.value?.length ?? 0 };
    stretches.push(s);
    // Room for the alignment of its copy (coAligned).
    size += s.length + ALIGN_SLACK;
    i = s.end;
  }
  const space = pool.reserve(size, until - first);
  const { bytes, starts, ends } = space;
  let at = 0;
  let i = first;
  for (const s of stretches) {
    const m = messages[i] as KafkaMessage | KafkaRecord;
    if (!(m instanceof KafkaRecord)) {
      if (m.value === null) {
        starts[i - first] = -1;
        ends[i - first] = -1;
      } else {
        bytes.set(m.value, at);
        starts[i - first] = at;
        ends[i - first] = at + m.value.length;
      }
    } else {
      at = coAligned(at, m.buffer, s.from);
      if (s.length > 0) bytes.set(m.buffer.subarray(s.from, s.from + s.length), at);
      for (let j = i; j < s.end; j++) {
        const r = messages[j] as KafkaRecord;
        starts[j - first] = r.valueStart < 0 ? -1 : at + r.valueStart - s.from;
        ends[j - first] = r.valueStart < 0 ? -1 : at + r.valueEnd - s.from;
      }
    }
    at += s.length;
    i = s.end;
  }
  return space;
}

/** Messages [start, end) whose values lie in buffer[from, from + length). */
interface Stretch {
  end: number;
  from: number;
  length: number;
}

/**
 * The stretch of records from `i`: KafkaRecords in the same buffer whose values come one after another
 * (null values anywhere in it), from its first value's start to its last value's end.
 */
function stretchAt(messages: Messages, i: number, until: number): Stretch {
  const buffer = (messages[i] as KafkaRecord).buffer;
  let from = -1;
  let last = -1;
  let j = i;
  for (; j < until; j++) {
    const r = messages[j];
    if (!(r instanceof KafkaRecord) || r.buffer !== buffer) break;
    if (r.valueStart < 0) continue;
    if (r.valueStart < last) break;
    if (from < 0) from = r.valueStart;
    last = r.valueEnd;
  }
  return from < 0 ? { end: j, from: 0, length: 0 } : { end: j, from, length: last - from };
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
