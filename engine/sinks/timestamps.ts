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

/** `YYYY-MM-DD hh:mm:ss` in UTC (whole seconds); null outside years 1000–9999 or for an invalid date. */
export function dateTimeText(date: Date): string | null {
  const ms = date.getTime();
  if (!(ms >= MIN_MS && ms < MAX_MS)) return null;
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}
