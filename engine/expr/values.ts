// Runtime values of the expression language and the rules for comparing them. Rows carry JSON-like values
// plus Date for timestamps; the language adds an Interval for `INTERVAL '5' MINUTE`.
import { EngineError } from '../errors.ts';

/** A SQL interval: calendar months and exact milliseconds are kept apart (a month has no fixed length). */
export class Interval {
  readonly months: number;
  readonly ms: number;
  constructor(months: number, ms: number) {
    this.months = months;
    this.ms = ms;
  }
}

/** Where an evaluation error happened: the source text of the node and its offset in the expression. */
export interface Site {
  text: string;
  position: number;
}

export function evalError(site: Site, message: string): EngineError {
  return new EngineError('ENG_EXPR_EVAL', `${message} (in \`${clip(site.text, 80)}\`)`, { position: site.position });
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export type ValueType = 'null' | 'number' | 'string' | 'boolean' | 'timestamp' | 'interval' | 'bytes' | 'array' | 'object';

export function typeOf(value: unknown): ValueType {
  if (value == null) return 'null';
  switch (typeof value) {
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (value instanceof Date) return 'timestamp';
      if (value instanceof Interval) return 'interval';
      if (value instanceof Uint8Array) return 'bytes';
      return Array.isArray(value) ? 'array' : 'object';
    default:
      return 'object';
  }
}

/** A short description of a value for error messages: `string 'abc'`, `number 5`, `object`. */
export function describe(value: unknown): string {
  const type = typeOf(value);
  switch (type) {
    case 'string':
      return `string '${clip(value as string, 40)}'`;
    case 'number':
    case 'boolean':
      return `${type} ${String(value)}`;
    case 'timestamp':
      return `timestamp ${formatTimestamp((value as Date).getTime())}`;
    default:
      return type;
  }
}

// Applied to trimmed text of bounded length, with no two adjacent unbounded repeats: event data reaches
// this pattern, so it must not backtrack (a string of 100k spaces must not take quadratic time).
const timestampPattern = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const longestTimestamp = 40;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses ISO-8601 (`2026-01-01T10:00:00Z`, offsets allowed) and SQL (`2026-01-01 10:00:00.123`) timestamps
 * and plain dates. Text without an offset is UTC. Returns epoch milliseconds, or null when the text is not
 * a valid timestamp (no `Date.parse` leniency: `2026-02-30` is rejected).
 */
export function parseTimestamp(text: string): number | null {
  if (text.length > 200) return null;
  const trimmed = text.trim();
  if (trimmed.length > longestTimestamp) return null;
  const m = timestampPattern.exec(trimmed);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime() - offsetMinutes * 60_000;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Formats as Flink prints a TIMESTAMP(3): `2026-01-01 10:00:00` or `2026-01-01 10:00:00.123`. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return 'invalid timestamp';
  const base = `${formatDate(ms)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const millis = d.getUTCMilliseconds();
  return millis === 0 ? base : `${base}.${pad(millis, 3)}`;
}

export function formatDate(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** Timestamp value of an operand compared with a Date: a Date, or a string that parses as a timestamp. */
function asTimestamp(value: unknown, other: unknown, site: Site): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    // An invalid Date would otherwise compare equal to everything.
    if (Number.isNaN(ms)) throw evalError(site, `cannot compare ${describe(other)} with an invalid timestamp`);
    return ms;
  }
  if (typeof value === 'string') {
    const ms = parseTimestamp(value);
    if (ms !== null) return ms;
    throw evalError(site, `cannot compare ${describe(other)} with ${describe(value)}: the string is not a timestamp`);
  }
  throw evalError(site, `cannot compare ${describe(other)} with ${describe(value)}`);
}

/**
 * Orders two non-null values: negative, zero or positive. Numbers compare with numbers, strings with
 * strings, booleans with booleans, timestamps with timestamps or timestamp strings. A number never
 * compares with a string (numeric strings compare numerically only through CAST): the error sends a
 * malformed event to the error port instead of silently filtering it out.
 */
export function compareValues(a: unknown, b: unknown, site: Site): number {
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : (a as number) === (b as number) ? 0 : Number.NaN;
    if (ta === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    if (ta === 'boolean') return (a === b) ? 0 : a ? 1 : -1;
  }
  if (a instanceof Date || b instanceof Date) {
    const x = asTimestamp(a, b, site);
    const y = asTimestamp(b, a, site);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Interval && b instanceof Interval && a.months === b.months) return a.ms - b.ms;
  throw evalError(site, `cannot compare ${describe(a)} with ${describe(b)}`);
}

export function requireNumber(value: unknown, site: Site, what: string): number {
  if (typeof value === 'number') return value;
  throw evalError(site, `${what} expects a number but got ${describe(value)}`);
}

export function requireString(value: unknown, site: Site, what: string): string {
  if (typeof value === 'string') return value;
  throw evalError(site, `${what} expects a string but got ${describe(value)}`);
}

export function requireTimestamp(value: unknown, site: Site, what: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw evalError(site, `${what} got an invalid timestamp`);
    return ms;
  }
  if (typeof value === 'string') {
    const ms = parseTimestamp(value);
    if (ms !== null) return ms;
  }
  throw evalError(site, `${what} expects a timestamp but got ${describe(value)}`);
}

/** Text of a scalar for `||`, CONCAT and CAST(… AS STRING), formatted as Flink prints it. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return formatTimestamp(value.getTime());
  if (value instanceof Interval) return value.months !== 0 ? `${value.months} months` : `${value.ms} ms`;
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}
