// The browser-mode transport: one WebSocket to the web host (`/ws?token=…`) carrying calls, replies and
// events. Browser-safe (the socket constructor is the global WebSocket unless one is injected, e.g. `ws`
// in Node tests). On a dropped connection it reconnects with backoff; calls already sent fail with
// ENG_HOST_DISCONNECTED (they may or may not have run, so they are never replayed), calls made while
// disconnected wait for the next connection.
import { EngineError } from '../errors.ts';
import { systemTimers } from '../runtime/clock.ts';
import type { TimerHandle, Timers } from '../runtime/clock.ts';
import { errorFromPayload } from './client.ts';
import type { ServerMessage, StudioEvent, StudioListener, StudioMethod, Transport } from './contract.ts';

/** The subset of the WHATWG WebSocket both browsers and the `ws` package implement. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsTransportOptions {
  /** Page origin or host base, e.g. `http://127.0.0.1:5173`; `ws:`/`wss:` is derived. */
  baseUrl: string;
  token: string;
  socket?: SocketFactory;
  timers?: Timers;
  /** Reconnect delays grow from this up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A call made while disconnected fails after this long without a connection (default 30 s). */
  queueTimeoutMs?: number;
  /** Called on every connection change, for a "reconnecting…" banner. */
  onConnectionChange?: (connected: boolean) => void;
}

export interface WsTransport extends Transport {
  /** Resolves once connected (or at once when already connected). */
  ready(): Promise<void>;
  connected(): boolean;
  /** Tries to connect now instead of at the next backoff step (a "Reconnect" button). */
  reconnect(): void;
  close(): void;
}

const OPEN = 1;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  method: string;
}

export function createWsTransport(options: WsTransportOptions): WsTransport {
  const timers = options.timers ?? systemTimers;
  const minDelay = options.minDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5000;
  const queueTimeout = options.queueTimeoutMs ?? 30_000;
  const url = socketUrl(options.baseUrl, options.token);
  const factory: SocketFactory = options.socket ?? ((u) => new WebSocket(u) as unknown as SocketLike);

  const listeners = new Set<StudioListener>();
  const inFlight = new Map<number, Pending>();
  let waiting: { run(): void; fail(error: EngineError): void }[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let isOpen = false;
  let closed = false;
  let delay = minDelay;
  let retry: TimerHandle | null = null;

  function connect(): void {
    if (closed) return;
    const current = factory(url);
    socket = current;
    current.addEventListener('open', () => {
      if (socket !== current) return;
      isOpen = true;
      delay = minDelay;
      options.onConnectionChange?.(true);
      const queued = waiting;
      waiting = [];
      for (const entry of queued) entry.run();
    });
    current.addEventListener('message', (event) => {
      if (socket !== current) return;
      handle(event.data);
    });
    current.addEventListener('close', () => {
      if (socket !== current) return;
      const wasOpen = isOpen;
      isOpen = false;
      socket = null;
      for (const [id, pending] of inFlight) {
        inFlight.delete(id);
        pending.reject(new EngineError('ENG_HOST_DISCONNECTED', `Lost the connection to the studio host during ${pending.method}; it may or may not have completed`));
      }
      if (wasOpen) options.onConnectionChange?.(false);
      if (closed) return;
      retry = timers.after(delay, () => {
        retry = null;
        connect();
      });
      delay = Math.min(maxDelay, delay * 2);
    });
    // 'error' is always followed by 'close', which does the work.
    current.addEventListener('error', () => {});
  }

  function handle(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if ('event' in message) {
      for (const listener of listeners) dispatch(listener, message.event);
      return;
    }
    const pending = inFlight.get(message.id);
    if (!pending) return;
    inFlight.delete(message.id);
    if ('error' in message) pending.reject(errorFromPayload(message.error));
    else pending.resolve(message.result);
  }

  function send(method: StudioMethod, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const go = (): void => {
        if (!socket || !isOpen) {
          // A host that stays away must not leave the UI waiting forever on a call.
          const entry = {
            run: () => {
              expiry.cancel();
              go();
            },
            fail: (error: EngineError) => {
              expiry.cancel();
              reject(error);
            },
          };
          const expiry = timers.after(queueTimeout, () => {
            waiting = waiting.filter((w) => w !== entry);
            reject(new EngineError('ENG_HOST_DISCONNECTED', `No connection to the studio host for ${Math.round(queueTimeout / 1000)} s; ${method} was not sent. Is \`streamlake studio\` still running?`));
          });
          waiting.push(entry);
          return;
        }
        const id = nextId++;
        inFlight.set(id, { resolve, reject, method });
        socket.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
      };
      if (closed) reject(new EngineError('ENG_HOST_DISCONNECTED', 'The connection to the studio host was closed'));
      else go();
    });
  }

  connect();

  return {
    call: send,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    ready() {
      if (isOpen) return Promise.resolve();
      return new Promise((resolve, reject) => waiting.push({ run: resolve, fail: reject }));
    },
    connected: () => isOpen,
    reconnect() {
      if (closed || socket) return;
      retry?.cancel();
      retry = null;
      delay = minDelay;
      connect();
    },
    close() {
      closed = true;
      retry?.cancel();
      const error = new EngineError('ENG_HOST_DISCONNECTED', 'The connection to the studio host was closed');
      for (const entry of waiting) entry.fail(error);
      waiting = [];
      if (socket && socket.readyState <= OPEN) socket.close(1000, 'client closed');
    },
  };
}

/** `http://h:p/…` → `ws://h:p/ws?token=…` (and https → wss). */
export function socketUrl(baseUrl: string, token: string): string {
  const url = new URL('/ws', baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  return url.toString();
}

function dispatch(listener: StudioListener, event: StudioEvent): void {
  try {
    listener(event);
  } catch (error) {
    // One broken listener must not starve the others of events.
    console.error('studio event listener failed:', error);
  }
}
