// The JSON Schema of pipeline files, generated from the node catalog so editors (VS Code's json.schemas
// setting, for one) complete and check pipelines the way the validator does. resources/pipeline.schema.json
// is this output; `npm run schema` rewrites it and a test keeps the two equal. The schema checks shapes;
// only validatePipeline checks expressions, edges and fields.
import { nodeCatalog } from './node-catalog.ts';
import type { ConfigField } from './node-catalog.ts';
import { isoTimestamp, lakeTypePattern, nodeIdPattern, PIPELINE_FORMAT, PIPELINE_VERSION } from './pipeline.ts';

type Schema = Record<string, unknown>;

const durationPattern = '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h|d))+\\s*$';

function describe(field: ConfigField): Schema {
  return { title: field.label, description: field.help, ...(field.default === undefined ? {} : { default: field.default }) };
}

function fieldSchema(field: ConfigField): Schema {
  const text = { type: 'string', minLength: 1 };
  const map = (value: Schema, min = 0): Schema => ({ type: 'object', ...(min > 0 ? { minProperties: min } : {}), additionalProperties: value });
  switch (field.kind) {
    case 'string':
      return { ...text, ...(field.pattern === undefined ? {} : { pattern: field.pattern }) };
    case 'expression':
    case 'field':
      return text;
    case 'integer':
    case 'number':
      return { type: field.kind, ...(field.min === undefined ? {} : { minimum: field.min }), ...(field.max === undefined ? {} : { maximum: field.max }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'duration':
      return { type: 'string', pattern: durationPattern, examples: ['5s', '1m', '1h30m', '250ms'] };
    case 'enum':
      return { enum: [...(field.options ?? [])] };
    case 'stringList':
    case 'fieldList':
      return { type: 'array', items: text };
    case 'expressionMap':
      return map(text);
    case 'selectMap':
    case 'aggregateMap':
      return map(text, 1);
    case 'typeMap':
      return map({ type: 'string', pattern: lakeTypePattern.source });
    case 'timestamp':
      return { type: 'string', pattern: isoTimestamp.source };
    case 'startFrom':
      return {
        oneOf: [
          { enum: ['earliest', 'latest'] },
          { type: 'object', required: ['offset'], additionalProperties: false, properties: { offset: { type: 'integer', minimum: 0 } } },
          { type: 'object', required: ['timestamp'], additionalProperties: false, properties: { timestamp: { type: 'string', pattern: isoTimestamp.source } } },
        ],
      };
  }
}

/** The JSON Schema (draft-07) for pipeline documents of the current version. */
export function pipelineJsonSchema(): Schema {
  const configs: Schema = {};
  for (const info of nodeCatalog) {
    configs[info.type] = {
      title: `${info.title} settings`,
      description: info.description,
      type: 'object',
      additionalProperties: false,
      required: info.fields.filter((f) => f.required).map((f) => f.key),
      properties: Object.fromEntries(info.fields.map((f) => [f.key, { ...describe(f), ...fieldSchema(f) }])),
    };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:streamlake:pipeline:v${PIPELINE_VERSION}`,
    title: 'Streamlake pipeline',
    description: 'A streaming pipeline for Streamlake Studio: nodes (sources, transforms, windows, sinks), the edges between their ports, and canvas positions.',
    type: 'object',
    additionalProperties: false,
    required: ['format', 'version', 'name', 'nodes', 'edges'],
    properties: {
      format: { const: PIPELINE_FORMAT },
      version: { const: PIPELINE_VERSION },
      name: { type: 'string', minLength: 1 },
      description: { type: 'string' },
      nodes: { type: 'array', items: { $ref: '#/definitions/node' } },
      edges: { type: 'array', items: { $ref: '#/definitions/edge' } },
      layout: { description: 'Canvas positions by node id; they never change what the pipeline does.', type: 'object', additionalProperties: { $ref: '#/definitions/position' } },
    },
    definitions: {
      node: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type', 'config'],
        properties: {
          id: { type: 'string', pattern: nodeIdPattern.source },
          type: { enum: nodeCatalog.map((info) => info.type) },
          label: { type: 'string' },
          config: { type: 'object' },
        },
        allOf: nodeCatalog.map((info) => ({
          if: { required: ['type'], properties: { type: { const: info.type } } },
          then: { properties: { config: { $ref: `#/definitions/config/${info.type}` } } },
        })),
      },
      edge: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', description: 'Id of the node the rows come from.' },
          port: { enum: ['out', 'error', 'late'], default: 'out', description: 'out: results; error: events the node failed on; late: window input beyond the allowed lateness.' },
          to: { type: 'string', description: 'Id of the node the rows go to.' },
        },
      },
      position: {
        type: 'object',
        additionalProperties: false,
        required: ['x', 'y'],
        properties: { x: { type: 'number' }, y: { type: 'number' } },
      },
      config: configs,
    },
  };
}

/** The schema file's text: 2-space JSON with a trailing newline. */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
