// Draws the Streamlake app icon and writes every file the packagers need, with no image tools installed:
// PNGs at 16…1024 (electron-builder's Linux icon set is this folder of NxN.png), icon.png (1024),
// icon.ico (Windows, PNG-compressed entries) and icon.icns (macOS, PNG entries).
// Run: node --import tsx resources/icons/generate.ts
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const outDir = new URL('./', import.meta.url).pathname;
const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

// ---- drawing: signed distances, 4×4 supersampling per pixel ----------------------------------------

type Rgba = [number, number, number, number];

const top: [number, number, number] = [0x5b, 0x6c, 0xff];
const bottom: [number, number, number] = [0x8b, 0x5c, 0xf6];

function roundedSquareDistance(x: number, y: number, margin: number, radius: number): number {
  const half = 0.5 - margin;
  const qx = Math.abs(x - 0.5) - (half - radius);
  const qy = Math.abs(y - 0.5) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Distance to a sine wave segment (a stream) with round caps, approximated through the slope. */
function waveDistance(x: number, y: number, centre: number, phase: number): number {
  const x0 = 0.24;
  const x1 = 0.76;
  const amplitude = 0.045;
  const k = 2 * Math.PI * 1.6;
  const f = (t: number): number => centre + amplitude * Math.sin(k * (t - x0) + phase);
  if (x < x0) return Math.hypot(x - x0, y - f(x0));
  if (x > x1) return Math.hypot(x - x1, y - f(x1));
  const slope = amplitude * k * Math.cos(k * (x - x0) + phase);
  return Math.abs(y - f(x)) / Math.sqrt(1 + slope * slope);
}

function shade(x: number, y: number): Rgba {
  if (roundedSquareDistance(x, y, 0.06, 0.2) > 0) return [0, 0, 0, 0];
  const t = Math.min(1, Math.max(0, (x + y) / 2));
  let r = top[0] + (bottom[0] - top[0]) * t;
  let g = top[1] + (bottom[1] - top[1]) * t;
  let b = top[2] + (bottom[2] - top[2]) * t;
  const waves: [number, number, number][] = [[0.37, 0, 1], [0.5, 0.9, 0.85], [0.63, 1.8, 0.7]];
  for (const [centre, phase, strength] of waves) {
    if (waveDistance(x, y, centre, phase) < 0.036) {
      r += (255 - r) * strength;
      g += (255 - g) * strength;
      b += (255 - b) * strength;
    }
  }
  return [r, g, b, 255];
}

function draw(size: number): Buffer {
  const samples = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [cr, cg, cb, ca] = shade((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          // Premultiplied, so edge pixels do not pick up the transparent black's colour.
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      pixels[i] = a ? Math.round(r / a) : 0;
      pixels[i + 1] = a ? Math.round(g / a) : 0;
      pixels[i + 2] = a ? Math.round(b / a) : 0;
      pixels[i + 3] = Math.round(a / (samples * samples));
    }
  }
  return pixels;
}

// ---- PNG encoder (RGBA, 8 bit, filter 0) -------------------------------------------------------------

const crcTable = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- ICO (PNG entries, Windows Vista and later) and ICNS (PNG entries) ----------------------------

function ico(images: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, data } of images) {
    const entry = Buffer.alloc(16);
    entry[0] = size >= 256 ? 0 : size; // 0 means 256
    entry[1] = size >= 256 ? 0 : size;
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)]);
}

function icns(pngs: Map<number, Buffer>): Buffer {
  // OSType → pixel size; the @2x types reuse the larger PNGs.
  const types: [string, number][] = [['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024], ['ic11', 32], ['ic12', 64], ['ic13', 256], ['ic14', 512]];
  const parts: Buffer[] = [];
  for (const [type, size] of types) {
    const data = pngs.get(size);
    if (!data) throw new Error(`no ${size}px PNG for ${type}`);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(data.length + 8, 4);
    parts.push(head, data);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

const pngs = new Map<number, Buffer>();
for (const size of sizes) {
  const data = png(size, draw(size));
  pngs.set(size, data);
  writeFileSync(`${outDir}${size}x${size}.png`, data);
}
writeFileSync(`${outDir}icon.png`, pngs.get(1024)!);
writeFileSync(`${outDir}icon.ico`, ico([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, data: pngs.get(size)! }))));
writeFileSync(`${outDir}icon.icns`, icns(pngs));
console.log(`wrote ${sizes.length} PNGs, icon.png, icon.ico and icon.icns to ${outDir}`);
