// A row as JSON text, the same text as JSON.stringify (bytes as base64). JSON.stringify calls each Date's
// toJSON → toISOString, which is slow; here timestamps are formatted with the day's text cached (events
// come in time order, so consecutive rows mostly share their day). Producing JSON events, stringify was
// a quarter of sink.kafka's CPU.
const twoDigits = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));
const threeDigits = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** Years formatted here; others (and invalid dates) go to toISOString / JSON's null. */
const FIRST_FAST_MS = Date.UTC(1970, 0, 1);
const END_FAST_MS = Date.UTC(10000, 0, 1);
let cachedDay = Number.NaN;
let cachedDayText = '';

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

/** Bytes as base64, Buffers included: the value is looked up before its toJSON (which makes {type, data} of a Buffer). */
function bytesReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') : value;
}

function nested(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/**
 * JSON text of a row: the same as JSON.stringify(row) with Uint8Array values (Buffers included) as base64
 * strings. A row holding Dates or bytes is copied shallowly with those as text and then stringified: the
 * copy stays on V8's fast path and the result is one flat string (text built by concatenation is a rope,
 * which Buffer.byteLength and the encoder's write then flatten: twice slower, measured).
 */
export function jsonText(row: Record<string, unknown>): string {
  let special = false;
  let deep = false;
  for (const key in row) {
    const v = row[key];
    if (v instanceof Date || v instanceof Uint8Array) special = true;
    else if (nested(v)) deep = true;
  }
  if (!special) return deep ? JSON.stringify(row, bytesReplacer) : JSON.stringify(row);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const v = row[key];
    if (v instanceof Date) copy[key] = Number.isNaN(v.getTime()) ? null : isoText(v).slice(1, -1);
    else if (v instanceof Uint8Array) copy[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    else copy[key] = v;
  }
  return deep ? JSON.stringify(copy, bytesReplacer) : JSON.stringify(copy);
}
