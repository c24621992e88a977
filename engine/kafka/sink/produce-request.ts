// A leaner Produce request inside kafkajs. kafkajs 2.2.4 encodes every message as its own Encoder (a
// spread copy of the message, a header array, several growing buffers), joins them into a record batch,
// computes CRC-32C a byte at a time, and then copies the whole request twice more to put the request
// header in front. Producing 200-byte JSON events that was ~60 % of sink.kafka's CPU. This module swaps
// two kafkajs internals through Node's CommonJS module cache before kafkajs loads them (like records.ts):
// - produce request v3 (which v4-v7 reuse): each partition's record batch (magic 2) is written into one
//   buffer sized in a first pass, string values straight from the string (no Buffer per message), with a
//   table-driven CRC-32C sixteen bytes at a time (sink/crc32c.ts);
// - the request framing: size and header written once in front of the payload, or (a single batch the
//   sink built with room in front, joinRequest) around the batch where it lies.
// Same bytes on the wire (tested against kcat, see produce-request.test.ts). Another kafkajs version, or
// kafkajs loaded first, keeps kafkajs as shipped.
import { createRequire, Module } from 'node:module';
import { systemClock } from '../../runtime/clock.ts';
import { crc32cShared } from './crc-thread.ts';
import { crc32c } from './crc32c.ts';

export { crc32c };

const require = createRequire(import.meta.url);

type Bytes = Buffer | string | null | undefined;
type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
interface ProduceMessage { key?: Bytes; value: Bytes; headers?: Record<string, HeaderValue>; timestamp?: number | string }
/**
 * Records already encoded by sink.kafka (sink/builder.ts): offset deltas from 0, timestamp deltas 0.
 * `batch`, when given, is the records with BATCH_HEADER_BYTES of free room in front (records is its tail),
 * where an uncompressed batch is framed in place; `frame` is the whole buffer around it, whose bytes in
 * front of `batch` are free for the request header (a request with this one batch is framed there).
 */
export interface EncodedRecords { records: Buffer; count: number; batch?: Buffer; frame?: Buffer }
interface PartitionData { partition: number; firstSequence?: number; messages: ProduceMessage[]; encoded?: EncodedRecords }
interface TopicData { topic: string; partitions: PartitionData[] }
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: TopicData[];
}
interface EncoderLike { buf: Buffer; offset: number; readonly buffer: Buffer }
interface Codec { compress(encoder: { buffer: Buffer }): Promise<Buffer> }

// ---- varints ---------------------------------------------------------------------------------------------

/** Bytes of the zigzag varint of a 32-bit signed integer. */
export function varintSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

export function writeVarint(buf: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

export function byteLength(value: Bytes): number {
  if (value === null || value === undefined) return -1;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

export function writeBytes(buf: Buffer, at: number, value: Bytes, length: number): number {
  at = writeVarint(buf, at, length);
  if (length <= 0) return at;
  if (typeof value === 'string') return at + buf.write(value, at, length, 'utf8');
  (value as Buffer).copy(buf, at);
  return at + length;
}

function headerPairs(headers: Record<string, HeaderValue> | undefined): [string, Buffer | string][] {
  if (!headers) return [];
  const pairs: [string, Buffer | string][] = [];
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    if (Array.isArray(v)) for (const one of v) pairs.push([name, one]);
    else if (v !== undefined) pairs.push([name, v]);
  }
  return pairs;
}

// ---- record batch ----------------------------------------------------------------------------------------

/** Batch header bytes from the attributes on: what the CRC covers before the records. */
const AFTER_CRC = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** baseOffset, batchLength, partitionLeaderEpoch, magic, crc. */
const BEFORE_ATTRIBUTES = 8 + 4 + 4 + 1 + 4;
/** A record batch's header: everything before its records (61 bytes). */
export const BATCH_HEADER_BYTES = BEFORE_ATTRIBUTES + AFTER_CRC;

function toBigInt(value: unknown): bigint {
  if (value === undefined || value === null) return -1n;
  return BigInt(String(value));
}

/** The records of a batch (no batch header), in one buffer. */
function encodeRecords(messages: readonly ProduceMessage[], firstTimestamp: number): Buffer {
  const n = messages.length;
  const keyLengths = new Int32Array(n);
  const valueLengths = new Int32Array(n);
  const bodies = new Int32Array(n);
  const headerLists: ([string, Buffer | string][] | undefined)[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const keyLength = byteLength(m.key);
    const valueLength = byteLength(m.value);
    keyLengths[i] = keyLength;
    valueLengths[i] = valueLength;
    const delta = m.timestamp === undefined ? 0 : Number(m.timestamp) - firstTimestamp;
    let body = 1 + varintSize(delta) + varintSize(i) + varintSize(keyLength) + Math.max(0, keyLength) + varintSize(valueLength) + Math.max(0, valueLength);
    const pairs = m.headers ? headerPairs(m.headers) : undefined;
    headerLists[i] = pairs;
    body += varintSize(pairs?.length ?? 0);
    if (pairs) {
      for (const [name, value] of pairs) {
        const k = Buffer.byteLength(name);
        const v = byteLength(value);
        body += varintSize(k) + k + varintSize(v) + Math.max(0, v);
      }
    }
    bodies[i] = body;
    total += varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    at = writeVarint(buf, at, bodies[i]!);
    buf[at++] = 0;
    at = writeVarint(buf, at, m.timestamp === undefined ? 0 : Number(m.timestamp) - firstTimestamp);
    at = writeVarint(buf, at, i);
    at = writeBytes(buf, at, m.key, keyLengths[i]!);
    at = writeBytes(buf, at, m.value, valueLengths[i]!);
    const pairs = headerLists[i];
    at = writeVarint(buf, at, pairs?.length ?? 0);
    if (pairs) {
      for (const [name, value] of pairs) {
        at = writeBytes(buf, at, name, Buffer.byteLength(name));
        at = writeBytes(buf, at, value, byteLength(value));
      }
    }
  }
  return buf;
}

/** One partition's record batch (magic 2), as kafkajs' RecordBatch v0 writes it. */
export async function encodeRecordBatch(args: {
  messages: readonly ProduceMessage[];
  compression: number;
  codec?: Codec;
  transactional: boolean;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  now: number;
}): Promise<Buffer> {
  const { messages } = args;
  let first = args.now;
  let max = args.now;
  let stamped = false;
  for (const m of messages) {
    if (m.timestamp === undefined || m.timestamp === null) continue;
    const t = Number(m.timestamp);
    if (!stamped || t < first) first = t;
    if (!stamped || t > max) max = t;
    stamped = true;
  }
  // Messages without a timestamp get the batch's first one (kafkajs gives them "now").
  const records = encodeRecords(stamped ? messages.map((m) => (m.timestamp === undefined || m.timestamp === null ? { ...m, timestamp: args.now } : m)) : messages, first);
  return frameRecordBatch({ ...args, records, count: messages.length, firstTimestamp: first, maxTimestamp: max });
}

/** The batch header, (compressed) records and CRC around encoded records. */
export async function frameRecordBatch(args: {
  records: Buffer;
  count: number;
  batch?: Buffer;
  firstTimestamp: number;
  maxTimestamp: number;
  compression: number;
  codec?: Codec;
  transactional: boolean;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
}): Promise<Buffer> {
  const { records, count } = args;
  const first = args.firstTimestamp;
  const max = args.maxTimestamp;
  const codecBits = args.compression & 0x07;
  if (codecBits && !args.codec) throw new Error(`no codec for compression type ${codecBits}`);
  const body = codecBits && args.codec ? await args.codec.compress({ buffer: records }) : records;
  const size = BATCH_HEADER_BYTES + body.length;
  // Uncompressed records with room in front are framed where they are (a retry frames them again, alike).
  const inPlace = body === records && args.batch !== undefined && args.batch.length === size;
  const buf = inPlace ? args.batch! : Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0);
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(0, 12);
  buf.writeInt8(2, 16);
  let at = BEFORE_ATTRIBUTES;
  buf.writeInt16BE(codecBits | (args.transactional ? 0x10 : 0), at);
  buf.writeInt32BE(count - 1, at + 2);
  buf.writeBigInt64BE(BigInt(first), at + 6);
  buf.writeBigInt64BE(BigInt(max), at + 14);
  buf.writeBigInt64BE(toBigInt(args.producerId), at + 22);
  buf.writeInt16BE(args.producerEpoch, at + 30);
  buf.writeInt32BE(args.firstSequence, at + 32);
  buf.writeInt32BE(count, at + 36);
  at += AFTER_CRC;
  if (!inPlace) body.copy(buf, at);
  // A batch in a builder's shared buffer has its checksum computed on the CRC thread (crc-thread.ts).
  const crc = crc32cShared(buf, BEFORE_ATTRIBUTES, size);
  buf.writeUInt32BE(typeof crc === 'number' ? crc : await crc, 17);
  return buf;
}

/**
 * Request bytes before a single-partition produce request's record batch (request header and produce
 * fields): what RecordsBuilder must keep free in front of a batch for the request to be framed in place.
 */
export function requestRoom(clientId: string, transactionalId: string | undefined, topic: string): number {
  // size, api key, version, correlation id; client id; transactional id; acks, timeout; topic count;
  // topic; partition count; partition, batch size.
  return 12 + (2 + Buffer.byteLength(clientId)) + (2 + Buffer.byteLength(transactionalId ?? '')) + 6 + 4 + (2 + Buffer.byteLength(topic)) + 4 + 8;
}

/**
 * The request: `parts` one after the other. When the last part lies in `frame` with room in front of it
 * for all the others, they are written there and the request is that stretch of `frame` (no copy of the
 * batch); otherwise a new buffer.
 */
export function joinRequest(parts: readonly Buffer[], frame?: Buffer): Buffer {
  const last = parts[parts.length - 1];
  if (frame && last && last.buffer === frame.buffer && last.byteOffset >= frame.byteOffset && last.byteOffset + last.length <= frame.byteOffset + frame.length) {
    let before = 0;
    for (let i = 0; i < parts.length - 1; i++) before += parts[i]!.length;
    const offset = last.byteOffset - frame.byteOffset;
    if (before <= offset) {
      let at = offset - before;
      for (let i = 0; i < parts.length - 1; i++) at += parts[i]!.copy(frame, at);
      return frame.subarray(offset - before, offset + last.length);
    }
  }
  return Buffer.concat(parts);
}

/** Batches framed in place → the buffer around them with room for the request header (joinRequest). */
const frames = new WeakMap<Buffer, Buffer>();

function install(): void {
  let version: string;
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return;
  }
  if (version !== '2.2.4') return;
  const producePath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
  const requestPath = require.resolve('kafkajs/src/protocol/request.js');
  const cache = require.cache;
  if (cache[producePath] || cache[requestPath]) return;
  const Encoder = require('kafkajs/src/protocol/encoder.js') as new (size?: number) => EncoderLike;
  const { Produce: apiKey } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
  const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodec(type: number): Codec | null };

  /** An Encoder holding exactly this buffer (what kafkajs' request code expects back). */
  const wrap = (buf: Buffer): EncoderLike => {
    const encoder = new Encoder(0);
    encoder.buf = buf;
    encoder.offset = buf.length;
    return encoder;
  };
  const string = (value: string | null | undefined): Buffer => {
    if (value === null || value === undefined) return Buffer.from([0xff, 0xff]);
    const text = Buffer.from(value);
    const out = Buffer.allocUnsafe(2 + text.length);
    out.writeInt16BE(text.length, 0);
    text.copy(out, 2);
    return out;
  };
  const int32 = (value: number): Buffer => {
    const out = Buffer.allocUnsafe(4);
    out.writeInt32BE(value, 0);
    return out;
  };

  const produceV3 = ({ acks, timeout, transactionalId = null, producerId, producerEpoch = 0, compression = 0, topicData }: ProduceArgs) => {
    /** The payload as parts, so the request framing below copies the record batches once, not twice. */
    const encodeParts = async (): Promise<Buffer[]> => {
      const codec = compression ? (lookupCodec(compression) ?? undefined) : undefined;
      const now = systemClock.now();
      const parts: Buffer[] = [];
      const head = Buffer.allocUnsafe(2 + 4);
      head.writeInt16BE(acks, 0);
      head.writeInt32BE(timeout, 2);
      parts.push(string(transactionalId), head, int32(topicData.length));
      for (const topic of topicData) {
        parts.push(string(topic.topic), int32(topic.partitions.length));
        for (const p of topic.partitions) {
          const common = { compression, codec, transactional: !!transactionalId, producerId, producerEpoch, firstSequence: p.firstSequence ?? 0 };
          const batch = p.encoded
            ? await frameRecordBatch({ ...common, records: p.encoded.records, count: p.encoded.count, batch: p.encoded.batch, firstTimestamp: now, maxTimestamp: now })
            : await encodeRecordBatch({ ...common, messages: p.messages, now });
          if (p.encoded?.frame && batch === p.encoded.batch) frames.set(batch, p.encoded.frame);
          const header = Buffer.allocUnsafe(8);
          header.writeInt32BE(p.partition, 0);
          header.writeInt32BE(batch.length, 4);
          parts.push(header, batch);
        }
      }
      return parts;
    };
    return {
      apiKey,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async (): Promise<EncoderLike> => wrap(Buffer.concat(await encodeParts())),
      encodeParts,
    };
  };

  // Request = Size ApiKey ApiVersion CorrelationId ClientId Payload, written once.
  const createRequest = async ({ correlationId, clientId, request }: { correlationId: number; clientId: string | null; request: { apiKey: number; apiVersion: number; encode(): Promise<EncoderLike>; encodeParts?: () => Promise<Buffer[]> } }): Promise<EncoderLike> => {
    const payload = request.encodeParts ? await request.encodeParts() : [(await request.encode()).buffer];
    const client = string(clientId);
    const header = Buffer.allocUnsafe(4 + 2 + 2 + 4);
    let size = 8 + client.length;
    for (const part of payload) size += part.length;
    header.writeInt32BE(size, 0);
    header.writeInt16BE(request.apiKey, 4);
    header.writeInt16BE(request.apiVersion, 6);
    header.writeInt32BE(correlationId, 8);
    const last = payload[payload.length - 1];
    return wrap(joinRequest([header, client, ...payload], last && frames.get(last)));
  };

  for (const [path, exports] of [[producePath, produceV3], [requestPath, createRequest]] as const) {
    const module = new Module(path);
    module.filename = path;
    module.exports = exports;
    module.loaded = true;
    cache[path] = module;
  }
}

install();
