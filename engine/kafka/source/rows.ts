// The rows of a fetched batch (source.ts handleBatch): each message's value decoded inline or taken from
// what a decode worker returned, the message's metadata fields added, and messages that do not decode
// turned into dead letters for the error port.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { Clock } from '../../runtime/clock.ts';
import type { DeadLetter, Row } from '../../runtime/types.ts';
import type { Decoded, Decoder } from '../formats.ts';
import { DecodeFailure, describePayload } from '../formats.ts';
import { KafkaRecord } from '../records.ts';

/** The fields every row gets from its message, besides the value's own. */
export const metadataFields = { key: '_key', headers: '_headers', topic: '_topic', partition: '_partition', offset: '_offset', timestamp: '_timestamp' } as const;
export type MetadataField = (typeof metadataFields)[keyof typeof metadataFields];
/** Which metadata fields to set on every row. */
export type MetadataFlags = Record<keyof typeof metadataFields, boolean>;

/** Where a batch's messages come from, for its dead letters. */
export interface BatchOrigin {
  nodeId: string;
  topic: string;
  partition: number;
  clock: Clock;
}

export function offsetOf(m: KafkaMessage | KafkaRecord): number {
  return m instanceof KafkaRecord ? m.offsetNumber : Number(m.offset);
}

/**
 * Headers as JSON text of a name → value object (null when there are none): a column of one stable type
 * that every sink can store, whatever header names each message carries.
 */
function headersOf(headers: IHeaders | undefined): string | null {
  if (!headers) return null;
  let out: Record<string, string> | undefined;
  for (const name in headers) {
    const v = headers[name];
    out ??= {};
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    out[name] = one === undefined ? '' : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out ? JSON.stringify(out) : null;
}

/**
 * Rows and dead letters of messages[first, until): `pooled` holds the values a decode worker decoded (in
 * the same order), else each value is decoded here with `decoder`.
 */
export function batchRows(
  messages: readonly (KafkaMessage | KafkaRecord)[],
  first: number,
  until: number,
  pooled: Decoded[] | undefined,
  decoder: Decoder,
  meta: MetadataFlags,
  origin: BatchOrigin,
): { rows: Row[]; errors: Row[] } {
  const { topic, partition } = origin;
  const rows: Row[] = [];
  const errors: Row[] = [];
  for (let i = first; i < until; i++) {
    const m = messages[i]!;
    const lean = m instanceof KafkaRecord;
    const offset = lean ? m.offsetNumber : Number(m.offset);
    const decoded = pooled ? (pooled[i - first] as Decoded) : lean ? decoder.decode(m.valueStart < 0 ? null : m.buffer, m.valueStart, m.valueEnd) : decoder.decode(m.value);
    if (decoded instanceof DecodeFailure) {
      const letter: DeadLetter = {
        reason: decoded.reason,
        node: origin.nodeId,
        port: 'error',
        payload: describePayload(m.value),
        source: { topic, partition, offset, key: m.key ? m.key.toString('utf8') : null },
        at: new Date(origin.clock.now()),
      };
      errors.push(letter);
      continue;
    }
    const row = decoded;
    if (meta.key) row._key = m.key === null ? null : m.key.toString('utf8');
    if (meta.headers) row._headers = lean && !m.hasHeaders() ? null : headersOf(m.headers);
    if (meta.topic) row._topic = topic;
    if (meta.partition) row._partition = partition;
    if (meta.offset) row._offset = offset;
    if (meta.timestamp) row._timestamp = new Date(lean ? m.timestampMs : Number(m.timestamp));
    rows.push(row);
  }
  return { rows, errors };
}
