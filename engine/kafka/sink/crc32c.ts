// CRC-32C (Castagnoli), the checksum of every Kafka record batch: slicing by 16 over 32-bit words.
// Profiled on sink.kafka producing 200-byte JSON events it was ~8 % of the main thread with slicing by 8
// over single bytes (~1.1 GB/s); reading four bytes per load and folding 16 bytes per step runs at
// ~1.6 GB/s on the same machine. The word loads assume a little-endian host (every platform Node ships
// for today); a big-endian one takes the byte loop throughout.
import { endianness } from 'node:os';

const TABLES = (() => {
  const tables = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let t = 1; t < 16; t++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[t * 256 + n] = c;
    }
  }
  return tables;
})();

const WORDS = endianness() === 'LE';

/** CRC-32C of buf[start, end), byte by byte: the reference the word loop is tested against. */
export function crc32cBytes(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = TABLES;
  let crc = -1;
  for (let i = start; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** CRC-32C of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  if (WORDS && end - i >= 64) {
    // Bytes up to a 4-byte boundary of the underlying memory, then 16 bytes (four words) per step.
    const head = (4 - ((buf.byteOffset + i) & 3)) & 3;
    for (const stop = i + head; i < stop; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
    const n = ((end - i) >>> 4) << 2;
    const w = new Int32Array(buf.buffer, buf.byteOffset + i, n);
    for (let k = 0; k < n; k += 4) {
      const a = crc ^ w[k]!;
      const b = w[k + 1]!;
      const c = w[k + 2]!;
      const d = w[k + 3]!;
      crc = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^ t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]!
        ^ t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^ t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]!
        ^ t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^ t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]!
        ^ t[768 + (d & 0xff)]! ^ t[512 + ((d >>> 8) & 0xff)]! ^ t[256 + ((d >>> 16) & 0xff)]! ^ t[d >>> 24]!;
    }
    i += n << 2;
  }
  for (; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
