// One partition's records, encoded as they are queued: a row's JSON text goes straight into a buffer
// (Kafka's record format, offset deltas counting from 0, timestamp deltas 0, so the batch takes the send
// time as kafkajs gives it), and the text is garbage at once. A queue of Message objects kept every
// message's text alive on the JavaScript heap until its request was answered, so the garbage collector
// copied each of them once or twice; queued bytes now live outside the heap.
import { byteLength, varintSize, writeBytes, writeVarint, type EncodedRecords } from './produce-request.ts';

type Bytes = Buffer | string | null;

export class RecordsBuilder {
  private buf: Buffer;
  private at = 0;
  private n = 0;

  constructor(capacity = 64 << 10) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get count(): number {
    return this.n;
  }

  get bytes(): number {
    return this.at;
  }

  /** Appends one record. */
  add(key: Bytes, value: Bytes, headers?: Record<string, string>): void {
    const keyLength = byteLength(key);
    const valueLength = byteLength(value);
    const names = headers ? Object.keys(headers) : undefined;
    let body = 1 + 1 + varintSize(this.n) + varintSize(keyLength) + Math.max(0, keyLength) + varintSize(valueLength) + Math.max(0, valueLength) + varintSize(names?.length ?? 0);
    if (names) {
      for (const name of names) {
        const k = Buffer.byteLength(name);
        const v = Buffer.byteLength(headers![name]!);
        body += varintSize(k) + k + varintSize(v) + v;
      }
    }
    const size = varintSize(body) + body;
    if (this.at + size > this.buf.length) this.grow(this.at + size);
    const buf = this.buf;
    let at = writeVarint(buf, this.at, body);
    buf[at++] = 0; // attributes
    buf[at++] = 0; // timestamp delta (zigzag 0)
    at = writeVarint(buf, at, this.n);
    at = writeBytes(buf, at, key, keyLength);
    at = writeBytes(buf, at, value, valueLength);
    at = writeVarint(buf, at, names?.length ?? 0);
    if (names) {
      for (const name of names) {
        at = writeBytes(buf, at, name, Buffer.byteLength(name));
        const v = headers![name]!;
        at = writeBytes(buf, at, v, Buffer.byteLength(v));
      }
    }
    this.at = at;
    this.n++;
  }

  private grow(needed: number): void {
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  /** The records so far (a copy of exactly their bytes); the builder starts over. */
  take(): EncodedRecords {
    const records = Buffer.from(this.buf.subarray(0, this.at));
    const taken = { records, count: this.n };
    this.at = 0;
    this.n = 0;
    return taken;
  }
}
