// Whether a port answers plain HTTP: asked after a TLS handshake failed or went silent, so a connection
// test can say "this is an http:// port" instead of blaming the network. Some servers (ClickHouse) hold a
// ClientHello silently when its random bytes happen to hold a space, so the silence alone proves nothing.
import { connect as netConnect } from 'node:net';

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
