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
  // columns this call adds: their type is still a guess, so a later 2.5 turns a guessed long into double
  const guessed = new Set<string>();
  let changed = false;
  for (const row of rows) {
    for (const name in row) {
      const value = row[name];
      if (value === undefined || value === null) continue;
      const at = byName.get(name);
      if (at === undefined) {
        const type = inferType(value, ids);
        if (!type) continue;
        if (!changed) fields = [...fields];
        changed = true;
        byName.set(name, fields.length);
        fields.push({ id: ids(), name, required: false, type });
        guessed.add(name);
        continue;
      }
      const field = fields[at];
      if (!field) continue;
      // fast path: a primitive that already fits needs no work
      if (typeof field.type === 'string' && fitsFast(field.type, value)) continue;
      let next = evolveType(field.type, value, ids);
      if (next === 'long' && guessed.has(name) && typeof value === 'number' && !Number.isInteger(value)) next = 'double';
      if (next !== field.type) {
        if (!changed) fields = [...fields];
        changed = true;
        fields[at] = { ...field, type: next };
      }
    }
  }
  return changed ? { ...struct, fields } : struct;
}

function fitsFast(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'long':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'timestamptz':
      return value instanceof Date;
    default:
      return false;
  }
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

/** A value that does not fit; a class so the hot path allocates nothing for values that do fit. */
class Misfit {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/**
 * Converts a row into the table's internal value form (see format/values.ts), column by column.
 * Unknown keys are ignored here because evolution has already added them.
 */
export function coerceRow(struct: StructType, row: Row): Coerced {
  const out: Row = {};
  for (const field of struct.fields) {
    const v = coerceValue(field.type, row[field.name], field.name);
    if (v instanceof Misfit) return { ok: false, reason: v.reason };
    if (v === null && field.required) return { ok: false, reason: `column "${field.name}" is required but the value is null` };
    out[field.name] = v;
  }
  return { ok: true, row: out };
}

const misfit = (path: string, type: IcebergType, value: unknown): Misfit => new Misfit(`column "${path}": ${describe(value)} does not fit type ${typeName(type)}`);

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
const ISO_START = /^\d{4}-\d\d-\d\d/;
const ISO_DATE = /^\d{4}-\d\d-\d\d$/;

function coerceValue(type: IcebergType, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        if (typeof value === 'string') return value;
        // other values have one exact text form: numbers and booleans as such, dates as ISO text,
        // objects and lists as JSON (dead-letter payloads, for one, come in every shape)
        if (typeof value === 'number' || typeof value === 'boolean') return String(value);
        if (value instanceof Date) return Number.isNaN(value.getTime()) ? misfit(path, type, value) : value.toISOString();
        if (value instanceof Uint8Array) return misfit(path, type, value);
        if (typeof value === 'object') return jsonText(value);
        return misfit(path, type, value);
      case 'long':
        if (typeof value === 'number') return Number.isSafeInteger(value) ? value : misfit(path, type, value);
        if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
        return misfit(path, type, value);
      case 'double':
      case 'float':
        return typeof value === 'number' ? value : misfit(path, type, value);
      case 'timestamp':
      case 'timestamptz': {
        if (value instanceof Date) {
          const ms = value.getTime();
          return Number.isFinite(ms) ? ms * 1000 : misfit(path, type, value);
        }
        const ms = typeof value === 'string' && ISO_START.test(value) ? Date.parse(value) : Number.NaN;
        return Number.isFinite(ms) ? ms * 1000 : misfit(path, type, value);
      }
      case 'boolean':
        return typeof value === 'boolean' ? value : misfit(path, type, value);
      case 'int':
        return typeof value === 'number' && Number.isInteger(value) && value >= MIN_INT && value <= MAX_INT ? value : misfit(path, type, value);
      case 'date': {
        const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && ISO_DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
        return Number.isFinite(ms) ? Math.floor(ms / DAY_MS) : misfit(path, type, value);
      }
      case 'binary':
        return value instanceof Uint8Array ? value : misfit(path, type, value);
      default: {
        const dec = decimalScale(type);
        if (dec) {
          const unscaled = toUnscaled(value, dec.scale);
          if (unscaled === null || (unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(dec.precision)) return misfit(path, type, value);
          return unscaled;
        }
        return misfit(path, type, value);
      }
    }
  }
  if (type.type === 'struct') {
    if (!isPlainObject(value)) return misfit(path, type, value);
    const out: Row = {};
    for (const f of type.fields) {
      const v = coerceValue(f.type, value[f.name], `${path}.${f.name}`);
      if (v instanceof Misfit) return v;
      if (v === null && f.required) return new Misfit(`column "${path}.${f.name}" is required but the value is null`);
      out[f.name] = v;
    }
    return out;
  }
  if (type.type === 'list') {
    if (!Array.isArray(value)) return misfit(path, type, value);
    const out: unknown[] = [];
    for (const item of value) {
      const v = coerceValue(type.element, item, `${path}[]`);
      if (v instanceof Misfit) return v;
      out.push(v);
    }
    return out;
  }
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : isPlainObject(value) ? Object.entries(value) : null;
  if (!entries) return misfit(path, type, value);
  const out: { key: unknown; value: unknown }[] = [];
  for (const [k, item] of entries) {
    const key = coerceValue(type.key, k, `${path}.key`);
    if (key instanceof Misfit) return key;
    if (key === null) return new Misfit(`column "${path}": map keys cannot be null`);
    const v = coerceValue(type.value, item, `${path}.value`);
    if (v instanceof Misfit) return v;
    out.push({ key, value: v });
  }
  return out;
}

function jsonText(value: object): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
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
