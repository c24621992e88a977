// Numbers on the Metrics charts in human units: durations as "4 min 12 s" or "339 d 8 h", counts with
// k/M, event times as UTC clock text.

/** A duration in milliseconds in the two largest units that matter: 850 ms, 12.4 s, 4 min 12 s, 3 h 5 min, 339 d 8 h. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  const s = Math.floor(a / 1000);
  if (a < 3_600_000) return `${sign}${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (a < 86_400_000) return `${sign}${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  return `${sign}${d.toLocaleString('en-US')} d${h ? ` ${h} h` : ''}`;
}

/** An axis tick for a duration: one unit, rounded (850 ms, 12 s, 4 min, 3 h, 347 d). */
export function durationTick(ms: number): string {
  const a = Math.abs(ms);
  const [unit, size] = a < 1000 ? ['ms', 1] : a < 60_000 ? ['s', 1000] : a < 3_600_000 ? ['min', 60_000] : a < 86_400_000 ? ['h', 3_600_000] : ['d', 86_400_000];
  return `${Math.round(ms / (size as number)).toLocaleString('en-US')} ${unit as string}`;
}

/** Short axis tick for a count or rate: 950, 12.5k, 3.2M. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** An epoch-ms instant as UTC text: `2026-01-01 00:12:03`. */
export function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function clockTick(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
