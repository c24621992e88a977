// A row as JSON text, the same text as JSON.stringify (bytes as base64), about twice as fast for event
// rows. JSON.stringify leaves V8's fast path for any object with a toJSON method, so one Date column
// made every row several times slower, and Date.prototype.toISOString is slow itself; here the keys'
// quoted forms are cached, and timestamps are formatted with the day's text cached (events come in
// time order, so consecutive rows mostly share their day). Producing JSON events, stringify was a
// quarter of sink.kafka's CPU.

const quotedKeys = new Map<string, string>();
const twoDigits = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const threeDigits = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** Years formatted here; others (and invalid dates) go to toISOString / JSON's null. */
const FIRST_FAST_MS = Date.UTC(1970, 0, 1);
const END_FAST_MS = Date.UTC(10000, 0, 1);
let cachedDay = Number.NaN;
let cachedDayText = '';

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** `"YYYY-MM-DDTHH:MM:SS.mmmZ"` with quotes, as JSON.stringify writes a Date; `null` for an invalid one. */
export function isoText(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return 'null';
  if (ms < FIRST_FAST_MS || ms >= END_FAST_MS) return `"${date.toISOString()}"`;
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = `"${date.toISOString().slice(0, 11)}`;
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${cachedDayText}${twoDigits[hour]}:${twoDigits[minute]}:${twoDigits[second]}.${threeDigits[milli]}Z"`;
}

function bytesReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

function valueText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Date) return isoText(value);
      if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
      return JSON.stringify(value, bytesReplacer);
    case 'bigint':
      // JSON.stringify throws on bigint; rows never carry one (runtime/types.ts), so say so plainly.
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      // undefined, functions and symbols are left out, as JSON.stringify does.
      return undefined;
  }
}

/**
 * JSON text of a row: the same as JSON.stringify(row) with Uint8Array values (Buffers included, at the
 * top level) as base64 strings.
 */
export function jsonText(row: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(row)) {
    const text = valueText(row[key]);
    if (text === undefined) continue;
    out += first ? quotedKey(key) + text : `,${quotedKey(key)}${text}`;
    first = false;
  }
  return `${out}}`;
}
