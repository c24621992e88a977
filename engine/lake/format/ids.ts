// Snapshot ids are Iceberg `long`s. Java draws them at random from the whole positive 63-bit range, so the
// engine keeps them as bigints everywhere (metadata, manifests, the API as decimal strings) and draws its
// own the same way: a test can never pass because ids happen to be small.
import { randomBytes } from 'node:crypto';
import { EngineError } from '../../errors.ts';

export type SnapshotId = bigint;

const MAX_LONG = (1n << 63n) - 1n;

/** A new random snapshot id in [1, 2^63-1] that is not in `taken` (Java's SnapshotIdGeneratorUtil). */
export function newSnapshotId(taken: { has(id: bigint): boolean }): SnapshotId {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & MAX_LONG;
    if (id > 0n && !taken.has(id)) return id;
  }
}

/** Whether text is a snapshot id as written in decimal (what the API, CLI and SQL accept). */
export function isSnapshotIdText(text: string): boolean {
  if (!/^\d{1,19}$/.test(text)) return false;
  const id = BigInt(text);
  return id >= 0n && id <= MAX_LONG;
}

/** Parses a decimal snapshot id; `what` names the input in the error. */
export function parseSnapshotId(text: string, what = 'snapshot id'): SnapshotId {
  const trimmed = text.trim();
  if (!isSnapshotIdText(trimmed)) {
    throw new EngineError('ENG_LAKE_REF', `${what} must be a decimal integer from 0 to 9223372036854775807, not ${JSON.stringify(text)}`, { value: text });
  }
  return BigInt(trimmed);
}

/** An id read from JSON or Avro (number or bigint) as a bigint; null when it is not an integer long. */
export function toSnapshotId(value: unknown): SnapshotId | null {
  if (typeof value === 'bigint') return value >= -MAX_LONG - 1n && value <= MAX_LONG ? value : null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return null;
}
