// The browser-mode host: serves the renderer, the API over HTTP (`POST /api/<method>`) and over a
// WebSocket (`/ws`, calls + events), and `/metrics` in Prometheus text format. Loopback only, one random
// token per launch, Host/Origin checks on every request (security.ts explains why each one matters).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { EngineError, toErrorPayload } from '../errors.ts';
import type { ErrorCode, ErrorPayload } from '../errors.ts';
import type { ClientMessage, ServerMessage } from '../api/contract.ts';
import { dispatchCall } from '../api/dispatch.ts';
import { createStudioService } from '../api/service.ts';
import type { StudioService } from '../api/service.ts';
import { decodePath, readBody, type BodyBudget } from './body.ts';
import { openInBrowser } from './launch.ts';
import { assertLoopback, checkSite, checkToken, newToken, requestToken } from './security.ts';
import type { Verdict } from './security.ts';
import { securityHeaders, serveStatic } from './static.ts';

export interface WebHostOptions {
  /** 0 picks a free port. */
  port: number;
  /** Loopback only; anything else throws. */
  host?: string;
  /** The engine behind the API (createStudioService with mode 'browser'); closed by whoever created it. */
  service?: StudioService;
  /** Without `service`: the host creates one over these folders and closes it with itself. */
  lakeDir?: string;
  homeDir?: string;
  /** Open the printed URL in the default browser. */
  open?: boolean;
  /** Built renderer folder (default `<repo>/renderer/dist`). */
  rendererDir?: string;
  /** Fixed token (tests); default: 256 random bits per launch. */
  token?: string;
  /**
   * A second token that opens only `/metrics`, for a Prometheus scrape config that should not hold the
   * full studio token. Default: STREAMLAKE_METRICS_TOKEN, else a random one printed by `streamlake studio`.
   */
  metricsToken?: string;
  /** Largest HTTP body or WebSocket message in bytes (default 64 MiB: imported pipelines, produced messages). */
  maxPayloadBytes?: number;
  /** Bytes all HTTP bodies being read at once may hold (default 4 × maxPayloadBytes); beyond it, 503. */
  maxInFlightBytes?: number;
  /** How long an HTTP body may take to arrive (default 30 s); then 408. */
  bodyTimeoutMs?: number;
}

export interface WebHost {
  port: number;
  host: string;
  token: string;
  metricsToken: string;
  /** `http://127.0.0.1:P/?token=…`: the one URL to open. */
  url: string;
  /** `http://127.0.0.1:P/metrics`, to be called with `Authorization: Bearer <metricsToken>`. */
  metricsUrl: string;
  /** Closes sockets and the server (and the service, when the host created it). */
  close(): Promise<void>;
}

const slowClientBytes = 4 * 1024 * 1024;
const defaultRendererDir = resolve(new URL('../../renderer/dist', import.meta.url).pathname);
const iconsDir = resolve(new URL('../../resources/icons', import.meta.url).pathname);

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  const token = options.token ?? newToken();
  const metricsToken = options.metricsToken ?? process.env.STREAMLAKE_METRICS_TOKEN ?? newToken();
  const rendererDir = options.rendererDir ?? defaultRendererDir;
  const maxPayload = options.maxPayloadBytes ?? 64 * 1024 * 1024;
  const bodyLimits = { maxBytes: maxPayload, maxInFlightBytes: options.maxInFlightBytes ?? 4 * maxPayload, timeoutMs: options.bodyTimeoutMs ?? 30_000 };
  const bodyBudget: BodyBudget = { held: 0 };
  let owned: StudioService | null = null;
  if (!options.service && (options.lakeDir === undefined || options.homeDir === undefined)) {
    throw new EngineError('ENG_HOST_REQUEST', 'startWebHost needs either a service or both lakeDir and homeDir');
  }
  const service = options.service ?? (owned = createStudioService({ mode: 'browser', lakeDir: options.lakeDir ?? '', homeDir: options.homeDir ?? '', metricsPath: '/metrics' }));
  let port = options.port;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, toErrorPayload(error, 'ENG_HOST_INTERNAL'));
      else response.destroy();
    });
  });
  // Slow-loris protection: a client gets 30 s to send its headers, and bodies have their own timeout
  // (body.ts); Node's request timeout stays as a backstop behind it.
  server.headersTimeout = 30_000;
  server.requestTimeout = Math.max(60_000, bodyLimits.timeoutMs + 30_000);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = securityHeaders(port);
    const url = requestUrl(request.url, port);
    if (url === null) {
      request.resume();
      return sendError(response, 400, { code: 'ENG_HOST_REQUEST', message: 'The request target is not a valid path' }, headers);
    }
    const site = checkSite(request.headers, port);
    if (!site.ok) return refuse(response, site, headers);

    if (url.pathname === '/metrics') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(response, 405, { code: 'ENG_HOST_REQUEST', message: 'Use GET for /metrics' }, headers);
      const auth = checkToken([token, metricsToken], requestToken(request.headers, url));
      if (!auth.ok) return refuse(response, auth, headers);
      const body = service.metricsText();
      response.writeHead(200, { ...headers, 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      const auth = checkToken([token], requestToken(request.headers, url));
      if (!auth.ok) return refuse(response, auth, headers);
      if (request.method !== 'POST') return sendError(response, 405, { code: 'ENG_HOST_REQUEST', message: 'Use POST /api/<method> with a JSON body' }, headers);
      // A JSON content type cannot be sent cross-site without a CORS preflight, which we never answer.
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        return sendError(response, 415, { code: 'ENG_HOST_REQUEST', message: 'Content-Type must be application/json' }, headers);
      }
      const method = decodePath(url.pathname.slice(5));
      if (method === null) {
        request.resume();
        return sendError(response, 400, { code: 'ENG_HOST_REQUEST', message: 'The method name in the path has malformed percent-encoding' }, headers);
      }
      const body = await readBody(request, bodyLimits, bodyBudget);
      if (!body.ok) {
        // The client may still be sending; closing after the answer keeps it from reusing a half-read stream.
        return sendError(response, body.status, body.error, { ...headers, Connection: 'close' });
      }
      const text = body.text;
      let params: unknown;
      try {
        params = text.trim() === '' ? undefined : JSON.parse(text);
      } catch {
        return sendError(response, 400, { code: 'ENG_HOST_REQUEST', message: 'The request body is not valid JSON' }, headers);
      }
      const outcome = await dispatchCall(service, method, params);
      if (outcome.ok) return sendJson(response, 200, { result: outcome.result }, headers);
      return sendError(response, statusFor(outcome.error.code), outcome.error, headers);
    }

    if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(response, 405, { code: 'ENG_HOST_REQUEST', message: `${request.method ?? ''} is not allowed here` }, headers);
    let served = await serveStatic(rendererDir, url.pathname, response, headers);
    // The app icon doubles as the favicon when the renderer bundle does not ship one.
    if (!served && url.pathname === '/favicon.ico') served = await serveStatic(iconsDir, '/icon.ico', response, headers);
    if (!served) {
      const message = url.pathname === '/' || url.pathname === '/index.html'
        ? `The renderer is not built (no ${rendererDir}/index.html): run \`npm run build:renderer\` or \`streamlake studio\`, which builds it`
        : `No file at ${url.pathname}`;
      sendError(response, 404, { code: 'ENG_HOST_NOT_FOUND', message }, headers);
    }
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload });
  server.on('upgrade', (request, socket, head) => {
    const url = requestUrl(request.url, port);
    const verdict: Verdict = url?.pathname !== '/ws'
      ? { ok: false, status: 403, code: 'ENG_HOST_FORBIDDEN', message: 'WebSocket path must be /ws' }
      : ((site) => (site.ok ? checkToken([token], requestToken(request.headers, url)) : site))(checkSite(request.headers, port));
    if (!verdict.ok) {
      const body = JSON.stringify({ error: { code: verdict.code, message: verdict.message } });
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const send = (message: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    // A page that cannot keep up (background tab, slow link) skips metric ticks instead of making the
    // host buffer them without bound; the next tick carries the whole snapshot anyway.
    const unsubscribe = service.subscribe((event) => {
      if (event.type === 'metrics.tick' && ws.bufferedAmount > slowClientBytes) return;
      send({ event });
    });
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.close());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send({ id: 0, error: { code: 'ENG_HOST_REQUEST', message: 'Binary messages are not part of the protocol' } });
      let message: ClientMessage;
      try {
        message = JSON.parse(data.toString()) as ClientMessage;
      } catch {
        return send({ id: 0, error: { code: 'ENG_HOST_REQUEST', message: 'The message is not valid JSON' } });
      }
      if (typeof message !== 'object' || message === null || !Number.isSafeInteger(message.id) || typeof message.method !== 'string') {
        const id = typeof message === 'object' && message !== null && Number.isSafeInteger(message.id) ? message.id : 0;
        return send({ id, error: { code: 'ENG_HOST_REQUEST', message: 'A call is {"id": <integer>, "method": <string>, "params"?: <object>}' } });
      }
      void dispatchCall(service, message.method, message.params).then((outcome) =>
        send(outcome.ok ? { id: message.id, result: outcome.result } : { id: message.id, error: outcome.error }));
    });
    // A new page learns the run state at once instead of waiting for the next change.
    void service.runStatus().then((status) => send({ event: { type: 'run.status', status } }), () => undefined);
  }

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (error) {
    await owned?.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  const shown = host === '::1' ? '[::1]' : host;
  const base = `http://${shown}:${port}`;

  const url = `${base}/?token=${token}`;
  if (options.open) openInBrowser(url, (line) => process.stderr.write(`${line}\n`));
  return {
    port,
    host,
    token,
    metricsToken,
    url,
    metricsUrl: `${base}/metrics`,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await owned?.close();
    },
  };
}

/** The request target as a URL, or null when it cannot be one (e.g. `//` or a bare `http:`). */
function requestUrl(target: string | undefined, port: number): URL | null {
  try {
    return new URL(target ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return null;
  }
}

function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'ENG_HOST_REQUEST':
      return 400;
    case 'ENG_HOST_AUTH':
      return 401;
    case 'ENG_HOST_FORBIDDEN':
      return 403;
    case 'ENG_HOST_NOT_FOUND':
      return 404;
    case 'ENG_HOST_TIMEOUT':
      return 408;
    case 'ENG_HOST_TOO_LARGE':
      return 413;
    case 'ENG_HOST_UNAVAILABLE':
      return 501;
    case 'ENG_HOST_INTERNAL':
      return 500;
    default:
      // The call was well formed; the engine refused it (unknown table, invalid pipeline, broker down).
      return 422;
  }
}

function refuse(response: ServerResponse, verdict: Verdict & { ok: false }, headers: Record<string, string>): void {
  sendError(response, verdict.status, { code: verdict.code, message: verdict.message }, headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  // Answered before the body was read (a refusal): the rest is thrown away and the connection closed,
  // so a client cannot send its next request into the tail of an unread body.
  const unread = !response.req.complete;
  if (unread) response.req.resume();
  response.writeHead(status, { ...headers, ...(unread ? { Connection: 'close' } : {}), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store' });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, error: ErrorPayload, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error }, headers);
}
