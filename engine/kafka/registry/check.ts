// The schema registry's part of the connection test: the same layers as for the brokers (name → TCP →
// TLS → credentials), then whether the URL is a Confluent-compatible API at all, so a failure says which
// layer broke in plain words.
import { lookup } from 'node:dns/promises';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { RegistryAccess } from './client.ts';
import { RegistryClient } from './client.ts';

export type RegistryLayer = 'url' | 'dns' | 'tcp' | 'tls' | 'auth' | 'api';

export type RegistryCheck =
  | { ok: true; url: string; subjects: number }
  | { ok: false; layer: RegistryLayer; message: string };

const timeoutMs = 5000;

function pem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

function tcp(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`No answer from the schema registry at ${host}:${port} within ${timeoutMs / 1000} s.`); });
    socket.once('error', (error) => resolve(codeOf(error) === 'ECONNREFUSED'
      ? `Nothing is listening on ${host}:${port} (connection refused). Is the schema registry running, and is this its port?`
      : `Could not open a TCP connection to the schema registry at ${host}:${port} (${codeOf(error) || error.message}).`));
  });
}

function tls(host: string, port: number, access: RegistryAccess): Promise<string | undefined> {
  return new Promise((resolve) => {
    let socket: ReturnType<typeof tlsConnect>;
    try {
      socket = tlsConnect({
        host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        ca: pem(access.tls?.ca), cert: pem(access.tls?.cert), key: pem(access.tls?.key), rejectUnauthorized: access.tls?.rejectUnauthorized ?? true,
      });
    } catch (error) {
      resolve(`The schema registry's TLS settings could not be used: ${(error as Error).message}`);
      return;
    }
    socket.setTimeout(timeoutMs);
    socket.once('secureConnect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`The TLS handshake with the schema registry at ${host}:${port} did not finish within ${timeoutMs / 1000} s. Is this an https port?`); });
    socket.once('error', (error) => {
      socket.destroy();
      const code = codeOf(error);
      if (['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED'].includes(code)) {
        resolve(`The schema registry's certificate is not signed by a CA this connection trusts (${code}). Add the registry's CA certificate to the connection.`);
      } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') resolve(`The schema registry's certificate is not valid for the name "${host}".`);
      else if (code === 'ECONNRESET' || /wrong version number|packet length/i.test(error.message)) resolve(`${host}:${port} did not speak TLS (${code || error.message}). Is the URL http rather than https?`);
      else resolve(`TLS handshake with the schema registry at ${host}:${port} failed: ${code ? `${code}: ` : ''}${error.message}`);
    });
  });
}

/** Checks each layer between here and the registry's API, for real, and reports the first that fails. */
export async function checkRegistry(access: RegistryAccess): Promise<RegistryCheck> {
  let url: URL;
  try {
    url = new URL(access.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { ok: false, layer: 'url', message: `"${access.url}" is not an http:// or https:// URL.` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  try {
    await lookup(host);
  } catch (error) {
    return { ok: false, layer: 'dns', message: `The schema registry's host name "${host}" could not be resolved (${codeOf(error) || (error as Error).message}).` };
  }
  const tcpProblem = await tcp(host, port);
  if (tcpProblem) return { ok: false, layer: 'tcp', message: tcpProblem };
  if (url.protocol === 'https:') {
    const tlsProblem = await tls(host, port, access);
    if (tlsProblem) return { ok: false, layer: 'tls', message: tlsProblem };
  }
  let answer: { status: number; body: unknown };
  try {
    answer = await new RegistryClient(access).call('/subjects');
  } catch (error) {
    return { ok: false, layer: 'api', message: (error as Error).message };
  }
  if (answer.status === 401 || answer.status === 403) {
    return { ok: false, layer: 'auth', message: access.username
      ? `The schema registry rejected the user name or password (HTTP ${answer.status}).`
      : `The schema registry needs a user name and password (HTTP ${answer.status}).` };
  }
  if (answer.status !== 200 || !Array.isArray(answer.body)) {
    return { ok: false, layer: 'api', message: `${access.url} answered HTTP ${answer.status} to /subjects: not a Confluent-compatible schema registry API (for Apicurio the URL ends in /apis/ccompat/v7).` };
  }
  return { ok: true, url: access.url, subjects: answer.body.length };
}
