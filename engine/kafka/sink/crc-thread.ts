// CRC-32C of a record batch on a thread of its own. After the sink stopped encoding rows that were already
// JSON (Batch.bytes), the checksum of every ~900 KB batch was ~8 % of the run's thread (~0.15 µs per
// 200-byte event at ~1.6 GB/s); the second core computes it while the run's thread goes on reading and
// queueing rows. One message there and back per batch of thousands of records, over memory both threads
// share (the builders' buffers are SharedArrayBuffers), so the handover costs microseconds per batch.
//
// The thread runs plain JavaScript given as text (no loader, no file to ship: works under tsx, in a
// bundle and in Electron), the same slicing-by-16 loop as crc32c.ts, checked against it in
// crc-thread.test.ts. Anything else (a buffer not shared, a small batch, a thread that cannot start or
// failed) is computed here with crc32c() as before, so the result never depends on the thread.
import { Worker } from 'node:worker_threads';
import { crc32c } from './crc32c.ts';

/** Below this many bytes the round trip is not worth it. */
const MIN_BYTES = 64 << 10;

const source = `
const { parentPort } = require('node:worker_threads');
const t = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  t[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = t[n];
  for (let s = 1; s < 16; s++) {
    c = t[c & 0xff] ^ (c >>> 8);
    t[s * 256 + n] = c;
  }
}
function crc32c(buf, start, end) {
  let crc = -1;
  let i = start;
  if (end - i >= 64) {
    const head = (4 - ((buf.byteOffset + i) & 3)) & 3;
    for (const stop = i + head; i < stop; i++) crc = t[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    const n = ((end - i) >>> 4) << 2;
    const w = new Int32Array(buf.buffer, buf.byteOffset + i, n);
    for (let k = 0; k < n; k += 4) {
      const a = crc ^ w[k];
      const b = w[k + 1];
      const c = w[k + 2];
      const d = w[k + 3];
      crc = t[3840 + (a & 0xff)] ^ t[3584 + ((a >>> 8) & 0xff)] ^ t[3328 + ((a >>> 16) & 0xff)] ^ t[3072 + (a >>> 24)]
        ^ t[2816 + (b & 0xff)] ^ t[2560 + ((b >>> 8) & 0xff)] ^ t[2304 + ((b >>> 16) & 0xff)] ^ t[2048 + (b >>> 24)]
        ^ t[1792 + (c & 0xff)] ^ t[1536 + ((c >>> 8) & 0xff)] ^ t[1280 + ((c >>> 16) & 0xff)] ^ t[1024 + (c >>> 24)]
        ^ t[768 + (d & 0xff)] ^ t[512 + ((d >>> 8) & 0xff)] ^ t[256 + ((d >>> 16) & 0xff)] ^ t[d >>> 24];
    }
    i += n << 2;
  }
  for (; i < end; i++) crc = t[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
parentPort.on('message', (m) => {
  parentPort.postMessage({ id: m.id, crc: crc32c(new Uint8Array(m.memory, m.offset, m.length), 0, m.length) });
});
`;

interface Answer { id: number; crc: number }

class CrcThread {
  private worker: Worker | undefined;
  private failed = false;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (crc: number) => void; buf: Uint8Array; start: number; end: number }>();

  /** CRC-32C of buf[start, end): on the thread when buf's memory is shared and large enough, else here. */
  crc(buf: Uint8Array, start: number, end: number): number | Promise<number> {
    if (end - start < MIN_BYTES || !(buf.buffer instanceof SharedArrayBuffer)) return crc32c(buf, start, end);
    const worker = this.start();
    if (!worker) return crc32c(buf, start, end);
    const id = this.next++;
    if (this.pending.size === 0) worker.ref();
    return new Promise<number>((resolve) => {
      this.pending.set(id, { resolve, buf, start, end });
      worker.postMessage({ id, memory: buf.buffer, offset: buf.byteOffset + start, length: end - start });
    });
  }

  private start(): Worker | undefined {
    if (this.worker || this.failed) return this.worker;
    try {
      const worker = new Worker(source, { eval: true, name: 'streamlake-crc32c' });
      worker.on('message', (answer: Answer) => {
        const task = this.pending.get(answer.id);
        if (!task) return;
        this.pending.delete(answer.id);
        if (this.pending.size === 0) worker.unref();
        task.resolve(answer.crc);
      });
      // A thread that fails or exits hands its tasks back to this thread; later ones stay here.
      const fail = (): void => {
        this.failed = true;
        this.worker = undefined;
        for (const task of this.pending.values()) task.resolve(crc32c(task.buf, task.start, task.end));
        this.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      worker.unref();
      this.worker = worker;
    } catch {
      this.failed = true;
    }
    return this.worker;
  }
}

const thread = new CrcThread();

/** CRC-32C of buf[start, end) as an unsigned number, computed on the CRC thread where that pays (see above). */
export function crc32cShared(buf: Uint8Array, start: number, end: number): number | Promise<number> {
  return thread.crc(buf, start, end);
}

/** A Buffer over shared memory, for record batches whose CRC the thread computes. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
