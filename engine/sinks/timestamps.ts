// Timestamp text for the database sinks' bulk formats, built from the epoch milliseconds with table
// look-ups: Date#toISOString and getUTC* calls cost ~0.5 µs a value, a visible share of a sink's time
// per row at bulk rates (bench file-append-postgres). Outside years 1000–9999 the built-in formatting is
// used (its expanded years and signs are kept as they were).
const two = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const three = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MIN_MS = -30610224000000; // 1000-01-01T00:00:00Z
const MAX_MS = 253402300800000; // 10000-01-01T00:00:00Z

interface Parts { y: number; mo: string; d: string; h: string; mi: string; s: string; ms: string }

/** UTC calendar fields of an instant (days to civil date as in H. Hinnant's `civil_from_days`). */
function parts(ms: number): Parts {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  return { y: yoe + era * 400 + (month <= 2 ? 1 : 0), mo: two[month] as string, d: two[day] as string, h: two[h] as string, mi: two[mi] as string, s: two[s] as string, ms: three[rest - s * 1000] as string };
}

/** Exactly `date.toISOString()` (which throws on an invalid date, as this does). */
export function isoText(date: Date): string {
  const ms = date.getTime();
  if (!(ms >= MIN_MS && ms < MAX_MS)) return date.toISOString();
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}.${p.ms}Z`;
}

/** True when isoText of this instant is the plain `YYYY-MM-DDThh:mm:ss.sssZ` that writeIso writes. */
export function isoInRange(ms: number): boolean {
  return ms >= MIN_MS && ms < MAX_MS;
}

/** The date part (`YYYY-MM-DD`) of the day writeIso wrote last: events of a stream mostly share their day. */
let lastDay = Number.NaN;
const lastDate = new Uint8Array(10);

/**
 * Writes isoText of an instant in years 1000–9999 (isoInRange) as ASCII bytes at `at`, 24 of them; returns
 * the position after. No strings are built (the COPY encoder writes straight into its buffer).
 */
export function writeIso(out: Uint8Array, at: number, ms: number): number {
  const days = Math.floor(ms / 86_400_000);
  if (days !== lastDay) {
    const p = parts(days * 86_400_000);
    const y = p.y;
    lastDate[0] = 48 + Math.floor(y / 1000);
    lastDate[1] = 48 + (Math.floor(y / 100) % 10);
    lastDate[2] = 48 + (Math.floor(y / 10) % 10);
    lastDate[3] = 48 + (y % 10);
    lastDate[4] = 45; // -
    lastDate[5] = p.mo.charCodeAt(0);
    lastDate[6] = p.mo.charCodeAt(1);
    lastDate[7] = 45;
    lastDate[8] = p.d.charCodeAt(0);
    lastDate[9] = p.d.charCodeAt(1);
    lastDay = days;
  }
  for (let i = 0; i < 10; i++) out[at + i] = lastDate[i] as number;
  // within the day: integers below 2^27, so 32-bit arithmetic
  let rest = (ms - days * 86_400_000) | 0;
  const h = (rest / 3_600_000) | 0;
  rest -= h * 3_600_000;
  const mi = (rest / 60_000) | 0;
  rest -= mi * 60_000;
  const s = (rest / 1000) | 0;
  const milli = rest - s * 1000;
  out[at + 10] = 84; // T
  out[at + 11] = 48 + ((h / 10) | 0);
  out[at + 12] = 48 + (h % 10);
  out[at + 13] = 58; // :
  out[at + 14] = 48 + ((mi / 10) | 0);
  out[at + 15] = 48 + (mi % 10);
  out[at + 16] = 58;
  out[at + 17] = 48 + ((s / 10) | 0);
  out[at + 18] = 48 + (s % 10);
  out[at + 19] = 46; // .
  out[at + 20] = 48 + ((milli / 100) | 0);
  out[at + 21] = 48 + (((milli / 10) | 0) % 10);
  out[at + 22] = 48 + (milli % 10);
  out[at + 23] = 90; // Z
  return at + 24;
}

/** `YYYY-MM-DD hh:mm:ss` in UTC (whole seconds); null outside years 1000–9999 or for an invalid date. */
export function dateTimeText(date: Date): string | null {
  const ms = date.getTime();
  if (!(ms >= MIN_MS && ms < MAX_MS)) return null;
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}
