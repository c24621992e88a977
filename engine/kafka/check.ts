// The connection test: walk the layers a Kafka client crosses (name → TCP → TLS → SASL → ACLs) one by
// one, so a failure names the layer in plain words instead of surfacing a generic client timeout.
import { lookup } from 'node:dns/promises';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionConfig } from './connections.ts';
import { kafkaClient, tlsOptions } from './connections.ts';
import { checkRegistry } from './registry/check.ts';

export type ConnectionStage = 'dns' | 'tcp' | 'tls' | 'auth' | 'authorization' | 'registry' | 'unknown';

export type ConnectionTestResult =
  | { ok: true; brokers: { nodeId: number; host: string; port: number }[]; topics: string[]; registry?: { url: string; subjects: number } }
  | { ok: false; stage: ConnectionStage; message: string };

const timeoutMs = 5000;

function splitBroker(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

async function checkDns(host: string): Promise<string | undefined> {
  try {
    await lookup(host);
    return undefined;
  } catch (error) {
    return `The host name "${host}" could not be resolved (${codeOf(error) || (error as Error).message}). Check the spelling, or your DNS/VPN.`;
  }
}

function checkTcp(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`No answer from ${host}:${port} within ${timeoutMs / 1000} s: a firewall may be dropping the connection, or the address is wrong.`); });
    socket.once('error', (error) => {
      const code = codeOf(error);
      resolve(code === 'ECONNREFUSED'
        ? `Nothing is listening on ${host}:${port} (connection refused). Is the broker running, and is this the right port?`
        : `Could not open a TCP connection to ${host}:${port} (${code || error.message}).`);
    });
  });
}

function checkTls(host: string, port: number, c: ConnectionConfig): Promise<string | undefined> {
  const options = tlsOptions(c);
  return new Promise((resolve) => {
    let socket: ReturnType<typeof tlsConnect>;
    try {
      socket = tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, ...options });
    } catch (error) {
      resolve(`The TLS settings could not be used: ${(error as Error).message}`);
      return;
    }
    socket.setTimeout(timeoutMs);
    socket.once('secureConnect', () => { socket.destroy(); resolve(undefined); });
    socket.once('timeout', () => { socket.destroy(); resolve(`The TLS handshake with ${host}:${port} did not finish within ${timeoutMs / 1000} s. Is this port a TLS listener?`); });
    socket.once('error', (error) => {
      socket.destroy();
      const code = codeOf(error);
      const untrusted = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED'];
      if (untrusted.includes(code)) resolve(`The broker's certificate is not signed by a CA this connection trusts (${code}). Add the cluster's CA certificate to the connection.`);
      else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') resolve(`The broker's certificate is not valid for the name "${host}" (${error.message}).`);
      else if (code === 'CERT_HAS_EXPIRED') resolve(`The broker's certificate has expired.`);
      else if (code === 'ECONNRESET' || /wrong version number|packet length/i.test(error.message)) resolve(`${host}:${port} did not speak TLS (${code || error.message}). Is this a plaintext listener?`);
      else resolve(`TLS handshake with ${host}:${port} failed: ${code ? `${code}: ` : ''}${error.message}`);
    });
  });
}

function classifyKafkaError(error: unknown): { stage: ConnectionStage; message: string } {
  const e = error as { name?: string; type?: string; message?: string; cause?: unknown; originalError?: unknown };
  const text = `${e.name ?? ''} ${e.type ?? ''} ${e.message ?? ''}`;
  const inner = e.originalError ?? e.cause;
  if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL_AUTHENTICATION_FAILED|Authentication failed|SASL .* authentication failed/i.test(text)) {
    return { stage: 'auth', message: `The broker rejected the user name or password (${e.message}).` };
  }
  if (/AUTHORIZATION_FAILED|not authorized/i.test(text)) {
    return { stage: 'authorization', message: `Signed in, but this user is not allowed to do that: ${e.message}. Ask the cluster admin for Describe/Read ACLs.` };
  }
  if (inner && inner !== error) return classifyKafkaError(inner);
  return { stage: 'unknown', message: `The Kafka client failed: ${e.message ?? String(error)}` };
}

/** Checks every layer for real and reports the first that fails. `topics`: also check access to these. */
export async function testConnection(c: ConnectionConfig, opts: { topics?: string[] } = {}): Promise<ConnectionTestResult> {
  const first = c.brokers[0];
  if (!first) return { ok: false, stage: 'unknown', message: 'The connection lists no brokers.' };
  const { host, port } = splitBroker(first);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return { ok: false, stage: 'unknown', message: `"${first}" is not host:port.` };

  const dns = await checkDns(host);
  if (dns) return { ok: false, stage: 'dns', message: dns };
  const tcp = await checkTcp(host, port);
  if (tcp) return { ok: false, stage: 'tcp', message: tcp };
  if (c.tls) {
    const tls = await checkTls(host, port, c);
    if (tls) return { ok: false, stage: 'tls', message: tls };
  }

  const admin = kafkaClient(c, { clientId: 'streamlake-connection-test', retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    if (opts.topics?.length) await admin.fetchTopicMetadata({ topics: opts.topics });
    const brokers = cluster.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }));
    // The schema registry is the last layer: its own name → TCP → TLS → credentials → API.
    if (!c.schemaRegistry) return { ok: true, brokers, topics };
    const registry = await checkRegistry(c.schemaRegistry);
    if (!registry.ok) return { ok: false, stage: 'registry', message: `Kafka is fine, but the schema registry failed (${registry.layer}): ${registry.message}` };
    return { ok: true, brokers, topics, registry: { url: registry.url, subjects: registry.subjects } };
  } catch (error) {
    return { ok: false, ...classifyKafkaError(error) };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
