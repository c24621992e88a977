// Small formatting helpers shared by the Kafka screens.
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function bytes(n: number | null): string {
  if (n === null) return '—';
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function clock(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** `2026-01-01 12:00`, `2026-01-01T12:00:00Z` or a datetime-local value → epoch ms (UTC unless a zone is given). */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.NaN : ms;
}

export function headerText(headers: Record<string, string>): string {
  return Object.entries(headers).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Told by a screen that created or deleted a topic, so the sidebar shows it at once (a full listing of a big cluster takes seconds). */
export const topicsChanged = 'streamlake:kafka-topics-changed';

export interface TopicsChange {
  connection: string;
  created?: string;
  removed?: string;
}

export function announceTopics(change: TopicsChange): void {
  window.dispatchEvent(new CustomEvent<TopicsChange>(topicsChanged, { detail: change }));
}
