// Hadoop checksum sidecars. Iceberg Java on a local filesystem goes through Hadoop's LocalFileSystem, a
// ChecksumFileSystem: next to every file it writes `.<name>.crc` and, when it reads the file again,
// checks the bytes against it (ChecksumException on a mismatch). The engine never writes sidecars, but
// it does replace `version-hint.text` and delete files Java wrote, so a sidecar describing an older
// content would break Java's next read. Rule: a sidecar goes away before the file it describes is
// replaced or deleted (a file without a sidecar is read unchecked), and any that still does not match
// afterwards (Java wrote one in between) is removed too.
//
// Sidecar format (Hadoop ChecksumFileSystem): "crc\0", bytesPerChecksum as a big-endian int (512), then
// the CRC-32 of each 512-byte chunk of the file as big-endian ints.
import { readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from([0x63, 0x72, 0x63, 0x00]);
export const BYTES_PER_CHECKSUM = 512;

/** `dir/.name.crc` for `dir/name`. */
export function sidecarOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.crc`);
}

/** The file a sidecar describes, or null when `file` is not named like a sidecar. */
export function sidecarTarget(file: string): string | null {
  const m = /^\.(.+)\.crc$/.exec(path.basename(file));
  return m?.[1] ? path.join(path.dirname(file), m[1]) : null;
}

/** The bytes Hadoop's ChecksumFileSystem writes as the sidecar of `content`. */
export function hadoopCrc(content: Buffer, bytesPerChecksum = BYTES_PER_CHECKSUM): Buffer {
  const chunks = Math.ceil(content.length / bytesPerChecksum);
  const out = Buffer.alloc(8 + 4 * chunks);
  MAGIC.copy(out, 0);
  out.writeInt32BE(bytesPerChecksum, 4);
  for (let i = 0; i < chunks; i++) out.writeUInt32BE(crc32(content.subarray(i * bytesPerChecksum, (i + 1) * bytesPerChecksum)), 8 + 4 * i);
  return out;
}

/** Whether `sidecar` is a valid Hadoop checksum of `content` (whatever chunk size it was written with). */
export function sidecarMatches(sidecar: Buffer, content: Buffer): boolean {
  if (sidecar.length < 8 || !sidecar.subarray(0, 4).equals(MAGIC)) return false;
  const bytesPerChecksum = sidecar.readInt32BE(4);
  if (bytesPerChecksum <= 0) return false;
  return sidecar.equals(hadoopCrc(content, bytesPerChecksum));
}

async function unlinkIfThere(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Removes the file's sidecar if it has one (before the file is replaced or deleted). */
export function removeSidecar(file: string): Promise<void> {
  return unlinkIfThere(sidecarOf(file));
}

/**
 * `rename(from, to)` for a file Java may also write (version-hint.text): the target's sidecar is removed
 * first, so at no moment does a reader see new bytes with an old checksum; one written meanwhile by
 * another writer that does not match what is now there is removed after.
 */
export async function renameOver(from: string, to: string): Promise<void> {
  await removeSidecar(to);
  await rename(from, to);
  await dropStaleSidecar(to);
}

/** Removes `file`'s sidecar when it does not describe the file's current bytes (or the file is gone). */
export async function dropStaleSidecar(file: string): Promise<void> {
  let sidecar: Buffer;
  try {
    sidecar = await readFile(sidecarOf(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let content: Buffer | null = null;
  try {
    content = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (content === null || !sidecarMatches(sidecar, content)) await removeSidecar(file);
}
