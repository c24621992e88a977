// CAST(value AS type). Failures are evaluation errors (the event goes to the error port); TRY_CAST turns
// them into NULL, as in Flink.
import type { CastType } from './ast.ts';
import { round } from './functions.ts';
import type { Site } from './values.ts';
import { describe, evalError, parseTimestamp, toText } from './values.ts';

// Unambiguous (no backtracking on long digit runs): it runs on event data.
const numericText = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const integerRanges: Readonly<Record<string, number>> = {
  TINYINT: 2 ** 7,
  SMALLINT: 2 ** 15,
  INT: 2 ** 31,
};

function typeText(type: CastType): string {
  if (type.name === 'DECIMAL') return `DECIMAL(${type.length ?? 10}, ${type.scale ?? 0})`;
  if ((type.name === 'VARCHAR' || type.name === 'CHAR') && type.length !== undefined) return `${type.name}(${type.length})`;
  return type.name;
}

function fail(value: unknown, type: CastType, site: Site, why = ''): never {
  throw evalError(site, `cannot cast ${describe(value)} to ${typeText(type)}${why}`);
}

function toNumber(value: unknown, type: CastType, site: Site): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const t = value.trim();
    if (numericText.test(t)) return Number(t);
    if (type.name === 'DOUBLE' || type.name === 'FLOAT') {
      if (t === 'NaN') return Number.NaN;
      if (t === 'Infinity' || t === '+Infinity') return Number.POSITIVE_INFINITY;
      if (t === '-Infinity') return Number.NEGATIVE_INFINITY;
    }
    return fail(value, type, site, ': the string is not a number');
  }
  return fail(value, type, site);
}

function toInteger(value: unknown, type: CastType, site: Site): number {
  if (value instanceof Date && type.name === 'BIGINT') return Math.floor(value.getTime() / 1000);
  const n = toNumber(value, type, site);
  if (!Number.isFinite(n)) fail(value, type, site);
  const whole = Math.trunc(n) + 0;
  const limit = integerRanges[type.name];
  if (limit !== undefined ? whole < -limit || whole >= limit : !Number.isSafeInteger(whole)) fail(value, type, site, ': out of range');
  return whole;
}

function toBoolean(value: unknown, type: CastType, site: Site): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true' || t === 't' || t === 'yes' || t === 'y' || t === '1') return true;
    if (t === 'false' || t === 'f' || t === 'no' || t === 'n' || t === '0') return false;
  }
  return fail(value, type, site);
}

function toTimestampMs(value: unknown, type: CastType, site: Site): number {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? fail(value, type, site, ': invalid timestamp') : value.getTime();
  if (typeof value === 'string') {
    const ms = parseTimestamp(value);
    if (ms !== null) return ms;
    return fail(value, type, site, ": expected ISO-8601 or 'YYYY-MM-DD HH:MM:SS'");
  }
  return fail(value, type, site);
}

/** Converts a non-null value; throws an ENG_EXPR_EVAL error when it does not convert. */
export function castValue(value: unknown, type: CastType, site: Site): unknown {
  switch (type.name) {
    case 'STRING':
      return toText(value);
    case 'VARCHAR': {
      const s = toText(value);
      return type.length !== undefined && s.length > type.length ? s.slice(0, type.length) : s;
    }
    case 'CHAR': {
      const s = toText(value);
      const n = type.length ?? 1;
      return s.length > n ? s.slice(0, n) : s.padEnd(n, ' ');
    }
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return toInteger(value, type, site);
    case 'FLOAT':
    case 'DOUBLE':
      return toNumber(value, type, site);
    case 'DECIMAL': {
      const n = toNumber(value, type, site);
      if (!Number.isFinite(n)) fail(value, type, site);
      const scale = type.scale ?? 0;
      const rounded = round(n, scale);
      // Flink returns NULL when a value does not fit the DECIMAL's precision.
      return Math.abs(rounded) >= 10 ** ((type.length ?? 10) - scale) ? null : rounded;
    }
    case 'BOOLEAN':
      return toBoolean(value, type, site);
    case 'TIMESTAMP': {
      const ms = toTimestampMs(value, type, site);
      const precision = type.length ?? 3;
      if (precision >= 3) return value instanceof Date ? value : new Date(ms);
      const unit = 10 ** (3 - precision);
      return new Date(Math.floor(ms / unit) * unit);
    }
    case 'DATE': {
      const ms = toTimestampMs(value, type, site);
      const dayStart = Math.floor(ms / 86_400_000) * 86_400_000;
      return new Date(dayStart);
    }
  }
}
