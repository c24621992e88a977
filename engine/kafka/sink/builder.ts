// One partition's records, encoded as they are queued: a row's JSON text goes straight into a buffer
// (Kafka's record format, offset deltas counting from 0, timestamp deltas 0, so the batch takes the send
// time as kafkajs gives it), and the text is garbage at once. A queue of Message objects kept every
// message's text alive on the JavaScript heap until its request was answered, so the garbage collector
// copied each of them once or twice; queued bytes now live outside the heap.
//
// JSON rows are written in place by JsonRowWriter (sink/json-bytes.ts): the record's length prefixes are
// reserved with the sizes the previous record needed, and the value moved only when its length needs
// other varint sizes (rare: events of one stream have similar lengths).
//
// The buffer keeps room for the record batch header in front of the records (and `room` bytes more for
// the request's own header). take() copies a well filled buffer's records, in one go, into shared memory
// with the same room in front (the CRC thread reads it there, crc-thread.ts): the batch and the request
// around it are then framed in place (produce-request.ts). Records are written into plain memory because
// V8's byte stores into a SharedArrayBuffer's view are ~3x slower. The sink gives the shared frames back
// to a BufferPool once their request is answered: allocating ~1 MB Buffers for every request made V8 run
// a full mark-compact every few hundred milliseconds (external memory pressure), ~8 % of the thread.
import type { JsonRowWriter } from './json-bytes.ts';
import { sharedBuffer } from './crc-thread.ts';
import { BATCH_HEADER_BYTES, byteLength, varintSize, writeBytes, writeVarint, type EncodedRecords } from './produce-request.ts';

type Bytes = Buffer | string | null;

/** What every record starts with: its body length, attributes 0, timestamp delta 0 and its offset delta. */
function writeHead(buf: Buffer, at: number, body: number, offsetDelta: number): number {
  at = writeVarint(buf, at, body);
  buf[at++] = 0; // attributes
  buf[at++] = 0; // timestamp delta (zigzag 0)
  return writeVarint(buf, at, offsetDelta);
}

export class RecordsBuilder {
  /** The records so far in buf[BATCH_HEADER_BYTES, at); public for JsonRowWriter, which writes values in place. */
  buf: Buffer;
  private at = BATCH_HEADER_BYTES;
  private n = 0;
  /** Varint bytes of the last JSON record's body length and value length: the guess for the next one. */
  private bodyVarint = 2;
  private valueVarint = 2;

  /**
   * @param room bytes kept free in front of the batch header (for the request header, framed in place)
   * @param pool where a handed-over buffer's successor comes from
   */
  constructor(capacity = 64 << 10, private readonly room = 0, private readonly pool?: BufferPool) {
    // Plain memory to write records into: byte stores into a SharedArrayBuffer's view are ~3x slower in
    // V8's optimized code (addRun: 277 against 93 ns a 200-byte record). take() copies a batch into
    // shared memory for the CRC thread (crc-thread.ts) in one go instead (~0.05 ns a byte).
    this.buf = Buffer.alloc(Math.max(capacity, 2 * (room + BATCH_HEADER_BYTES)));
    this.at = room + BATCH_HEADER_BYTES;
  }

  get count(): number {
    return this.n;
  }

  /** Bytes of the records so far. */
  get bytes(): number {
    return this.at - this.room - BATCH_HEADER_BYTES;
  }

  /** Appends one record. */
  add(key: Bytes, value: Bytes, headers?: Record<string, string>): void {
    const keyLength = byteLength(key);
    const valueLength = byteLength(value);
    const names = headers ? Object.keys(headers) : undefined;
    const body = 1 + 1 + varintSize(this.n) + varintSize(keyLength) + Math.max(0, keyLength) + varintSize(valueLength) + Math.max(0, valueLength) + headersSize(names, headers);
    const size = varintSize(body) + body;
    if (this.at + size > this.buf.length) this.grow(this.at + size);
    const buf = this.buf;
    let at = writeHead(buf, this.at, body, this.n);
    at = writeBytes(buf, at, key, keyLength);
    at = writeBytes(buf, at, value, valueLength);
    this.at = writeHeaders(buf, at, names, headers);
    this.n++;
  }

  /**
   * Appends one record whose value is src[start, end): a row's JSON as its source read it, when that is
   * exactly what addJson would write (runtime/types.ts Batch.bytes), copied instead of encoded.
   */
  addSlice(key: Bytes, src: Uint8Array, start: number, end: number, headers?: Record<string, string>): void {
    const keyLength = byteLength(key);
    const valueLength = end - start;
    const names = headers ? Object.keys(headers) : undefined;
    const body = 1 + 1 + varintSize(this.n) + varintSize(keyLength) + Math.max(0, keyLength) + varintSize(valueLength) + valueLength + headersSize(names, headers);
    const size = varintSize(body) + body;
    if (this.at + size > this.buf.length) this.grow(this.at + size);
    const buf = this.buf;
    let at = writeHead(buf, this.at, body, this.n);
    at = writeBytes(buf, at, key, keyLength);
    at = writeVarint(buf, at, valueLength);
    // One native copy (~80 ns for 200 bytes; a byte loop in JavaScript took several times that).
    buf.set(src.subarray(start, end), at);
    this.at = writeHeaders(buf, at + valueLength, names, headers);
    this.n++;
  }

  /**
   * Appends keyless records without headers whose values are src[starts[k], ends[k]) for k from `from`
   * below `to` (rows' own JSON bytes lying back to back in one buffer, as a file's lines do), stopping
   * after the record that brings the records to `maxBytes` or their count to `maxCount` (as the sink
   * seals a builder after such a record); returns how many it took. The same records as addSlice row by
   * row, written faster: the values' whole range is copied once behind the records' final end, and each
   * value moved into place from there (copyWithin within one buffer: ~25 ns, against ~70 ns for a copy
   * from another buffer through a view, which also costs an object).
   */
  addRun(src: Uint8Array, starts: ArrayLike<number>, ends: ArrayLike<number>, from: number, to: number, maxBytes: number, maxCount: number): number {
    const base = this.room + BATCH_HEADER_BYTES;
    let end = this.at;
    let n = this.n;
    let k = from;
    while (k < to) {
      const length = ends[k]! - starts[k]!;
      // attributes, timestamp delta, offset delta, key length -1 (null), value length, value, 0 headers
      const body = 2 + varintSize(n) + 1 + varintSize(length) + length + 1;
      end += varintSize(body) + body;
      n++;
      k++;
      if (end - base >= maxBytes || n >= maxCount) break;
    }
    const first = starts[from]!;
    const last = ends[k - 1]!;
    const staging = end;
    this.ensure(staging + last - first);
    const buf = this.buf;
    buf.set(src.subarray(first, last), staging);
    let at = this.at;
    for (let i = from; i < k; i++) {
      const length = ends[i]! - starts[i]!;
      const body = 2 + varintSize(this.n) + 1 + varintSize(length) + length + 1;
      at = writeHead(buf, at, body, this.n);
      buf[at++] = 1; // key length -1: no key (zigzag)
      at = writeVarint(buf, at, length);
      const value = staging + starts[i]! - first;
      buf.copyWithin(at, value, value + length);
      at += length;
      buf[at++] = 0; // no headers
      this.n++;
    }
    this.at = at;
    return k - from;
  }

  /**
   * Appends one record whose value is the JSON of `row`, written by `json` straight into the buffer
   * (the same bytes as add(key, jsonText(row), headers)).
   */
  addJson(key: Bytes, row: Record<string, unknown>, json: JsonRowWriter, headers?: Record<string, string>): void {
    const keyLength = byteLength(key);
    const keyPart = varintSize(keyLength) + Math.max(0, keyLength);
    const fixed = 1 + 1 + varintSize(this.n) + keyPart;
    const start = this.at;
    const guess = this.bodyVarint + fixed + this.valueVarint;
    const valueStart = start + guess;
    const valueEnd = json.write(row, this, valueStart);
    const valueLength = valueEnd - valueStart;
    const names = headers ? Object.keys(headers) : undefined;
    const headerPart = headersSize(names, headers);
    const valueVarint = varintSize(valueLength);
    const body = fixed + valueVarint + valueLength + headerPart;
    const bodyVarint = varintSize(body);
    const prefix = bodyVarint + fixed + valueVarint;
    this.ensure(start + prefix + valueLength + headerPart);
    const buf = this.buf;
    if (prefix !== guess) {
      buf.copyWithin(start + prefix, valueStart, valueEnd);
      this.bodyVarint = bodyVarint;
      this.valueVarint = valueVarint;
    }
    let at = writeHead(buf, start, body, this.n);
    at = writeBytes(buf, at, key, keyLength);
    at = writeVarint(buf, at, valueLength);
    at += valueLength;
    this.at = writeHeaders(buf, at, names, headers);
    this.n++;
  }

  /** Makes room for buf[0, end) (JsonRowWriter's ByteOutput; `end` counts from the buffer's start). */
  ensure(end: number): void {
    if (end > this.buf.length) this.grow(end);
  }

  private grow(needed: number): void {
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = Buffer.alloc(capacity);
    // Everything up to the buffer's end: a JSON value being written in place lies past `at`.
    this.buf.copy(next, 0, 0, this.buf.length);
    this.buf = next;
  }

  /**
   * The records so far, with room for the batch header in front of them (`batch`) and `room` more in
   * front of that (`frame`); the builder starts over. A buffer at least a quarter full is copied into
   * shared memory of its size (from the pool: the frames of answered requests), which the CRC thread
   * can read; a less filled one into a buffer of its own, so a trickle of small sends does not keep large
   * buffers (its checksum is computed on this thread).
   */
  take(): EncodedRecords {
    const start = this.room + BATCH_HEADER_BYTES;
    const end = this.at;
    const frame = end * 4 >= this.buf.length ? this.pool?.take(this.buf.length) ?? sharedBuffer(this.buf.length) : Buffer.allocUnsafe(end);
    this.buf.copy(frame, start, start, end);
    const taken = { records: frame.subarray(start, end), count: this.n, batch: frame.subarray(this.room, end), frame };
    this.at = start;
    this.n = 0;
    return taken;
  }
}

/** Buffers of answered requests, for the builders' next ones (a few, so memory stays bounded). */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param limit buffers kept at most (the oldest is dropped for a newer one)
   * @param minBytes smaller buffers are not kept: copies of small takes never match a builder's size and
   *   would only crowd out the large ones
   */
  constructor(private readonly limit = 8, private readonly minBytes = 64 << 10) {}

  /** A pooled buffer of exactly `size` bytes, if one is free. */
  take(size: number): Buffer | undefined {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buf = this.free[i]!;
      if (buf.length === size) {
        this.free.splice(i, 1);
        return buf;
      }
    }
    return undefined;
  }

  /** Gives a buffer back: nothing may read or write it any more (its request was answered). */
  give(buf: Buffer): void {
    if (buf.length < this.minBytes) return;
    if (this.free.length >= this.limit) this.free.shift();
    this.free.push(buf);
  }

  get size(): number {
    return this.free.length;
  }
}

/** Bytes of a record's header count and name/value pairs. */
function headersSize(names: readonly string[] | undefined, headers: Record<string, string> | undefined): number {
  let size = varintSize(names?.length ?? 0);
  if (names) {
    for (const name of names) {
      const k = Buffer.byteLength(name);
      const v = Buffer.byteLength(headers![name]!);
      size += varintSize(k) + k + varintSize(v) + v;
    }
  }
  return size;
}

/** A record's header count and its name/value pairs (the tail of every record add() and addJson() write). */
function writeHeaders(buf: Buffer, at: number, names: readonly string[] | undefined, headers: Record<string, string> | undefined): number {
  at = writeVarint(buf, at, names?.length ?? 0);
  if (names) {
    for (const name of names) {
      at = writeBytes(buf, at, name, Buffer.byteLength(name));
      const v = headers![name]!;
      at = writeBytes(buf, at, v, Buffer.byteLength(v));
    }
  }
  return at;
}
