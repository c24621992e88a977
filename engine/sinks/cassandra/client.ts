// One place that turns a saved connection into a cassandra-driver Client, and that tells a transient
// failure (retry: the node is down, overloaded or slow) from a refusal (the statement itself is wrong).
import { auth, Client, errors, policies, types } from 'cassandra-driver';
import { DEFAULT_DATA_CENTER, type CassandraConnection } from './connections.ts';

export interface ClientTuning {
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

export function cassandraClient(c: CassandraConnection, tuning: ClientTuning = {}): Client {
  const tls = c.tls && c.tls !== 'disable'
    ? { sslOptions: { rejectUnauthorized: c.tls === 'verify-full', ...(/^[\d.]+$|:/.test(c.host) ? {} : { servername: c.host }) } }
    : {};
  return new Client({
    contactPoints: [`${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`],
    localDataCenter: c.localDataCenter ?? DEFAULT_DATA_CENTER,
    ...(c.user === undefined ? {} : { authProvider: new auth.PlainTextAuthProvider(c.user, c.password ?? '') }),
    socketOptions: { connectTimeout: tuning.connectTimeoutMs ?? 5000, readTimeout: tuning.readTimeoutMs ?? 12_000 },
    // a node that comes back is seen within a second, so the sink's own bounded retries can reach it
    policies: { reconnection: new policies.reconnection.ConstantReconnectionPolicy(1000) },
    ...tls,
  });
}

const { responseErrorCodes: codes } = types;

/** Worth another attempt: no node reachable, a timeout, too few replicas alive, overloaded or starting. */
export function isTransientCassandra(error: unknown): boolean {
  if (error instanceof errors.NoHostAvailableError || error instanceof errors.OperationTimedOutError || error instanceof errors.BusyConnectionError) return true;
  if (error instanceof errors.ResponseError) {
    return [codes.unavailableException, codes.overloaded, codes.isBootstrapping, codes.writeTimeout, codes.readTimeout, codes.writeFailure, codes.truncateError].includes(error.code);
  }
  // "Socket was closed" and the like: the connection went away under a request
  if (error instanceof errors.DriverError && !(error instanceof errors.ArgumentError || error instanceof errors.NotSupportedError || error instanceof errors.AuthenticationError)) return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code);
}

/** A refusal of a value or statement by the server (the row goes to the error port). */
export function isRefusal(error: unknown): error is errors.ResponseError {
  return error instanceof errors.ResponseError && (error.code === codes.invalid || error.code === codes.syntaxError || error.code === codes.serverError || error.code === codes.protocolError);
}

/** The server's message, without the driver's wrapping of a NoHostAvailableError. */
export function cassandraMessage(error: unknown): string {
  if (error instanceof errors.NoHostAvailableError) {
    const inner = Object.values((error.innerErrors ?? {}) as Record<string, Error>).map((e) => e?.message).filter(Boolean);
    return inner.length > 0 ? `no node answered: ${inner.join('; ')}` : error.message;
  }
  return (error as Error).message;
}

export function errorCodeText(error: unknown): string {
  return error instanceof errors.ResponseError ? `0x${error.code.toString(16).padStart(4, '0')}` : (error as Error).name;
}

/**
 * Shuts a client down, also one whose connect() failed: the driver's shutdown() returns at once for a
 * client that never finished connecting, yet that attempt may have opened host pools whose reconnect
 * timers keep retrying (and keep the process alive).
 */
export async function closeClient(client: Client): Promise<void> {
  const state = client as Client & { connected?: boolean; connecting?: boolean };
  if (!state.connected && !state.connecting && client.hosts) state.connected = true;
  await client.shutdown().catch(() => undefined);
}
