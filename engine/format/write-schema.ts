// `npm run schema`: regenerates resources/pipeline.schema.json from the node catalog.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchemaText } from './schema.ts';

const target = fileURLToPath(new URL('../../resources/pipeline.schema.json', import.meta.url));
writeFileSync(target, pipelineJsonSchemaText());
console.log(`wrote ${target}`);
