// The built-in event generators: what the CLI, the tests and the `source.generator` node use.
import { datasetInfo, datasetNames } from '../format/datasets.ts';
import type { FieldInfo } from '../format/datasets.ts';
import { EngineError } from '../errors.ts';
import { registerNode } from '../nodes/registry.ts';
import { GeneratorSource } from './source.ts';

export { generateEvents, generateRecords, partitionStreams, defaultStartTime } from './stream.ts';
export type { GeneratedRecord, GeneratorOptions, StreamPosition } from './stream.ts';
export { GeneratorSource } from './source.ts';

/** The fields (with types) of a dataset's events. */
export function datasetSchema(dataset: string): FieldInfo[] {
  const info = datasetInfo(dataset);
  if (!info) throw new EngineError('ENG_GENERATOR_DATASET', `unknown dataset "${dataset}"; one of: ${datasetNames.join(', ')}`, { dataset });
  return info.fields.map((f) => ({ ...f }));
}

registerNode('source.generator', { kind: 'source', create: (spec, ctx) => new GeneratorSource(spec, ctx) });
