// Query history, newest first, kept in the browser's storage so it survives reloads and restarts. Storage
// is an injected interface so tests need no browser, and bad stored data is dropped, never trusted.
export interface HistoryEntry {
  sql: string;
  at: number;
  /** Rows shown, or the error's first line. */
  outcome: string;
  ok: boolean;
}

export interface TextStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const key = 'streamlake.sql.history';
export const historyLimit = 200;

function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.sql === 'string' && typeof v.at === 'number' && typeof v.outcome === 'string' && typeof v.ok === 'boolean';
}

export function readHistory(storage: TextStorage): HistoryEntry[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isEntry).slice(0, historyLimit) : [];
  } catch {
    return [];
  }
}

/** Adds a run at the top; running the same text again moves it up instead of repeating it. */
export function addHistory(storage: TextStorage, entry: HistoryEntry): HistoryEntry[] {
  const text = entry.sql.trim();
  const next = [{ ...entry, sql: text }, ...readHistory(storage).filter((e) => e.sql.trim() !== text)].slice(0, historyLimit);
  try {
    storage.setItem(key, JSON.stringify(next));
  } catch {
    // A full or unavailable storage loses history, not the query.
  }
  return next;
}
