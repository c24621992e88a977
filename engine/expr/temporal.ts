// Calendar arithmetic on UTC epoch milliseconds for EXTRACT, FLOOR/CEIL(ts TO unit), date_trunc and
// timestamp ± interval. Everything is UTC: rows carry UTC instants.
import type { ExtractUnit, TimeUnit } from './ast.ts';

const day = 86_400_000;
const fixedUnits: Readonly<Partial<Record<TimeUnit, number>>> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: day };

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

function utc(year: number, monthIndex: number, date: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, date);
  return d.getTime();
}

/** Start of the unit containing `ms`. Weeks start on Monday (ISO 8601, as DuckDB's date_trunc). */
export function floorTime(unit: TimeUnit, ms: number): number {
  const fixed = fixedUnits[unit];
  if (fixed !== undefined) return Math.floor(ms / fixed) * fixed;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  switch (unit) {
    case 'WEEK': {
      const dayStart = Math.floor(ms / day) * day;
      const isoDow = (d.getUTCDay() + 6) % 7;
      return dayStart - isoDow * day;
    }
    case 'MONTH':
      return utc(year, month, 1);
    case 'QUARTER':
      return utc(year, month - (month % 3), 1);
    default:
      return utc(year, 0, 1);
  }
}

/** Smallest unit boundary at or after `ms`. */
export function ceilTime(unit: TimeUnit, ms: number): number {
  const floor = floorTime(unit, ms);
  if (floor === ms) return ms;
  const fixed = fixedUnits[unit];
  if (fixed !== undefined) return floor + fixed;
  if (unit === 'WEEK') return floor + 7 * day;
  return addMonths(floor, unit === 'MONTH' ? 1 : unit === 'QUARTER' ? 3 : 12);
}

/** Adds calendar months, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const date = Math.min(d.getUTCDate(), daysInMonth(year, month));
  const out = new Date(ms);
  out.setUTCFullYear(year, month, date);
  return out.getTime();
}

function isoWeek(ms: number): { week: number; year: number } {
  // The ISO week belongs to the year of its Thursday.
  const d = new Date(Math.floor(ms / day) * day);
  const isoDow = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(d.getTime() + (3 - isoDow) * day);
  const year = thursday.getUTCFullYear();
  const firstThursdayWeekStart = utc(year, 0, 1);
  const week = Math.floor((thursday.getTime() - firstThursdayWeekStart) / (7 * day)) + 1;
  return { week, year };
}

/** EXTRACT semantics of Flink (Calcite): DOW is 1 = Sunday … 7 = Saturday, ISODOW 1 = Monday … 7 = Sunday. */
export function extractField(unit: ExtractUnit, ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  switch (unit) {
    case 'MILLENNIUM':
      return year > 0 ? Math.floor((year + 999) / 1000) : Math.ceil((year - 999) / 1000);
    case 'CENTURY':
      return year > 0 ? Math.floor((year + 99) / 100) : Math.ceil((year - 99) / 100);
    case 'DECADE':
      return Math.floor(year / 10);
    case 'YEAR':
      return year;
    case 'ISOYEAR':
      return isoWeek(ms).year;
    case 'QUARTER':
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case 'MONTH':
      return d.getUTCMonth() + 1;
    case 'WEEK':
      return isoWeek(ms).week;
    case 'DAY':
      return d.getUTCDate();
    case 'DOW':
      return d.getUTCDay() + 1;
    case 'ISODOW':
      return ((d.getUTCDay() + 6) % 7) + 1;
    case 'DOY':
      return Math.floor((floorTime('DAY', ms) - utc(year, 0, 1)) / day) + 1;
    case 'HOUR':
      return d.getUTCHours();
    case 'MINUTE':
      return d.getUTCMinutes();
    case 'SECOND':
      return d.getUTCSeconds();
    case 'MILLISECOND':
      return d.getUTCSeconds() * 1000 + d.getUTCMilliseconds();
    case 'EPOCH':
      return Math.floor(ms / 1000);
  }
}
