// Scalar functions callable as `name(args)`. Special syntax (CAST, EXTRACT, TRIM … FROM, SUBSTRING … FROM,
// POSITION … IN, FLOOR … TO) and the lazy conditionals (COALESCE, IF, IFNULL) are handled by the parser
// and compiler; everything here evaluates its arguments eagerly.
import type { Site } from './values.ts';
import { compareValues, evalError, requireNumber, requireString, toText } from './values.ts';

export interface ScalarFunction {
  min: number;
  max: number;
  /** A NULL argument makes the result NULL without calling `invoke` (true for most SQL functions). */
  strict: boolean;
  /** `args` is a buffer reused between calls: read it, never keep it. */
  invoke(args: unknown[], site: Site): unknown;
}

const unbounded = Number.POSITIVE_INFINITY;

function str(name: string, fn: (s: string) => unknown): ScalarFunction {
  return { min: 1, max: 1, strict: true, invoke: (args, site) => fn(requireString(args[0], site, `${name}()`)) };
}

function num(name: string, fn: (x: number) => number): ScalarFunction {
  return { min: 1, max: 1, strict: true, invoke: (args, site) => fn(requireNumber(args[0], site, `${name}()`)) };
}

/** SQL SUBSTRING: 1-based; positions before 1 still count towards the length (SQL standard). */
export function substring(s: string, start: number, length: number | null, site: Site): string {
  const from = Math.trunc(start);
  let to = s.length + 1;
  if (length !== null) {
    const n = Math.trunc(length);
    if (n < 0) throw evalError(site, `substring length must not be negative, got ${n}`);
    to = Math.min(to, from + n);
  }
  const begin = Math.max(from, 1);
  return to <= begin ? '' : s.slice(begin - 1, to - 1);
}

/** ROUND half away from zero, as Flink rounds DECIMAL and DOUBLE values. */
export function round(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  const d = Math.max(-300, Math.min(300, Math.trunc(digits)));
  const sign = x < 0 ? -1 : 1;
  const abs = Math.abs(x);
  const text = String(abs);
  // Shifting through the decimal text avoids 2.675 * 100 = 267.49999…
  if (!text.includes('e') && Math.abs(d) < 100) {
    const shifted = Math.round(Number(`${text}e${d}`));
    return sign * Number(`${shifted}e${-d}`);
  }
  const f = 10 ** d;
  return (sign * Math.round(abs * f)) / f;
}

function greatestOrLeast(pickGreater: boolean): ScalarFunction {
  return {
    min: 1,
    max: unbounded,
    strict: true,
    invoke(args, site) {
      let best = args[0];
      for (let i = 1; i < args.length; i++) {
        const c = compareValues(args[i], best, site);
        if (pickGreater ? c > 0 : c < 0) best = args[i];
      }
      return best;
    },
  };
}

function position(sub: string, s: string): number {
  return s.indexOf(sub) + 1;
}

function trimChars(s: string, chars: string, leading: boolean, trailing: boolean): string {
  let begin = 0;
  let end = s.length;
  if (chars.length === 0) return s;
  if (leading) while (begin < end && chars.includes(s[begin] ?? '')) begin++;
  if (trailing) while (end > begin && chars.includes(s[end - 1] ?? '')) end--;
  return s.slice(begin, end);
}

export { trimChars };

export const scalarFunctions: ReadonlyMap<string, ScalarFunction> = new Map<string, ScalarFunction>([
  ['lower', str('lower', (s) => s.toLowerCase())],
  ['upper', str('upper', (s) => s.toUpperCase())],
  ['length', str('length', (s) => s.length)],
  ['char_length', str('char_length', (s) => s.length)],
  ['character_length', str('character_length', (s) => s.length)],
  ['ltrim', str('ltrim', (s) => trimChars(s, ' ', true, false))],
  ['rtrim', str('rtrim', (s) => trimChars(s, ' ', false, true))],
  ['substr', {
    min: 2, max: 3, strict: true,
    invoke: (args, site) => substring(requireString(args[0], site, 'substr()'), requireNumber(args[1], site, 'substr()'),
      args.length > 2 ? requireNumber(args[2], site, 'substr()') : null, site),
  }],
  ['substring', {
    min: 2, max: 3, strict: true,
    invoke: (args, site) => substring(requireString(args[0], site, 'substring()'), requireNumber(args[1], site, 'substring()'),
      args.length > 2 ? requireNumber(args[2], site, 'substring()') : null, site),
  }],
  // Flink's CONCAT returns NULL when any argument is NULL; non-string scalars are converted to text.
  ['concat', { min: 1, max: unbounded, strict: true, invoke: (args) => {
    let out = '';
    for (const a of args) out += toText(a);
    return out;
  } }],
  // CONCAT_WS skips NULL arguments (but a NULL separator gives NULL), as in Flink.
  ['concat_ws', { min: 2, max: unbounded, strict: false, invoke: (args) => {
    const sep = args[0];
    if (sep == null) return null;
    const parts: string[] = [];
    for (let i = 1; i < args.length; i++) if (args[i] != null) parts.push(toText(args[i]));
    return parts.join(toText(sep));
  } }],
  ['replace', { min: 3, max: 3, strict: true, invoke: (args, site) => {
    const s = requireString(args[0], site, 'replace()');
    const search = requireString(args[1], site, 'replace()');
    const replacement = requireString(args[2], site, 'replace()');
    return search === '' ? s : s.split(search).join(replacement);
  } }],
  ['position', { min: 2, max: 2, strict: true, invoke: (args, site) => position(requireString(args[0], site, 'position()'), requireString(args[1], site, 'position()')) }],
  ['strpos', { min: 2, max: 2, strict: true, invoke: (args, site) => position(requireString(args[1], site, 'strpos()'), requireString(args[0], site, 'strpos()')) }],
  ['locate', { min: 2, max: 2, strict: true, invoke: (args, site) => position(requireString(args[0], site, 'locate()'), requireString(args[1], site, 'locate()')) }],
  ['abs', num('abs', Math.abs)],
  ['floor', num('floor', Math.floor)],
  ['ceil', num('ceil', Math.ceil)],
  ['ceiling', num('ceiling', Math.ceil)],
  ['sqrt', num('sqrt', Math.sqrt)],
  ['sign', num('sign', Math.sign)],
  ['ln', num('ln', Math.log)],
  ['log10', num('log10', Math.log10)],
  ['exp', num('exp', Math.exp)],
  ['round', { min: 1, max: 2, strict: true, invoke: (args, site) =>
    round(requireNumber(args[0], site, 'round()'), args.length > 1 ? requireNumber(args[1], site, 'round()') : 0) }],
  ['power', { min: 2, max: 2, strict: true, invoke: (args, site) => requireNumber(args[0], site, 'power()') ** requireNumber(args[1], site, 'power()') }],
  ['mod', { min: 2, max: 2, strict: true, invoke: (args, site) => {
    const a = requireNumber(args[0], site, 'mod()');
    const b = requireNumber(args[1], site, 'mod()');
    if (b === 0) throw evalError(site, 'mod() by zero');
    return a % b;
  } }],
  ['nullif', { min: 2, max: 2, strict: false, invoke: (args, site) => {
    const a = args[0];
    const b = args[1];
    if (a == null) return null;
    if (b == null) return a;
    return compareValues(a, b, site) === 0 ? null : a;
  } }],
  ['greatest', greatestOrLeast(true)],
  ['least', greatestOrLeast(false)],
]);

/** Functions the compiler evaluates lazily (an argument is evaluated only when needed). */
export const lazyFunctions: ReadonlyMap<string, { min: number; max: number }> = new Map([
  ['coalesce', { min: 1, max: unbounded }],
  ['if', { min: 3, max: 3 }],
  ['ifnull', { min: 2, max: 2 }],
]);

/** Flink's YEAR(ts), HOUR(ts), …: parsed straight into EXTRACT. */
export const extractFunctions: ReadonlyMap<string, string> = new Map([
  ['year', 'YEAR'], ['quarter', 'QUARTER'], ['month', 'MONTH'], ['week', 'WEEK'], ['dayofyear', 'DOY'],
  ['dayofmonth', 'DAY'], ['dayofweek', 'DOW'], ['hour', 'HOUR'], ['minute', 'MINUTE'], ['second', 'SECOND'],
]);

export const aggregateNames: ReadonlySet<string> = new Set([
  'count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'first_value', 'last_value', 'stddev', 'variance', 'collect', 'listagg',
]);

export function isKnownFunction(name: string): boolean {
  const lower = name.toLowerCase();
  return scalarFunctions.has(lower) || lazyFunctions.has(lower) || extractFunctions.has(lower)
    || ['cast', 'try_cast', 'extract', 'trim', 'date_trunc'].includes(lower);
}
