// The network layers every connection test walks before it speaks the server's protocol (the sinks'
// check.ts files and engine/flink/check.ts): where a URL points, whether its name resolves, whether a TCP
// connection opens, and whether a port that failed TLS answers plain HTTP. Each answers a problem in plain
// words, or undefined when the layer is fine; the caller names the stage.
import { lookup } from 'node:dns/promises';
import { connect as netConnect } from 'node:net';

export interface UrlTarget {
  host: string;
  port: number;
  tls: boolean;
}

/** Host (IPv6 brackets removed), port (the scheme's default when none is given) and whether it is https. */
export function urlTarget(url: string, defaults: { http: number; https: number }): UrlTarget {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'https:';
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : tls ? defaults.https : defaults.http, tls };
}

export async function dnsProblem(host: string): Promise<string | undefined> {
  try {
    await lookup(host);
    return undefined;
  } catch (error) {
    return `The host name "${host}" could not be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the spelling, or your DNS/VPN.`;
  }
}

/** `refusedHint` follows "(connection refused)." and says which server and port were expected. */
export function tcpProblem(host: string, port: number, timeoutMs: number, refusedHint: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`No answer from ${host}:${port} within ${timeoutMs / 1000} s: a firewall may be dropping the connection, or the address is wrong.`); });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'
      ? `Nothing is listening on ${host}:${port} (connection refused). ${refusedHint}`
      : `Could not open a TCP connection to ${host}:${port} (${error.code ?? error.message}).`));
  });
}

// Whether a port answers plain HTTP: asked after a TLS handshake failed or went silent, so a connection
// test can say "this is an http:// port" instead of blaming the network. Some servers (ClickHouse) hold a
// ClientHello silently when its random bytes happen to hold a space, so the silence alone proves nothing.

export function speaksPlainHttp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let head = '';
    const done = (plain: boolean): void => { socket.destroy(); resolve(plain); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => { head += chunk.toString('latin1'); if (head.length >= 5) done(head.startsWith('HTTP/')); });
    socket.once('error', () => done(false));
    socket.once('end', () => done(head.startsWith('HTTP/')));
  });
}
