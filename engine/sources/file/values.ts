// Value decoding shared by the JSON Lines and CSV readers. Timestamps arrive as ISO 8601 text in files;
// the engine wants `Date`s, and Date.parse per value is a visible cost at a million events per second, so
// the common `YYYY-MM-DDTHH:MM:SS(.fff)Z` shape is decoded by hand.

/** A Date for ISO 8601 timestamp text with a time and a zone, or undefined for anything else. */
export function parseTimestamp(text: string): Date | undefined {
  const n = text.length;
  // Cheap shape test first: most strings are not timestamps.
  if (n < 20 || n > 35 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return undefined;
  if (text.charCodeAt(n - 1) === 90 && (n === 20 || n === 24)) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    const ms = n === 24 && text.charCodeAt(19) === 46 ? digits(text, 20, 3) : n === 20 ? 0 : -1;
    if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60 && ms >= 0 && text.charCodeAt(16) === 58) {
      return new Date(dayMs(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000 + ms);
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Epoch ms of a day's start; years 0-99 too (Date.UTC takes those for 1900-1999, Date.parse does not). */
export function dayMs(year: number, month: number, day: number): number {
  if (year >= 100) return Date.UTC(year, month - 1, day);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/** Turns top-level ISO timestamp strings of a decoded JSON object into Dates, in place. */
export function reviveTimestamps<T extends Record<string, unknown>>(row: T): T {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'string' && value.length >= 20) {
      const date = parseTimestamp(value);
      if (date) (row as Record<string, unknown>)[key] = date;
    }
  }
  return row;
}

const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A CSV value: unquoted empty → null; numbers (no leading zeros, so ids like 007 stay text), true/false
 * and ISO timestamps are detected, quoted or not; everything else is text. Quoted empty ("") is ''.
 */
export function csvValue(text: string, quoted: boolean): unknown {
  if (text === '') return quoted ? '' : null;
  const first = text.charCodeAt(0);
  if ((first >= 48 && first <= 57) || first === 45) {
    if (number.test(text)) return Number(text);
    return parseTimestamp(text) ?? text;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}
