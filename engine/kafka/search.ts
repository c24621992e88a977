// Message search over a topic: every partition (or one) is read from a start to its end as it was when the
// search began, and messages are kept when they match all the filters given: key text, value text, a JSON
// path (present, or equal to a value), a header's name or value, a time range. Reading is bounded
// (`maxScan` messages in all), and the result says when the bound cut the search short, so an empty result
// never passes for "nothing there" when the topic was only partly read.
import type { Admin } from 'kafkajs';
import { EngineError } from '../errors.ts';
import type { PeekedMessage, TopicBrowser } from './browser.ts';
import type { MessageFormat } from './formats.ts';

export interface SearchRequest {
  topic: string;
  partition?: number;
  /** Epoch ms: messages at or after this time. */
  fromMs?: number;
  /** Epoch ms: messages before this time. */
  toMs?: number;
  /** Text the key contains (case-insensitive). */
  key?: string;
  /** Text the value contains (case-insensitive), in the decoded value or the raw payload. */
  text?: string;
  /** `$.customer.city`, `customer.city` or `items[0].sku`: the value must have it. */
  jsonPath?: string;
  /** With jsonPath: the value found there, written as text (`europe`, `42`, `true`), must equal this. */
  jsonValue?: string;
  /** Text a header's name or value contains (case-insensitive). */
  header?: string;
  /** Most matches returned (default 100). */
  limit?: number;
  /** Most messages read in all (default 100,000). */
  maxScan?: number;
  format?: MessageFormat;
}

export interface SearchResult {
  /** Oldest first, by time then partition and offset. */
  matches: PeekedMessage[];
  scanned: number;
  /** True when the limit or maxScan stopped the search before the end of what it was to read. */
  truncated: boolean;
}

type Segment = string | number;

/** `$.a.b[0]["c d"]` → ['a', 'b', 0, 'c d']; throws for text that is not a path. */
export function parseJsonPath(text: string): Segment[] {
  let rest = text.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const out: Segment[] = [];
  const part = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(?:"([^"]*)"|'([^']*)')\])/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (!m) throw new EngineError('ENG_HOST_REQUEST', `"${text}" is not a JSON path: expected .name, [index] or ["name"] at "${rest.slice(0, 20)}"`);
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4] ?? '')));
    rest = rest.slice(m[0].length);
  }
  if (out.length === 0) throw new EngineError('ENG_HOST_REQUEST', `"${text}" is not a JSON path: name at least one field, e.g. $.region`);
  return out;
}

function at(value: unknown, path: readonly Segment[]): unknown {
  let v = value;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[s];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}

function asText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The test a message must pass, built once per search. */
export function messageFilter(req: Omit<SearchRequest, 'topic'>): (m: PeekedMessage) => boolean {
  const key = req.key?.toLowerCase();
  const text = req.text?.toLowerCase();
  const header = req.header?.toLowerCase();
  const path = req.jsonPath === undefined || req.jsonPath.trim() === '' ? undefined : parseJsonPath(req.jsonPath);
  if (req.jsonValue !== undefined && !path) throw new EngineError('ENG_HOST_REQUEST', 'A JSON value to match needs a JSON path');
  return (m) => {
    const time = Date.parse(m.timestamp);
    if (req.fromMs !== undefined && time < req.fromMs) return false;
    if (req.toMs !== undefined && time >= req.toMs) return false;
    if (key && !(m.key ?? '').toLowerCase().includes(key)) return false;
    if (header && !Object.entries(m.headers).some(([k, v]) => k.toLowerCase().includes(header) || v.toLowerCase().includes(header))) return false;
    if (text && !(m.raw ?? '').toLowerCase().includes(text) && !(m.value !== undefined && JSON.stringify(m.value).toLowerCase().includes(text))) return false;
    if (path) {
      const found = m.value === undefined ? undefined : at(m.value, path);
      if (found === undefined) return false;
      if (req.jsonValue !== undefined && asText(found) !== req.jsonValue) return false;
    }
    return true;
  };
}

const chunk = 500;

export async function searchMessages(browser: Pick<TopicBrowser, 'peek'>, admin: Admin, req: SearchRequest): Promise<SearchResult> {
  const limit = Math.max(1, Math.min(req.limit ?? 100, 1000));
  const maxScan = Math.max(1, req.maxScan ?? 100_000);
  const keep = messageFilter(req);
  const offsets = await admin.fetchTopicOffsets(req.topic).catch((error: unknown) => {
    throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${req.topic}" could not be read: ${(error as Error).message}`);
  });
  const partitions = offsets.filter((o) => req.partition === undefined || o.partition === req.partition).sort((a, b) => a.partition - b.partition);
  if (partitions.length === 0) throw new EngineError('ENG_HOST_NOT_FOUND', `Topic "${req.topic}" has no partition ${req.partition}`);
  // Start each partition at the first message of the time range instead of reading everything before it.
  const starts = req.fromMs === undefined ? [] : await admin.fetchTopicOffsetsByTimestamp(req.topic, req.fromMs);
  const matches: PeekedMessage[] = [];
  let scanned = 0;
  let truncated = false;
  for (const p of partitions) {
    const high = Number(p.high);
    const found = Number(starts.find((s) => s.partition === p.partition)?.offset ?? p.low);
    let offset = found < 0 ? high : Math.max(Number(p.low), found);
    let kept = 0;
    while (offset < high) {
      if (scanned >= maxScan || kept >= limit) {
        truncated = true;
        break;
      }
      const batch = await browser.peek({ topic: req.topic, partition: p.partition, offset, limit: Math.min(chunk, maxScan - scanned), ...(req.format ? { format: req.format } : {}) });
      if (batch.length === 0) break;
      for (const m of batch) {
        scanned++;
        if (kept < limit && keep(m)) {
          matches.push(m);
          kept++;
        }
      }
      const last = batch[batch.length - 1] as PeekedMessage;
      // Past the time range: later offsets of this partition are (nearly always) later still.
      if (req.toMs !== undefined && Date.parse(last.timestamp) >= req.toMs) break;
      offset = last.offset + 1;
    }
  }
  matches.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.partition - b.partition || a.offset - b.offset);
  if (matches.length > limit) truncated = true;
  return { matches: matches.slice(0, limit), scanned, truncated };
}
