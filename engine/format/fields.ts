// Which fields each node's output rows have, where that can be known without running anything. The
// validator uses it to catch references to fields that do not exist; the studio uses it for completion.
import { expressionStaticType, staticTypeOf } from '../expr/index.ts';
import { datasetInfo } from './datasets.ts';
import type { FieldInfo, FieldType } from './datasets.ts';
import type { EdgeSpec, NodeSpec, PipelineDoc } from './pipeline.ts';

export type { FieldInfo, FieldType } from './datasets.ts';

/** Fields of the rows on an `error` or `late` port. */
export const deadLetterFields: readonly FieldInfo[] = [
  { name: 'reason', type: 'string' },
  { name: 'node', type: 'string' },
  { name: 'port', type: 'string' },
  { name: 'payload', type: 'json' },
  { name: 'source', type: 'json' },
  { name: 'at', type: 'timestamp' },
];

/** Output columns every window adds after its group-by fields. */
export const windowBoundFields: readonly FieldInfo[] = [
  { name: 'window_start', type: 'timestamp' },
  { name: 'window_end', type: 'timestamp' },
];

/**
 * Fields of each node's `out` rows, by node id; null where they cannot be known (a file or Kafka source
 * without declared columns, or anything downstream of one that passes fields through). Sinks map to [].
 * Works on documents that are not fully valid: unknown references simply yield less knowledge.
 */
export function inferFields(doc: Pick<PipelineDoc, 'nodes' | 'edges'>): Map<string, FieldInfo[] | null> {
  const nodes = new Map<string, NodeSpec>();
  for (const node of doc.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
  const incoming = new Map<string, EdgeSpec[]>();
  for (const edge of doc.edges) {
    if (!nodes.has(edge.from) || !nodes.has(edge.to)) continue;
    const list = incoming.get(edge.to) ?? [];
    list.push(edge);
    incoming.set(edge.to, list);
  }
  const result = new Map<string, FieldInfo[] | null>();
  const visiting = new Set<string>();

  function outputOf(id: string): FieldInfo[] | null {
    const known = result.get(id);
    if (known !== undefined) return known;
    // A cycle: the validator reports it; here it just means unknown.
    if (visiting.has(id)) return null;
    visiting.add(id);
    const node = nodes.get(id);
    const fields = node ? nodeOutput(node, () => inputOf(id)) : null;
    visiting.delete(id);
    result.set(id, fields);
    return fields;
  }

  function inputOf(id: string): FieldInfo[] | null {
    return unionFields((incoming.get(id) ?? []).map((edge) => (edge.port === 'error' || edge.port === 'late' ? [...deadLetterFields] : outputOf(edge.from))));
  }

  for (const id of nodes.keys()) outputOf(id);
  return result;
}

/** Fields of the rows arriving at a node (the union of its upstream ports), from inferFields' result. */
export function inputFields(doc: Pick<PipelineDoc, 'edges'>, outputs: Map<string, FieldInfo[] | null>, nodeId: string): FieldInfo[] | null {
  const sources = doc.edges.filter((e) => e.to === nodeId).map((edge) => (edge.port === 'error' || edge.port === 'late' ? [...deadLetterFields] : outputs.get(edge.from) ?? null));
  return unionFields(sources);
}

/** Union by name; the first type seen wins unless another input disagrees, then `unknown`. */
function unionFields(inputs: (FieldInfo[] | null)[]): FieldInfo[] | null {
  if (inputs.length === 0) return null;
  const out = new Map<string, FieldType>();
  for (const fields of inputs) {
    if (fields === null) return null;
    for (const field of fields) {
      const seen = out.get(field.name);
      out.set(field.name, seen === undefined || seen === field.type ? field.type : 'unknown');
    }
  }
  return [...out].map(([name, type]) => ({ name, type }));
}

function nodeOutput(node: NodeSpec, input: () => FieldInfo[] | null): FieldInfo[] | null {
  const config: unknown = node.config;
  if (typeof config !== 'object' || config === null) return null;
  switch (node.type) {
    case 'source.generator':
      return datasetInfo(String(node.config.dataset))?.fields.map((f) => ({ ...f })) ?? null;
    case 'source.file':
      return Array.isArray(node.config.columns) ? node.config.columns.filter((c) => typeof c === 'string').map((name) => ({ name, type: 'unknown' as const })) : null;
    case 'source.kafka':
      // The Kafka source may add record metadata to rows; claiming to know the fields would give false errors.
      return null;
    case 'transform.filter':
    case 'transform.dedupe':
      return input();
    case 'transform.map': {
      const upstream = input();
      const select = isRecord(node.config.select) ? node.config.select : {};
      const types = new Map((upstream ?? []).map((f) => [f.name, f.type]));
      const selected: FieldInfo[] = Object.entries(select).map(([name, expr]) => ({ name, type: typeof expr === 'string' ? expressionType(expr, types) : 'unknown' }));
      if (node.config.keepOthers !== true) return selected;
      if (upstream === null) return null;
      const names = new Set(selected.map((f) => f.name));
      return [...upstream.filter((f) => !names.has(f.name)), ...selected];
    }
    case 'window.tumbling':
    case 'window.hopping':
    case 'window.session': {
      const upstream = input();
      const types = new Map((upstream ?? []).map((f) => [f.name, f.type]));
      const groupBy = Array.isArray(node.config.groupBy) ? node.config.groupBy.filter((g) => typeof g === 'string') : [];
      const aggregates = isRecord(node.config.aggregates) ? node.config.aggregates : {};
      return [
        ...groupBy.map((name) => ({ name, type: types.get(name) ?? 'unknown' })),
        ...windowBoundFields,
        ...Object.entries(aggregates).map(([name, text]) => ({ name, type: typeof text === 'string' ? aggregateType(text, types) : 'unknown' })),
      ];
    }
    case 'sink.lake':
    case 'sink.preview':
    case 'sink.kafka':
    case 'sink.postgres':
    case 'sink.clickhouse':
    // sink.opensearch
    case 'sink.opensearch':
    case 'sink.cassandra':
      return [];
    default:
      return null;
  }
}

const identifier = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const castType = /^\s*cast\s*\(.*\s+as\s+([A-Za-z]+)[^)]*\)\s*$/is;
const sqlTypes: Record<string, FieldType> = {
  varchar: 'string', string: 'string', char: 'string', text: 'string',
  int: 'long', integer: 'long', bigint: 'long', smallint: 'long', tinyint: 'long',
  double: 'double', float: 'double', real: 'double', decimal: 'double', numeric: 'double',
  boolean: 'boolean', bool: 'boolean', timestamp: 'timestamp', date: 'timestamp',
};

/** A best-effort type for an expression: plain column references, literals and CASTs; else unknown. */
export function expressionType(text: string, columns: Map<string, FieldType>): FieldType {
  const column = identifier.exec(text);
  if (column?.[1] !== undefined) {
    const lower = column[1].toLowerCase();
    if (lower === 'true' || lower === 'false') return 'boolean';
    return columns.get(column[1]) ?? 'unknown';
  }
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return 'long';
  if (/^-?\d+\.\d*(e[+-]?\d+)?$/i.test(trimmed)) return 'double';
  if (/^'([^']|'')*'$/.test(trimmed)) return 'string';
  const cast = castType.exec(text);
  if (cast?.[1] !== undefined) return sqlTypes[cast[1].toLowerCase()] ?? 'unknown';
  // Anything else: what the expression checker infers (upper(region) is text, amount * 2 a number).
  const inferred = expressionStaticType(text, new Map([...columns].map(([name, type]) => [name, staticTypeOf(type)])));
  return inferred === 'number' ? 'double' : inferred === 'string' || inferred === 'boolean' || inferred === 'timestamp' ? inferred : 'unknown';
}

const aggregateCall = /^\s*([A-Za-z_]+)\s*\(\s*(?:distinct\s+)?(.*?)\s*\)\s*$/is;

function aggregateType(text: string, columns: Map<string, FieldType>): FieldType {
  const call = aggregateCall.exec(text);
  if (!call) return 'unknown';
  const fn = (call[1] ?? '').toLowerCase();
  const argType = call[2] === '*' ? 'unknown' : expressionType(call[2] ?? '', columns);
  if (fn === 'count') return 'long';
  if (fn === 'avg') return 'double';
  if (fn === 'sum') return argType === 'long' ? 'long' : 'double';
  if (fn === 'min' || fn === 'max' || fn === 'first' || fn === 'last') return argType;
  return 'unknown';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
