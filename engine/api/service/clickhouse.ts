// The studio's ClickHouse connections: list, save (the password kept when the form leaves it out), delete, test.
// The UI only ever sees whether a password is stored.
import type { Clock } from '../../runtime/clock.ts';
import { EngineError } from '../../errors.ts';
import { checkClickHouseConnection } from '../../sinks/clickhouse/check.ts';
import { ClickHouseConnectionStore, parseClickHouseConnection, type ClickHouseConnection } from '../../sinks/clickhouse/connections.ts';
import type { ClickHouseConnectionInfo, ClickHouseConnectionInput, ClickHouseTestResult } from '../contract.ts';

export function clickhouseInfo(c: ClickHouseConnection): ClickHouseConnectionInfo {
  return { name: c.name, url: c.url, user: c.user, ...(c.database ? { database: c.database } : {}), hasPassword: Boolean(c.password) };
}

export class StudioClickHouseConnections {
  private readonly store: ClickHouseConnectionStore;

  constructor(homeDir: string, private readonly clock: Clock) {
    this.store = new ClickHouseConnectionStore(homeDir);
  }

  async list(): Promise<ClickHouseConnectionInfo[]> {
    return (await this.store.list()).map(clickhouseInfo);
  }

  private async merged(input: ClickHouseConnectionInput): Promise<ClickHouseConnection> {
    const saved = await this.store.get(input.name);
    const password = input.password === undefined ? saved?.password : input.password ?? undefined;
    return parseClickHouseConnection({ name: input.name, url: input.url, user: input.user, ...(input.database ? { database: input.database } : {}), ...(password === undefined ? {} : { password }) });
  }

  async save(input: ClickHouseConnectionInput): Promise<ClickHouseConnectionInfo> {
    const connection = await this.merged(input);
    await this.store.save(connection);
    return clickhouseInfo(connection);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw new EngineError('ENG_CLICKHOUSE_CONNECTION_UNKNOWN', `There is no ClickHouse connection named "${name}"`);
  }

  async test(params: { name?: string; connection?: ClickHouseConnectionInput }): Promise<ClickHouseTestResult> {
    const started = this.clock.now();
    let connection: ClickHouseConnection;
    if (params.connection) connection = await this.merged(params.connection);
    else {
      const found = await this.store.get(params.name ?? '');
      if (!found) throw new EngineError('ENG_CLICKHOUSE_CONNECTION_UNKNOWN', `There is no ClickHouse connection named "${params.name ?? ''}"`);
      connection = found;
    }
    const result = await checkClickHouseConnection(connection);
    const elapsedMs = this.clock.now() - started;
    return result.ok
      ? { ok: true, message: `Signed in to ClickHouse ${result.version} as ${result.user}.`, version: result.version, elapsedMs }
      : { ok: false, failedAt: result.stage, message: result.message, elapsedMs };
  }
}
