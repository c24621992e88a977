// Reading an index back for tests and benchmarks with plain REST calls (fetch), independent of the
// sink's client: every document through a scroll, after a refresh unless asked not to.
import { createHash } from 'node:crypto';

/** An append's positional id as engine/sinks/README.md documents it, written out here for tests. */
export function shortPositionId(pipeline: string, node: string, checkpoint: number, position: number): string {
  const tag = createHash('sha256').update(JSON.stringify([pipeline, node])).digest('base64url').slice(0, 12);
  return `${tag}.${checkpoint.toString(36)}.${position.toString(36)}`;
}

export async function rest<T = unknown>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export interface Hit {
  _id: string;
  _source: Record<string, unknown>;
}

export async function allDocs(url: string, index: string, options: { refresh?: boolean } = {}): Promise<Hit[]> {
  if (options.refresh !== false) await rest(url, 'POST', `/${index}/_refresh`);
  const out: Hit[] = [];
  let page = await rest<{ _scroll_id: string; hits: { hits: Hit[] } }>(url, 'POST', `/${index}/_search?scroll=1m`, { size: 5000, sort: ['_doc'], query: { match_all: {} } });
  while (page.hits.hits.length > 0) {
    out.push(...page.hits.hits);
    page = await rest(url, 'POST', '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
  }
  await rest(url, 'DELETE', '/_search/scroll', { scroll_id: page._scroll_id }).catch(() => undefined);
  return out;
}
