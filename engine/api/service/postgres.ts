// The studio's PostgreSQL connections: list, save (secrets kept when the form leaves them out), delete, test.
// The UI only ever sees whether a password is stored, never the password.
import { EngineError } from '../../errors.ts';
import type { Clock } from '../../runtime/clock.ts';
import { checkPostgresConnection } from '../../sinks/postgres/check.ts';
import { parsePostgresConnection, PostgresConnectionStore, type PostgresConnection } from '../../sinks/postgres/connections.ts';
import type { PostgresConnectionInfo, PostgresConnectionInput, PostgresTestResult } from '../contract.ts';

export function postgresInfo(c: PostgresConnection): PostgresConnectionInfo {
  return { name: c.name, host: c.host, port: c.port, database: c.database, user: c.user, tls: c.tls ?? 'disable', ...(c.ca ? { ca: c.ca } : {}), hasPassword: Boolean(c.password) };
}

export class StudioPostgresConnections {
  private readonly store: PostgresConnectionStore;

  constructor(homeDir: string, private readonly clock: Clock) {
    this.store = new PostgresConnectionStore(homeDir);
  }

  async list(): Promise<PostgresConnectionInfo[]> {
    return (await this.store.list()).map(postgresInfo);
  }

  /** The input merged with the stored secret: an absent password keeps it, null removes it. */
  private async merged(input: PostgresConnectionInput): Promise<PostgresConnection> {
    const saved = await this.store.get(input.name);
    const password = input.password === undefined ? saved?.password : input.password ?? undefined;
    return parsePostgresConnection({
      name: input.name, host: input.host, port: input.port, database: input.database, user: input.user,
      ...(input.tls ? { tls: input.tls } : {}), ...(input.ca ? { ca: input.ca } : {}), ...(password === undefined ? {} : { password }),
    });
  }

  async save(input: PostgresConnectionInput): Promise<PostgresConnectionInfo> {
    const connection = await this.merged(input);
    await this.store.save(connection);
    return postgresInfo(connection);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw new EngineError('ENG_POSTGRES_CONNECTION_UNKNOWN', `There is no PostgreSQL connection named "${name}"`);
  }

  async test(params: { name?: string; connection?: PostgresConnectionInput; table?: string }): Promise<PostgresTestResult> {
    const started = this.clock.now();
    let connection: PostgresConnection;
    if (params.connection) connection = await this.merged(params.connection);
    else {
      const found = await this.store.get(params.name ?? '');
      if (!found) throw new EngineError('ENG_POSTGRES_CONNECTION_UNKNOWN', `There is no PostgreSQL connection named "${params.name ?? ''}"`);
      connection = found;
    }
    const result = await checkPostgresConnection(connection, params.table ? { table: params.table } : {});
    const elapsedMs = this.clock.now() - started;
    return result.ok
      ? { ok: true, message: `Signed in to ${result.server.split(' on ')[0] ?? result.server} as ${result.user}, database ${result.database}.`, server: result.server, elapsedMs }
      : { ok: false, failedAt: result.stage, message: result.message, elapsedMs };
  }
}
