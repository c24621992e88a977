// Serves the built renderer (renderer/dist) with a strict Content-Security-Policy. The bundle is public
// code, so static files need no token; Host/Origin checks still apply (server.ts).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Scripts only from our origin, no eval, no inline scripts; inline styles are allowed because React
 * Flow and recharts position elements with style attributes. Connections only back to this host.
 */
export function contentSecurityPolicy(port: number): string {
  // CSP cannot name an IPv6 literal; a page opened on [::1] still reaches its socket through 'self'.
  const self = [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${self}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** Sends a file of `root` for a URL path; unknown paths without an extension get index.html (client routes). */
export async function serveStatic(root: string, pathname: string, response: ServerResponse, headers: Record<string, string>): Promise<boolean> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (decoded.includes('\0')) return false;
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  let file = join(root, relative);
  // normalize() resolved every `..`; anything that still leaves root is refused.
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info && extname(relative) === '') {
    file = join(root, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return false;
  const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names assets by content hash, so they may be cached; index.html must always be fresh.
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store';
  response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(info.size), 'Cache-Control': cache });
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    response.on('close', resolve);
    stream.pipe(response);
  });
  return true;
}
