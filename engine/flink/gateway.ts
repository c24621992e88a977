// A client for Flink's SQL Gateway REST API (v2): submits an exported job (its statements, one by one, in
// one session), reports the job id and status, surfaces Flink's own error text, and stops a job. Pure HTTP
// through an injected fetch; responses are checked before use (the gateway is another process).
import { EngineError } from '../errors.ts';
import { systemTimers } from '../runtime/clock.ts';
import type { Timers } from '../runtime/clock.ts';

type Fetch = (url: string, init: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface GatewayOptions {
  /** Base URL, e.g. http://flink-gateway:8083 */
  endpoint: string;
  /** Sent with every request, e.g. the Authorization a proxy in front of the gateway wants. */
  headers?: Record<string, string>;
  fetch?: Fetch;
  /** Polls an operation until it ends (ms between polls, and the limit). */
  pollMs?: number;
  timeoutMs?: number;
  timers?: Timers;
}

export interface FlinkJob {
  jobId: string;
  name: string;
  status: string;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EngineError('ENG_FLINK_GATEWAY', `the gateway answered ${what} with something other than an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new EngineError('ENG_FLINK_GATEWAY', `the gateway's answer lacks ${what}`);
  return value;
}

/** Replaces `${NAME}` placeholders with values from `env`; every missing one is named. */
export function substitute(statements: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const missing = new Set<string>();
  const out = statements.map((s) => s.replace(/\$\{([A-Z0-9_]+)\}/g, (whole, name: string) => {
    const value = env[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value.replaceAll("'", "''");
  }));
  if (missing.size) throw new EngineError('ENG_FLINK_PLACEHOLDER', `set ${[...missing].join(', ')} before submitting the job`, { missing: [...missing] });
  return out;
}

export class FlinkGateway {
  private readonly base: string;
  private readonly fetch: Fetch;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly timers: Timers;
  private readonly headers: Record<string, string>;

  constructor(options: GatewayOptions) {
    if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(options.endpoint)) throw new EngineError('ENG_FLINK_GATEWAY', `not an http(s) URL: ${options.endpoint}`);
    this.base = options.endpoint.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.pollMs = options.pollMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.timers = options.timers ?? systemTimers;
    this.headers = options.headers ?? {};
  }

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let response: { status: number; text(): Promise<string> };
    try {
      response = await this.fetch(`${this.base}${path}`, { method, headers: { ...this.headers, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new EngineError('ENG_FLINK_GATEWAY', `cannot reach the Flink SQL Gateway at ${this.base}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const raw = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new EngineError('ENG_FLINK_GATEWAY', `${this.base} refused the request (HTTP ${response.status}): check the connection's token or user and password`, { status: response.status });
    }
    let parsed: unknown = {};
    try {
      parsed = raw ? JSON.parse(raw) : {};
    } catch {
      throw new EngineError('ENG_FLINK_GATEWAY', `the gateway answered ${method} ${path} with HTTP ${response.status} and no JSON`);
    }
    if (response.status >= 400) {
      const errors = Array.isArray((parsed as { errors?: unknown }).errors) ? (parsed as { errors: unknown[] }).errors.filter((e): e is string => typeof e === 'string') : [];
      // Flink puts its exception (with the cause chain) in errors[1]; the cause lines say what went wrong.
      const causes = errors.join('\n').split('\n').filter((l) => /^(Caused by: |org\.apache\.flink\.table\.api\.|[A-Za-z.]*Exception: )/.test(l.trim())).map((l) => l.trim());
      throw new EngineError('ENG_FLINK_GATEWAY', `Flink: ${(causes.at(-1) ?? errors[0] ?? `HTTP ${response.status}`).replace(/^Caused by: /, '')}`, { status: response.status, errors: causes.slice(0, 20) });
    }
    return record(parsed, `${method} ${path}`);
  }

  async version(): Promise<string> {
    return text((await this.call('GET', '/v2/info')).version, 'a version');
  }

  async openSession(properties: Record<string, string> = {}): Promise<string> {
    return text((await this.call('POST', '/v2/sessions', { properties })).sessionHandle, 'a session handle');
  }

  async closeSession(session: string): Promise<void> {
    await this.call('DELETE', `/v2/sessions/${encodeURIComponent(session)}`);
  }

  /** Runs `task` in a fresh session, closed afterwards (jobs are the cluster's, not the session's). */
  async inSession<T>(task: (session: string) => Promise<T>): Promise<T> {
    const session = await this.openSession();
    try {
      return await task(session);
    } finally {
      await this.closeSession(session).catch(() => undefined);
    }
  }

  /** Runs one statement to the end of its operation; the first page of its result. */
  async execute(session: string, statement: string): Promise<Record<string, unknown>> {
    const s = encodeURIComponent(session);
    const operation = encodeURIComponent(text((await this.call('POST', `/v2/sessions/${s}/statements`, { statement })).operationHandle, 'an operation handle'));
    const deadline = this.timeoutMs;
    for (let waited = 0; ; waited += this.pollMs) {
      const status = text((await this.call('GET', `/v2/sessions/${s}/operations/${operation}/status`)).status, 'a status');
      if (status === 'FINISHED' || status === 'ERROR') break;
      if (status === 'CANCELED' || status === 'CLOSED' || status === 'TIMEOUT') throw new EngineError('ENG_FLINK_GATEWAY', `the statement ended ${status}`);
      if (waited >= deadline) throw new EngineError('ENG_FLINK_GATEWAY', `the statement did not finish within ${deadline} ms`);
      await this.timers.sleep(this.pollMs);
    }
    // An operation in ERROR answers its result with HTTP 500 and Flink's error, which call() turns into the message.
    return this.call('GET', `/v2/sessions/${s}/operations/${operation}/result/0?rowFormat=JSON`);
  }

  /** Submits the statements of an exported job in one session; the job id of its INSERT / statement set. */
  async submit(statements: readonly string[]): Promise<{ jobId: string; session: string }> {
    const session = await this.openSession();
    let last: Record<string, unknown> = {};
    for (const statement of statements) last = await this.execute(session, statement);
    return { jobId: text(last.jobID, 'a job id (was the last statement an INSERT or a statement set?)'), session };
  }

  async jobs(session: string): Promise<FlinkJob[]> {
    const result = record((await this.execute(session, 'SHOW JOBS')).results, 'SHOW JOBS');
    const data = Array.isArray(result.data) ? result.data : [];
    return data.map((row) => {
      const fields = record(row, 'a job row').fields;
      const [jobId, name, status] = Array.isArray(fields) ? fields : [];
      return { jobId: text(jobId, 'a job id'), name: String(name ?? ''), status: text(status, 'a job status') };
    });
  }

  async status(session: string, jobId: string): Promise<string> {
    const job = (await this.jobs(session)).find((j) => j.jobId === jobId);
    if (!job) throw new EngineError('ENG_FLINK_GATEWAY', `Flink does not know job ${jobId}`);
    return job.status;
  }

  async stop(session: string, jobId: string): Promise<void> {
    if (!/^[0-9a-f]{32}$/.test(jobId)) throw new EngineError('ENG_FLINK_GATEWAY', `not a Flink job id: ${jobId}`);
    await this.execute(session, `STOP JOB '${jobId}'`);
  }
}
