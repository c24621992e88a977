import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { listExamples } from './examples.ts';
import { exportPipeline } from './pipeline.ts';
import { pipelineJsonSchema, pipelineJsonSchemaText } from './schema.ts';

const schemaFile = new URL('../../resources/pipeline.schema.json', import.meta.url);

test('the checked-in JSON Schema is the generated one (run `npm run schema` after changing the catalog)', () => {
  assert.equal(readFileSync(schemaFile, 'utf8'), pipelineJsonSchemaText());
});

test('every example passes the validator and the JSON Schema, and is stored in canonical form', () => {
  const validateSchema = new Ajv({ allErrors: true, strict: false }).compile(pipelineJsonSchema());
  const examples = listExamples();
  assert.deepEqual(examples.map((e) => e.name).sort(), ['ecommerce-funnel', 'fraud-flags', 'sales-by-region', 'sensor-alerts', 'user-activity', 'user-registrations']);
  for (const example of examples) {
    const text = readFileSync(example.file, 'utf8');
    assert.ok(validateSchema(JSON.parse(text)), `${example.name}: ${JSON.stringify(validateSchema.errors)}`);
    assert.equal(exportPipeline(example.doc), text, `${example.name} is not canonical`);
    assert.ok(example.description.length > 20);
    for (const node of example.doc.nodes) {
      assert.ok(example.doc.layout?.[node.id], `${example.name}: ${node.id} has a position`);
      if (node.type === 'source.generator') assert.ok((node.config.count ?? 0) >= 50_000 && (node.config.count ?? 0) <= 200_000, 'bounded and quick');
    }
  }
});

test('the JSON Schema rejects what the validator rejects at the shape level', () => {
  const validateSchema = new Ajv({ allErrors: true, strict: false }).compile(pipelineJsonSchema());
  const [example] = listExamples();
  assert.ok(example);
  const broken = structuredClone(example.doc) as unknown as { nodes: { type: string; config: Record<string, unknown> }[] };
  const window = broken.nodes.find((n) => n.type.startsWith('window.'));
  assert.ok(window);
  window.config.size = '10 minutes';
  window.config.colour = 'red';
  assert.equal(validateSchema(broken), false);
  const paths = (validateSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
  assert.ok(paths.some((p) => /\/config\/size must match pattern/.test(p)), paths.join('\n'));
  assert.ok(paths.some((p) => /\/config must NOT have additional properties/.test(p)), paths.join('\n'));
});
