// Event time of a row, in epoch ms. Values may be a Date, an epoch-ms number or an ISO/SQL timestamp
// string. Strings in the canonical `YYYY-MM-DDTHH:MM:SS[.fff]Z` shape take a fast path (the day part is
// cached, the clock part read digit by digit) because per-event Date.parse is a visible cost at 1 M
// events/s; anything else goes through the expression language's strict parser, so both agree.
import { parseTimestamp } from '../expr/values.ts';

let cachedDay = '';
let cachedDayMs = 0;

/** Epoch ms of a time value, or NaN when it is missing or cannot be read as a timestamp. */
export function eventTimeMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'string') return parseText(value);
  return Number.NaN;
}

function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

function parseText(text: string): number {
  const n = text.length;
  if (n >= 20 && n <= 24 && text.charCodeAt(n - 1) === 90 /* Z */ && text.charCodeAt(10) === 84 /* T */
    && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58) {
    const day = text.slice(0, 10);
    if (day !== cachedDay) {
      const ms = parseTimestamp(day);
      if (ms === null) return slow(text);
      cachedDay = day;
      cachedDayMs = ms;
    }
    const hh = digit(text, 11) * 10 + digit(text, 12);
    const mm = digit(text, 14) * 10 + digit(text, 15);
    const ss = digit(text, 17) * 10 + digit(text, 18);
    let frac = 0;
    if (n > 20) {
      if (text.charCodeAt(19) !== 46 /* . */) return slow(text);
      let scale = 100;
      for (let i = 20; i < n - 1; i++) {
        frac += digit(text, i) * scale;
        scale /= 10;
      }
    } else if (n !== 20) {
      return slow(text);
    }
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || frac < 0) return slow(text);
    return cachedDayMs + hh * 3_600_000 + mm * 60_000 + ss * 1000 + frac;
  }
  return slow(text);
}

function slow(text: string): number {
  return parseTimestamp(text) ?? Number.NaN;
}
