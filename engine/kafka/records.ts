// Leaner record decoding inside kafkajs. kafkajs 2.2.4 decodes every record of a fetch with 64-bit
// arithmetic on BigInt-backed Longs parsed from decimal strings (offset and timestamp), a Decoder object,
// Buffer slices for key and value and a header object rebuilt by spreading, and its consumer Batch parses
// every offset string back into a Long to filter them. Draining 200-byte events, that was about half the
// source's time (see README). This module swaps two kafkajs internals, through Node's CommonJS module cache
// before kafkajs loads them, for versions with the same behaviour:
// - the RecordBatch (magic 2) decoder returns `KafkaRecord`s: offsets and timestamps as numbers, key, value
//   and headers located in the fetched buffer and built only when someone reads them (the usual
//   `offset`/`timestamp` strings, Buffers and header object, as getters). Anything unusual (offsets beyond
//   2^53, another magic byte) goes to kafkajs' own decoder.
// - the consumer Batch compares those numeric offsets instead of parsing strings.
// The Kafka source reads values straight from the fetched buffer (`valueStart`/`valueEnd`), so a JSON value
// is decoded without even a Buffer slice per message. If the swap is not in place (another kafkajs
// version, or kafkajs loaded before this module), kafkajs works as shipped and the source reads plain
// messages.
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsDecoder { buffer: Buffer; offset: number }
interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  magicByte: number;
  /** The same as numbers, for the records' getters (not in kafkajs' own context). */
  baseOffset: number;
  firstTimestampMs: number;
  maxTimestampMs: number;
}
type RecordBatchDecoder = (decoder: KafkajsDecoder) => Promise<BatchContext & { records: unknown[] }>;
interface Codec { decompress(buffer: Buffer): Promise<Buffer> }

/** The version whose internals this module replaces; any other keeps kafkajs as shipped. */
const KAFKAJS_VERSION = '2.2.4';
const CONTROL_FLAG = 0x20;
const TRANSACTIONAL_FLAG = 0x10;
const LOG_APPEND_TIME_FLAG = 0x08;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;
/** FirstOffset, Length … Records count: bytes before the first record of a v2 batch. */
const BATCH_HEADER = 61;
/** Where the magic byte of a record batch or legacy message set is, and the least a batch header takes. */
const MAGIC_OFFSET = 16;
const RECORD_BATCH_OVERHEAD = 49;
/** Offsets up to here stay exact as doubles after adding any int32 delta. */
const SAFE_BASE = Number.MAX_SAFE_INTEGER - 2 ** 31;

/** One record of a fetched batch, located in the fetched (or decompressed) buffer. */
export class KafkaRecord {
  // Seven small fields (deltas rather than 64-bit values, positions rather than slices): millions of these
  // are made per second, and each byte of them is garbage-collector work.
  constructor(
    readonly buffer: Buffer,
    readonly batchContext: BatchContext,
    /** Where the record's attributes byte is (the key is found from there when asked for). */
    private readonly at: number,
    private readonly offsetDelta: number,
    private readonly timestampDelta: number,
    /** [valueStart, valueEnd) in buffer; valueStart -1 for a null value. Headers start at valueEnd. */
    readonly valueStart: number,
    readonly valueEnd: number,
  ) {}

  get offsetNumber(): number {
    return this.batchContext.baseOffset + this.offsetDelta;
  }

  get timestampMs(): number {
    const c = this.batchContext;
    return c.timestampType === LOG_APPEND_TIME ? c.maxTimestampMs : c.firstTimestampMs + this.timestampDelta;
  }

  get offset(): string {
    return String(this.offsetNumber);
  }

  get timestamp(): string {
    return String(this.timestampMs);
  }

  get magicByte(): number {
    return 2;
  }

  get attributes(): number {
    return this.buffer[this.at] as number;
  }

  get isControlRecord(): boolean {
    return this.batchContext.isControlBatch;
  }

  get key(): Buffer | null {
    const at = { p: this.at + 1 };
    varint(this.buffer, at); // timestamp delta
    varint(this.buffer, at); // offset delta
    const length = varint(this.buffer, at);
    return length < 0 ? null : this.buffer.subarray(at.p, at.p + length);
  }

  get value(): Buffer | null {
    return this.valueStart < 0 ? null : this.buffer.subarray(this.valueStart, this.valueEnd);
  }

  /** Like kafkajs: name → value, an array of values when a name repeats. */
  get headers(): Record<string, Buffer | Buffer[]> {
    const out: Record<string, Buffer | Buffer[]> = {};
    const buf = this.buffer;
    const at = { p: this.valueEnd };
    const count = varint(buf, at);
    for (let i = 0; i < count; i++) {
      const keyLength = varint(buf, at);
      const name = keyLength < 0 ? 'null' : buf.toString('utf8', at.p, at.p + keyLength);
      at.p += Math.max(0, keyLength);
      const valueLength = varint(buf, at);
      const value = valueLength < 0 ? (null as unknown as Buffer) : buf.subarray(at.p, at.p + valueLength);
      at.p += Math.max(0, valueLength);
      const known = out[name];
      out[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
    }
    return out;
  }

  /** Has at least one header (without building them). */
  hasHeaders(): boolean {
    return this.buffer[this.valueEnd] !== 0;
  }
}

/** A zigzag varint (up to 64 bits, exact while it fits a double), advancing at.p. */
function varint(buf: Buffer, at: { p: number }): number {
  let p = at.p;
  let b = buf[p++] as number;
  let raw = b & 0x7f;
  let scale = 128;
  while (b >= 0x80) {
    b = buf[p++] as number;
    raw += (b & 0x7f) * scale;
    scale *= 128;
  }
  at.p = p;
  return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
}

class PartialMessageError extends Error {}

/**
 * Decodes `count` records from buf[p, end). Record lengths are checked against `end`, so a truncated buffer
 * throws instead of reading past the batch.
 */
function decodeRecords(buf: Buffer, p: number, end: number, count: number, context: BatchContext): KafkaRecord[] {
  const records: KafkaRecord[] = new Array(count);
  const at = { p };
  for (let i = 0; i < count; i++) {
    const length = varint(buf, at);
    const start = at.p;
    const recordEnd = start + length;
    if (length < 0 || recordEnd > end) throw new PartialMessageError('record beyond its batch');
    at.p++; // attributes
    const timestampDelta = varint(buf, at);
    const offsetDelta = varint(buf, at);
    const keyLength = varint(buf, at);
    if (keyLength > 0) at.p += keyLength;
    const valueLength = varint(buf, at);
    const valueStart = valueLength < 0 ? -1 : at.p;
    if (valueLength > 0) at.p += valueLength;
    if (at.p > recordEnd) throw new PartialMessageError('record fields beyond the record');
    records[i] = new KafkaRecord(buf, context, start, offsetDelta, timestampDelta, valueStart, at.p);
    at.p = recordEnd;
  }
  return records;
}

function install(): void {
  let version: string;
  try {
    version = (require('kafkajs/package.json') as { version: string }).version;
  } catch {
    return;
  }
  if (version !== KAFKAJS_VERSION) return;
  const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
  const decoderPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
  const messagesPath = require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js');
  const cache = require.cache;
  // Already loaded (kafkajs imported before this module): the swap would only half apply, so skip it.
  if (cache[batchPath] || cache[decoderPath] || cache[messagesPath]) return;

  const stockDecoder = require(decoderPath) as RecordBatchDecoder;
  const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodecByAttributes(attributes: number): Codec | null };
  const { KafkaJSPartialMessageError } = require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: new (message: string) => Error };

  const decodeBatch: RecordBatchDecoder = async (fetchDecoder) => {
    const buf = fetchDecoder.buffer;
    const start = fetchDecoder.offset;
    const base = Number(buf.readBigInt64BE(start));
    const length = buf.readInt32BE(start + 8);
    const end = start + 12 + length;
    if (buf[start + 16] !== 2 || !(base >= 0 && base <= SAFE_BASE) || length < BATCH_HEADER - 12) return stockDecoder(fetchDecoder);
    fetchDecoder.offset = end;
    if (end > buf.length) {
      throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${buf.length - start - 12}) < recordBatchLength(${length})`);
    }
    const attributes = buf.readInt16BE(start + 21);
    const firstTimestamp = Number(buf.readBigInt64BE(start + 27));
    const maxTimestamp = Number(buf.readBigInt64BE(start + 35));
    const context: BatchContext = {
      firstOffset: String(base),
      firstTimestamp: String(firstTimestamp),
      partitionLeaderEpoch: buf.readInt32BE(start + 12),
      inTransaction: (attributes & TRANSACTIONAL_FLAG) !== 0,
      isControlBatch: (attributes & CONTROL_FLAG) !== 0,
      lastOffsetDelta: buf.readInt32BE(start + 23),
      producerId: buf.readBigInt64BE(start + 43).toString(),
      producerEpoch: buf.readInt16BE(start + 51),
      firstSequence: buf.readInt32BE(start + 53),
      maxTimestamp: String(maxTimestamp),
      timestampType: (attributes & LOG_APPEND_TIME_FLAG) !== 0 ? LOG_APPEND_TIME : CREATE_TIME,
      magicByte: 2,
      baseOffset: base,
      firstTimestampMs: firstTimestamp,
      maxTimestampMs: maxTimestamp,
    };
    const count = buf.readInt32BE(start + 57);
    let records: KafkaRecord[] = [];
    const codec = lookupCodecByAttributes(attributes);
    try {
      if (!codec) {
        records = count <= 0 ? [] : decodeRecords(buf, start + BATCH_HEADER, end, count, context);
      } else if (count > 0) {
        const plain = await codec.decompress(buf.subarray(start + BATCH_HEADER, end));
        records = decodeRecords(plain, 0, plain.length, count, context);
      }
    } catch (error) {
      if (error instanceof PartialMessageError) throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: ${error.message}`);
      throw error;
    }
    return { ...context, records };
  };

  type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: PartitionData) => BatchFields;
  interface PartitionData { partition: number; highWatermark: string; abortedTransactions?: unknown[]; messages: unknown[] }
  interface BatchFields { rawMessages: unknown[]; messagesWithinOffset: unknown[]; messages: unknown[] }
  const StockBatch = require(batchPath) as BatchConstructor;
  const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (args: { messages: unknown[]; abortedTransactions?: unknown[] }) => unknown[];

  class Batch extends StockBatch {
    constructor(topic: string, fetchedOffset: string, partitionData: PartitionData) {
      const all = partitionData.messages;
      const from = Number(fetchedOffset);
      const lean = Number.isSafeInteger(from) && all.every((m) => m instanceof KafkaRecord);
      // The stock constructor filters with string → Long parsing per message; give it nothing to filter.
      super(topic, fetchedOffset, lean ? { ...partitionData, messages: [] } : partitionData);
      if (!lean) return;
      const records = all as KafkaRecord[];
      let first = 0;
      while (first < records.length && (records[first] as KafkaRecord).offsetNumber < from) first++;
      const within = first === 0 ? records : records.slice(first);
      this.rawMessages = records;
      this.messagesWithinOffset = within;
      const kept = filterAbortedMessages({ messages: within, abortedTransactions: partitionData.abortedTransactions }) as KafkaRecord[];
      this.messages = kept.some((m) => m.isControlRecord) ? kept.filter((m) => !m.isControlRecord) : kept;
    }
  }

  const replace = (path: string, exports: unknown): void => {
    const module = new Module(path);
    module.filename = path;
    module.exports = exports;
    module.loaded = true;
    cache[path] = module;
  };
  // kafkajs' fetch-response step, the same but for appending the records without a spread per batch.
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder & { readInt32(): number; canReadBytes(n: number): boolean; readBytes(n: number): Buffer };
  const MessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder.js') as (decoder: KafkajsDecoder, size: number) => Promise<unknown[]>;
  const decodeMessages = async (decoder: InstanceType<typeof Decoder>): Promise<unknown[]> => {
    const size = decoder.readInt32();
    if (size <= 0 || !decoder.canReadBytes(size)) return [];
    const messages = new Decoder(decoder.readBytes(size));
    if (messages.buffer.readInt8(MAGIC_OFFSET) !== 2) return MessageSetDecoder(messages, size);
    const records: unknown[] = [];
    while (messages.canReadBytes(RECORD_BATCH_OVERHEAD)) {
      // The last batch of a fetch is usually cut by the size limits: seen here, it costs no error object
      // (a stack trace per partition and fetch, ~1 % of the source's CPU); the catch below stays for others.
      if (messages.offset + 12 + messages.buffer.readInt32BE(messages.offset + 8) > messages.buffer.length) break;
      try {
        const batch = await decodeBatch(messages);
        for (const record of batch.records) records.push(record);
      } catch (error) {
        // The last batch of a fetch may be cut by the size limits.
        if ((error as Error).name === 'KafkaJSPartialMessageError') break;
        throw error;
      }
    }
    return records;
  };

  replace(decoderPath, decodeBatch);
  replace(messagesPath, decodeMessages);
  replace(batchPath, Batch);
}

install();

/** What kafkajs' consumer Batch exposes of one fetched partition, filtered as a consumer would see it. */
export interface FetchedBatch {
  /** Records at or after the fetched offset, without aborted transactions or control records. */
  messages: (KafkaRecord | { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown> })[];
  lastOffset(): string;
}

/** kafkajs' consumer Batch (the swapped one when installed) for a partition of a raw fetch response. */
export function fetchedBatch(topic: string, fetchedOffset: number, partitionData: { partition: number; highWatermark: string; messages: unknown[] }): FetchedBatch {
  const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: unknown) => FetchedBatch;
  return new Batch(topic, String(fetchedOffset), partitionData);
}
