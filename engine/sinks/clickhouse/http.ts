// ClickHouse over its HTTP interface with fetch: no driver. Statements go in the POST body (or the
// `query` parameter when the body carries INSERT data); credentials in the X-ClickHouse-User/Key headers,
// never in the URL. Errors come back as text `Code: N, e.displayText() = …`; the code is kept.
export interface ClickHouseEndpoint {
  url: string;
  user: string;
  password?: string;
  database?: string;
}

export class ClickHouseError extends Error {
  constructor(message: string, readonly code: number | null, readonly status: number | null) {
    super(message);
    this.name = 'ClickHouseError';
  }
}

/** The server's own message without the `e.what()` tail 18.16 appends. */
export function serverMessage(text: string): { code: number | null; message: string } {
  const match = /Code: (\d+), e\.displayText\(\) = (?:DB::Exception: )?([\s\S]*?)(?:, e\.what\(\) = [\w:]+)?\s*$/.exec(text.trim());
  if (match) return { code: Number(match[1]), message: (match[2] ?? '').trim() };
  const modern = /Code: (\d+)\. DB::Exception: ([\s\S]*?)(?: \(\w+\))?(?: \(version [^)]*\))?\s*$/.exec(text.trim());
  if (modern) return { code: Number(modern[1]), message: (modern[2] ?? '').trim() };
  return { code: null, message: text.trim() };
}

export async function clickhouse(endpoint: ClickHouseEndpoint, sql: string, options: { body?: string | Buffer; settings?: Record<string, string | number>; timeoutMs?: number } = {}): Promise<string> {
  const params = new URLSearchParams();
  if (endpoint.database) params.set('database', endpoint.database);
  for (const [k, v] of Object.entries(options.settings ?? {})) params.set(k, String(v));
  if (options.body !== undefined) params.set('query', sql);
  let response: Response;
  try {
    response = await fetch(`${endpoint.url.replace(/\/+$/, '')}/?${params.toString()}`, {
      method: 'POST',
      headers: { 'X-ClickHouse-User': endpoint.user, 'X-ClickHouse-Key': endpoint.password ?? '', 'Content-Type': typeof options.body === 'object' ? 'application/octet-stream' : 'text/plain; charset=utf-8' },
      // a Buffer's memory may be a shared pool's: a copy of its own for fetch's body type
      body: typeof options.body === 'object' ? new Uint8Array(options.body) : options.body ?? sql,
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ClickHouseError(`${cause?.code ?? (error as Error).name}: ${cause?.message ?? (error as Error).message}`, null, null);
  }
  const text = await response.text();
  if (!response.ok) {
    const { code, message } = serverMessage(text);
    throw new ClickHouseError(message, code, response.status);
  }
  return text;
}

export async function clickhouseJson<R>(endpoint: ClickHouseEndpoint, sql: string): Promise<R[]> {
  const text = await clickhouse(endpoint, `${sql} FORMAT JSONEachRow`);
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as R);
}

/** Errors a later attempt may not see: no answer, a dropped connection, or the server overloaded. */
export function isTransientClickHouse(error: unknown): boolean {
  if (!(error instanceof ClickHouseError)) return false;
  if (error.status === null) return true;
  // 159 TIMEOUT_EXCEEDED, 202 TOO_MANY_SIMULTANEOUS_QUERIES, 209 SOCKET_TIMEOUT, 210 NETWORK_ERROR, 252 TOO_MANY_PARTS
  return error.status >= 502 || [159, 202, 209, 210, 252].includes(error.code ?? -1);
}
