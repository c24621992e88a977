// `source.file`: JSON Lines and CSV files, bounded, for replays and tests.
import { registerNode } from '../../nodes/registry.ts';
import { FileSource } from './source.ts';

export { FileSource, fileBatchSize } from './source.ts';
export type { FilePosition } from './source.ts';
export { parseTimestamp, csvValue } from './values.ts';

registerNode('source.file', { kind: 'source', create: (spec, ctx) => new FileSource(spec.config, ctx) });
