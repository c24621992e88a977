// Durations in pipeline documents are text (`5s`, `1m`, `1h30m`, `250ms`) so documents stay readable.
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Milliseconds for a duration text, or an error message naming what is wrong. */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  const source = text.trim();
  if (source === '') return { ok: false, message: 'empty duration; use e.g. 5s, 1m, 1h30m, 250ms' };
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < source.length) {
    const at = part.lastIndex;
    const match = part.exec(source);
    if (!match) return { ok: false, message: `invalid duration "${text}" at character ${at}; use e.g. 5s, 1m, 1h30m, 250ms` };
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
  }
  return { ok: true, ms: Math.round(total) };
}

/** Like parseDuration, for values already validated: throws on invalid text. */
export function durationMs(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new RangeError(parsed.message);
  return parsed.ms;
}

/** Shortest text for a duration in ms (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
