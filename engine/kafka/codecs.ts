// Compression codecs beyond kafkajs' built-in gzip, so topics written by other clients (Java, librdkafka,
// kcat) are readable. All pure JS or WebAssembly shipped inside the npm package: native codecs that fetch
// prebuilt binaries cannot be installed everywhere the studio runs.
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from './kafkajs.ts';
import { lz4Frame } from './lz4.ts';
import snappyCodec from 'kafkajs-snappy';
import * as lz4 from 'lz4js';

let registered = false;
let zstdReady: Promise<void> | undefined;

interface Encoder { buffer: Buffer }

export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, () => unknown>;
  codecs[CompressionTypes.Snappy] = snappyCodec;
  // Kafka's lz4 is the LZ4 frame format (KIP-57): lz4js reads it, lz4.ts writes it.
  codecs[CompressionTypes.LZ4] = () => ({
    async compress(encoder: Encoder) { return lz4Frame(encoder.buffer); },
    async decompress(buffer: Buffer) { return Buffer.from(lz4.decompress(buffer)); },
  });
  // fzstd decodes streamed frames without a content size (Java producers write those); the wasm build of
  // the reference library compresses.
  codecs[CompressionTypes.ZSTD] = () => ({
    async compress(encoder: Encoder) {
      zstdReady ??= zstdInit();
      await zstdReady;
      return Buffer.from(zstdCompress(encoder.buffer, 3));
    },
    async decompress(buffer: Buffer) { return Buffer.from(zstdDecompress(buffer)); },
  });
}

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export function compressionType(name: CompressionName | undefined): number {
  switch (name) {
    case 'gzip': return CompressionTypes.GZIP;
    case 'snappy': return CompressionTypes.Snappy;
    case 'lz4': return CompressionTypes.LZ4;
    case 'zstd': return CompressionTypes.ZSTD;
    default: return CompressionTypes.None;
  }
}
