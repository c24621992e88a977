// Table schemas: inference from events, declared types from the sink config, evolution as events change
// (new optional columns with fresh ids, int→long and float→double widening), and coercion of each row
// into the column types, where a value that does not fit becomes a rejected row with its reason.
import type { IcebergType, NestedField, PrimitiveType, SchemaJson, StructType } from '../format/metadata.ts';
import { decimalScale, isPrimitive } from '../format/values.ts';
import type { Row } from '../../runtime/types.ts';

/** The camelCase schema view the reading API returns. */
export interface IcebergSchema {
  schemaId: number;
  fields: NestedField[];
}

export function schemaView(schema: SchemaJson): IcebergSchema {
  return { schemaId: schema['schema-id'], fields: schema.fields };
}

/** Assigns fresh ids; `next` returns the next unused column id. */
export type IdSource = () => number;

const DECLARED = /^(string|int|long|float|double|boolean|timestamp|timestamptz|date|binary|decimal\(\s*\d+\s*,\s*\d+\s*\))$/;

/** Parses a declared type (`long`, `decimal(10,2)`, `timestamp` = timestamptz since rows carry UTC Dates). */
export function parseDeclaredType(text: string): PrimitiveType | null {
  const t = text.trim().toLowerCase();
  if (!DECLARED.test(t)) return null;
  if (t === 'timestamp') return 'timestamptz';
  const dec = decimalScale(t);
  if (dec) return `decimal(${dec.precision}, ${dec.scale})`;
  return t as PrimitiveType;
}

/** The Iceberg type for a JS value, or null when the value says nothing (null/undefined). */
export function inferType(value: unknown, ids: IdSource): IcebergType | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'long' : 'double';
  if (typeof value === 'bigint') return 'long';
  if (typeof value === 'string') return 'string';
  if (value instanceof Date) return 'timestamptz';
  if (value instanceof Uint8Array) return 'binary';
  if (Array.isArray(value)) {
    const first = value.find((v) => v !== null && v !== undefined);
    const elementId = ids();
    return { type: 'list', 'element-id': elementId, element: inferType(first, ids) ?? 'string', 'element-required': false };
  }
  if (typeof value === 'object') {
    const fields: NestedField[] = [];
    for (const [name, v] of Object.entries(value)) {
      const id = ids();
      fields.push({ id, name, required: false, type: inferType(v, ids) ?? 'string' });
    }
    return { type: 'struct', fields };
  }
  return 'string';
}

/**
 * Evolves `struct` so every value in `rows` has a column (new optional fields with new ids), widening
 * int→long and float→double where a value needs it. Returns the new struct, or the same object when
 * nothing changed. Values that still do not fit are left for `coerceRow` to reject.
 */
export function evolveStruct(struct: StructType, rows: readonly Row[], ids: IdSource): StructType {
  let fields = struct.fields;
  const byName = new Map(fields.map((f, i) => [f.name, i]));
  let changed = false;
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (value === undefined) continue;
      const at = byName.get(name);
      if (at === undefined) {
        if (value === null) continue; // a column whose type we cannot know yet waits for a value
        const type = inferType(value, ids);
        if (!type) continue;
        if (!changed) fields = [...fields];
        changed = true;
        byName.set(name, fields.length);
        fields.push({ id: ids(), name, required: false, type });
        continue;
      }
      const field = fields[at];
      if (!field) continue;
      const next = evolveType(field.type, value, ids);
      if (next !== field.type) {
        if (!changed) fields = [...fields];
        changed = true;
        fields[at] = { ...field, type: next };
      }
    }
  }
  return changed ? { ...struct, fields } : struct;
}

function evolveType(type: IcebergType, value: unknown, ids: IdSource): IcebergType {
  if (value === null || value === undefined) return type;
  if (type === 'int' && typeof value === 'number' && Number.isInteger(value) && (value > 2147483647 || value < -2147483648)) return 'long';
  if (type === 'float' && typeof value === 'number' && Math.fround(value) !== value && Number.isFinite(value)) return 'double';
  if (isPrimitive(type)) return type;
  if (type.type === 'struct' && isPlainObject(value)) return evolveStruct(type, [value], ids);
  if (type.type === 'list' && Array.isArray(value)) {
    let element = type.element;
    for (const v of value) element = evolveType(element, v, ids);
    return element === type.element ? type : { ...type, element };
  }
  return type;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** Field ids and names of every column the schema adds over `base` (for messages and tests). */
export function allFieldIds(type: IcebergType, out: number[] = []): number[] {
  if (isPrimitive(type)) return out;
  if (type.type === 'struct') for (const f of type.fields) {
    out.push(f.id);
    allFieldIds(f.type, out);
  }
  else if (type.type === 'list') {
    out.push(type['element-id']);
    allFieldIds(type.element, out);
  } else {
    out.push(type['key-id'], type['value-id']);
    allFieldIds(type.key, out);
    allFieldIds(type.value, out);
  }
  return out;
}

export function maxFieldId(schemas: readonly { fields: NestedField[] }[]): number {
  let max = 0;
  for (const s of schemas) for (const id of allFieldIds({ type: 'struct', fields: s.fields })) max = Math.max(max, id);
  return max;
}

/** Finds a field by id anywhere in the struct (struct children included). */
export function findField(struct: StructType, id: number): NestedField | undefined {
  for (const f of struct.fields) {
    if (f.id === id) return f;
    if (!isPrimitive(f.type) && f.type.type === 'struct') {
      const inner = findField(f.type, id);
      if (inner) return inner;
    }
  }
  return undefined;
}

export type Coerced = { ok: true; row: Row } | { ok: false; reason: string };

/**
 * Converts a row into the table's internal value form (see format/values.ts), column by column.
 * Unknown keys are ignored here because evolution has already added them.
 */
export function coerceRow(struct: StructType, row: Row): Coerced {
  const out: Row = {};
  for (const field of struct.fields) {
    const r = coerceValue(field.type, row[field.name], field.name);
    if (!r.ok) return r;
    if (r.value === null && field.required) return { ok: false, reason: `column "${field.name}" is required but the value is null` };
    out[field.name] = r.value;
  }
  return { ok: true, row: out };
}

type CoercedValue = { ok: true; value: unknown } | { ok: false; reason: string };

const bad = (path: string, type: IcebergType, value: unknown): CoercedValue => ({
  ok: false,
  reason: `column "${path}": ${describe(value)} does not fit type ${typeName(type)}`,
});

export function typeName(type: IcebergType): string {
  if (isPrimitive(type)) return type;
  if (type.type === 'list') return `list<${typeName(type.element)}>`;
  if (type.type === 'map') return `map<${typeName(type.key)}, ${typeName(type.value)}>`;
  return `struct<${type.fields.map((f) => `${f.name}: ${typeName(f.type)}`).join(', ')}>`;
}

function describe(value: unknown): string {
  if (value instanceof Date) return `date ${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()}`;
  if (typeof value === 'string') return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return `${typeof value} ${String(value)}`;
}

const MIN_INT = -2147483648;
const MAX_INT = 2147483647;
const DAY_MS = 86_400_000;

function coerceValue(type: IcebergType, value: unknown, path: string): CoercedValue {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (isPrimitive(type)) {
    switch (type) {
      case 'boolean':
        return typeof value === 'boolean' ? { ok: true, value } : bad(path, type, value);
      case 'int':
        return typeof value === 'number' && Number.isInteger(value) && value >= MIN_INT && value <= MAX_INT ? { ok: true, value } : bad(path, type, value);
      case 'long':
        if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return { ok: true, value: Number(value) };
        return typeof value === 'number' && Number.isSafeInteger(value) ? { ok: true, value } : bad(path, type, value);
      case 'float':
      case 'double':
        return typeof value === 'number' ? { ok: true, value } : bad(path, type, value);
      case 'string':
        if (typeof value === 'string') return { ok: true, value };
        // numbers and booleans have one exact text form; objects and dates do not
        return typeof value === 'number' || typeof value === 'boolean' ? { ok: true, value: String(value) } : bad(path, type, value);
      case 'timestamp':
      case 'timestamptz': {
        const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
        return Number.isFinite(ms) ? { ok: true, value: ms * 1000 } : bad(path, type, value);
      }
      case 'date': {
        const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && /^\d{4}-\d\d-\d\d$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
        return Number.isFinite(ms) ? { ok: true, value: Math.floor(ms / DAY_MS) } : bad(path, type, value);
      }
      case 'binary':
        return value instanceof Uint8Array ? { ok: true, value } : bad(path, type, value);
      default: {
        const dec = decimalScale(type);
        if (dec) {
          const unscaled = toUnscaled(value, dec.scale);
          if (unscaled === null || (unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(dec.precision)) return bad(path, type, value);
          return { ok: true, value: unscaled };
        }
        return bad(path, type, value);
      }
    }
  }
  if (type.type === 'struct') {
    if (!isPlainObject(value)) return bad(path, type, value);
    const out: Row = {};
    for (const f of type.fields) {
      const r = coerceValue(f.type, value[f.name], `${path}.${f.name}`);
      if (!r.ok) return r;
      if (r.value === null && f.required) return { ok: false, reason: `column "${path}.${f.name}" is required but the value is null` };
      out[f.name] = r.value;
    }
    return { ok: true, value: out };
  }
  if (type.type === 'list') {
    if (!Array.isArray(value)) return bad(path, type, value);
    const out: unknown[] = [];
    for (const v of value) {
      const r = coerceValue(type.element, v, `${path}[]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : isPlainObject(value) ? Object.entries(value) : null;
  if (!entries) return bad(path, type, value);
  const out: { key: unknown; value: unknown }[] = [];
  for (const [k, v] of entries) {
    const key = coerceValue(type.key, k, `${path}.key`);
    if (!key.ok) return key;
    if (key.value === null) return { ok: false, reason: `column "${path}": map keys cannot be null` };
    const val = coerceValue(type.value, v, `${path}.value`);
    if (!val.ok) return val;
    out.push({ key: key.value, value: val.value });
  }
  return { ok: true, value: out };
}

/** Exact unscaled value of a decimal given as number or text, or null when it has more digits than `scale`. */
function toUnscaled(value: unknown, scale: number): bigint | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = value.toFixed(Math.min(scale + 2, 100));
  } else if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'bigint') text = value.toString();
  else return null;
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale) return null;
  const digits = `${m[2] ?? ''}${frac.padEnd(scale, '0')}`;
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -unscaled : unscaled;
}
