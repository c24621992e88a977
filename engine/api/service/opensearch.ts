// The studio's OpenSearch connections: list, save (the password kept when the form leaves it out), delete,
// test. The UI only ever sees whether a password is stored.
import type { Clock } from '../../runtime/clock.ts';
import { EngineError } from '../../errors.ts';
import { checkOpenSearchConnection } from '../../sinks/opensearch/check.ts';
import { OpenSearchConnectionStore, parseOpenSearchConnection, type OpenSearchConnection } from '../../sinks/opensearch/connections.ts';
import type { OpenSearchConnectionInfo, OpenSearchConnectionInput, OpenSearchTestResult } from '../contract.ts';

export function opensearchInfo(c: OpenSearchConnection): OpenSearchConnectionInfo {
  return { name: c.name, url: c.url, ...(c.user ? { user: c.user } : {}), ...(c.tlsInsecure ? { tlsInsecure: true } : {}), hasPassword: Boolean(c.password) };
}

export class StudioOpenSearchConnections {
  private readonly store: OpenSearchConnectionStore;

  constructor(homeDir: string, private readonly clock: Clock) {
    this.store = new OpenSearchConnectionStore(homeDir);
  }

  async list(): Promise<OpenSearchConnectionInfo[]> {
    return (await this.store.list()).map(opensearchInfo);
  }

  private async merged(input: OpenSearchConnectionInput): Promise<OpenSearchConnection> {
    const saved = await this.store.get(input.name);
    const password = input.password === undefined ? saved?.password : input.password ?? undefined;
    return parseOpenSearchConnection({
      name: input.name, url: input.url,
      ...(input.user ? { user: input.user } : {}),
      ...(input.tlsInsecure ? { tlsInsecure: true } : {}),
      ...(password === undefined ? {} : { password }),
    });
  }

  async save(input: OpenSearchConnectionInput): Promise<OpenSearchConnectionInfo> {
    const connection = await this.merged(input);
    await this.store.save(connection);
    return opensearchInfo(connection);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.remove(name))) throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `There is no OpenSearch connection named "${name}"`);
  }

  async test(params: { name?: string; connection?: OpenSearchConnectionInput }): Promise<OpenSearchTestResult> {
    const started = this.clock.now();
    let connection: OpenSearchConnection;
    if (params.connection) connection = await this.merged(params.connection);
    else {
      const found = await this.store.get(params.name ?? '');
      if (!found) throw new EngineError('ENG_OPENSEARCH_CONNECTION_UNKNOWN', `There is no OpenSearch connection named "${params.name ?? ''}"`);
      connection = found;
    }
    const result = await checkOpenSearchConnection(connection);
    const elapsedMs = this.clock.now() - started;
    return result.ok
      ? { ok: true, message: `Connected to ${result.distribution === 'opensearch' ? 'OpenSearch' : result.distribution} ${result.version}${result.user ? ` as ${result.user}` : ''}; it lets this connection create indices.`, version: result.version, elapsedMs }
      : { ok: false, failedAt: result.stage, message: result.message, elapsedMs };
  }
}
