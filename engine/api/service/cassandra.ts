// The studio's Cassandra connections: list, save (the password kept when the form leaves it out), test.
// The UI only ever sees whether a password is stored.
import type { Clock } from '../../runtime/clock.ts';
import { EngineError } from '../../errors.ts';
import { checkCassandraConnection } from '../../sinks/cassandra/check.ts';
import { CassandraConnectionStore, parseCassandraConnection, type CassandraConnection } from '../../sinks/cassandra/connections.ts';
import type { CassandraConnectionInfo, CassandraConnectionInput, CassandraTestResult } from '../contract.ts';

export function cassandraInfo(c: CassandraConnection): CassandraConnectionInfo {
  return {
    name: c.name, host: c.host, port: c.port,
    ...(c.localDataCenter ? { localDataCenter: c.localDataCenter } : {}),
    ...(c.user ? { user: c.user } : {}),
    ...(c.keyspace ? { keyspace: c.keyspace } : {}),
    ...(c.tls ? { tls: c.tls } : {}),
    hasPassword: Boolean(c.password),
  };
}

export class StudioCassandraConnections {
  private readonly store: CassandraConnectionStore;

  constructor(homeDir: string, private readonly clock: Clock) {
    this.store = new CassandraConnectionStore(homeDir);
  }

  async list(): Promise<CassandraConnectionInfo[]> {
    return (await this.store.list()).map(cassandraInfo);
  }

  private async merged(input: CassandraConnectionInput): Promise<CassandraConnection> {
    const saved = await this.store.get(input.name);
    const password = input.password === undefined ? saved?.password : input.password ?? undefined;
    return parseCassandraConnection({
      name: input.name, host: input.host, port: input.port,
      ...(input.localDataCenter ? { localDataCenter: input.localDataCenter } : {}),
      ...(input.user ? { user: input.user } : {}),
      ...(input.keyspace ? { keyspace: input.keyspace } : {}),
      ...(input.tls ? { tls: input.tls } : {}),
      ...(password === undefined ? {} : { password }),
    });
  }

  async save(input: CassandraConnectionInput): Promise<CassandraConnectionInfo> {
    const connection = await this.merged(input);
    await this.store.save(connection);
    return cassandraInfo(connection);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw new EngineError('ENG_CASSANDRA_CONNECTION_UNKNOWN', `There is no Cassandra connection named "${name}"`);
  }

  async test(params: { name?: string; connection?: CassandraConnectionInput }): Promise<CassandraTestResult> {
    const started = this.clock.now();
    let connection: CassandraConnection;
    if (params.connection) connection = await this.merged(params.connection);
    else {
      const found = await this.store.get(params.name ?? '');
      if (!found) throw new EngineError('ENG_CASSANDRA_CONNECTION_UNKNOWN', `There is no Cassandra connection named "${params.name ?? ''}"`);
      connection = found;
    }
    const result = await checkCassandraConnection(connection);
    const elapsedMs = this.clock.now() - started;
    if (!result.ok) return { ok: false, failedAt: result.stage, message: result.message, elapsedMs };
    const who = result.user ? ` as ${result.user}` : '';
    const rights = result.keyspace ? ` It may create tables and write in keyspace ${result.keyspace}.` : ' No keyspace given, so the rights were not checked.';
    return { ok: true, message: `Signed in to Cassandra ${result.version}${who}.${rights}`, version: result.version, elapsedMs };
  }
}
