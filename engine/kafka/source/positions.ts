// source.kafka's positions: "topic/partition" → the next offset to read, as checkpoints hold them and as
// group offsets are committed from them.
import { EngineError } from '../../errors.ts';
import type { SourcePositions } from '../../runtime/types.ts';
import type { GroupOffset } from './group-offsets.ts';

/** Throws unless a restored position is a topic/partition with an offset. */
export function checkPosition(tp: string, offset: unknown): asserts offset is number {
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || !/\/\d+$/.test(tp)) {
    throw new EngineError('ENG_RUN_CHECKPOINT', `Kafka position ${JSON.stringify(tp)}: ${JSON.stringify(offset)} is not a topic/partition with an offset`);
  }
}

/** The group offsets that record these positions. */
export function groupOffsets(positions: SourcePositions): GroupOffset[] {
  return Object.entries(positions).flatMap(([tp, offset]) => {
    const i = tp.lastIndexOf('/');
    return typeof offset === 'number' ? [{ topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset: String(offset) }] : [];
  });
}
