// LZ4 frame compression for Kafka. lz4js (used for decompression) writes frames whose blocks depend on
// earlier blocks and whose last match can start inside the final 12 bytes; Kafka's lz4-java rejects
// both. This writer follows the LZ4 block rules (MFLIMIT 12, LASTLITERALS 5) with independent 64 KiB
// blocks, using a greedy hash-chain-free matcher like the reference "fast" mode.
import * as xxh32 from 'lz4js/xxh32.js';

const blockMax = 64 * 1024;
const minMatch = 4;
const mfLimit = 12;
const lastLiterals = 5;
const hashLog = 14;

function hash(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - hashLog);
}

function read32(src: Uint8Array, i: number): number {
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

/** Compresses one block; returns the compressed length, or 0 when it would not shrink. */
export function compressBlock(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  let d = 0;
  let anchor = 0;
  const writeLength = (len: number): void => {
    for (; len >= 255; len -= 255) dst[d++] = 255;
    dst[d++] = len;
  };
  const writeLiterals = (from: number, count: number, matchToken: number): void => {
    dst[d++] = ((count >= 15 ? 15 : count) << 4) | matchToken;
    if (count >= 15) writeLength(count - 15);
    dst.set(src.subarray(from, from + count), d);
    d += count;
  };
  if (n >= mfLimit + 1) {
    const table = new Int32Array(1 << hashLog).fill(-1);
    const matchLimit = n - lastLiterals;
    const lastStart = n - mfLimit;
    let i = 0;
    let step = 1 << 6;
    while (i < lastStart) {
      const seq = read32(src, i);
      const h = hash(seq);
      const candidate = table[h]!;
      table[h] = i;
      if (candidate < 0 || i - candidate > 65535 || read32(src, candidate) !== seq) {
        i += step++ >> 6;
        continue;
      }
      step = 1 << 6;
      let len = minMatch;
      while (i + len < matchLimit && src[i + len] === src[candidate + len]) len++;
      const ml = len - minMatch;
      writeLiterals(anchor, i - anchor, ml >= 15 ? 15 : ml);
      const offset = i - candidate;
      dst[d++] = offset & 0xff;
      dst[d++] = offset >> 8;
      if (ml >= 15) writeLength(ml - 15);
      i += len;
      anchor = i;
      if (d >= n) return 0;
    }
  }
  writeLiterals(anchor, n - anchor, 0);
  return d >= n ? 0 : d;
}

/** An LZ4 frame (version 01, independent 64 KiB blocks, no checksums). */
export function lz4Frame(src: Uint8Array): Buffer {
  const blocks = Math.ceil(src.length / blockMax);
  const out = Buffer.alloc(7 + blocks * (4 + blockMax + blockMax / 255 + 16) + 4);
  out.writeUInt32LE(0x184d2204, 0);
  out[4] = 0x40 | 0x20;
  out[5] = 4 << 4;
  out[6] = (xxh32.hash(0, out, 4, 2) >>> 8) & 0xff;
  let at = 7;
  const scratch = new Uint8Array(blockMax + blockMax / 255 + 16);
  for (let start = 0; start < src.length; start += blockMax) {
    const chunk = src.subarray(start, Math.min(start + blockMax, src.length));
    const size = compressBlock(chunk, scratch);
    if (size === 0) {
      out.writeUInt32LE((0x80000000 | chunk.length) >>> 0, at);
      out.set(chunk, at + 4);
      at += 4 + chunk.length;
    } else {
      out.writeUInt32LE(size, at);
      out.set(scratch.subarray(0, size), at + 4);
      at += 4 + size;
    }
  }
  out.writeUInt32LE(0, at);
  return out.subarray(0, at + 4);
}
