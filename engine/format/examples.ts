// The example pipelines shipped in resources/examples. Reads files, so only node-side code (CLI, hosts,
// tests) may import this module; the studio gets the list through its host.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.ts';
import { parsePipelineText } from './pipeline.ts';
import type { PipelineDoc } from './pipeline.ts';

export interface ExampleInfo {
  /** Absolute path of the example file. */
  file: string;
  name: string;
  description: string;
  doc: PipelineDoc;
}

export const examplesDir = fileURLToPath(new URL('../../resources/examples/', import.meta.url));

/** Every example, sorted by file name, validated (an invalid example is a bug and throws). */
export function listExamples(dir = examplesDir): ExampleInfo[] {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  const out: ExampleInfo[] = [];
  for (const name of names) {
    const file = `${dir.replace(/\/$/, '')}/${name}`;
    const result = parsePipelineText(readFileSync(file, 'utf8'));
    if (!result.ok) {
      throw new EngineError('ENG_FORMAT_INVALID', `example ${name} is invalid: ${result.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { file, problems: result.problems });
    }
    out.push({ file, name: result.doc.name, description: result.doc.description ?? '', doc: result.doc });
  }
  return out;
}
