// Type declarations for the small pure-JS codec packages that ship none.
declare module 'kafkajs-snappy' {
  const codec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export default codec;
}
declare module 'lz4js' {
  export function compress(data: Uint8Array, maxSize?: number): number[] | Uint8Array;
  export function decompress(data: Uint8Array, maxSize?: number): number[] | Uint8Array;
}
declare module 'lz4js/xxh32.js' {
  export function hash(seed: number, data: Uint8Array, index: number, length: number): number;
}
declare module 'kafkajs/src/protocol/encoder.js' {
  export default class Encoder {
    writeInt32(value: number): Encoder;
  }
}
declare module 'kafkajs/src/protocol/decoder.js' {
  export default class Decoder {
    constructor(buffer: Buffer);
    readInt16(): number;
    readInt32(): number;
    readInt64(): { toString(): string };
    readString(): string;
    readBoolean(): boolean;
    readArray<T>(read: (d: Decoder) => T): T[];
  }
}
