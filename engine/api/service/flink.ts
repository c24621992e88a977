// File → Export → Flink SQL: the exported script for the studio's lake, with the saved connections (the
// exporter writes brokers and user names, never a secret); the saved Flink connections (SQL Gateway
// endpoints) and submitting, watching and stopping the job through one of them.
import { EngineError } from '../../errors.ts';
import { checkFlinkConnection } from '../../flink/check.ts';
import { FlinkConnectionStore, flinkAuthHeaders, flinkConnectionFor, parseFlinkConnection } from '../../flink/connections.ts';
import type { FlinkConnection } from '../../flink/connections.ts';
import type { FlinkExport } from '../../flink/export.ts';
import { exportFromHome } from '../../flink/job.ts';
import { FlinkGateway, substitute } from '../../flink/gateway.ts';
import type { PipelineDoc } from '../../format/pipeline.ts';
import type { ConnectionStore } from '../../kafka/connections.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { FlinkConnectionInfo, FlinkConnectionInput, FlinkExportResult, FlinkJobRef, FlinkTarget, FlinkTestResult } from '../contract.ts';

function exported(doc: PipelineDoc, lakeDir: string, kafka: ConnectionStore, homeDir: string): Promise<FlinkExport> {
  return exportFromHome(doc, { lakeDir, homeDir, kafka });
}

export async function flinkExport(doc: PipelineDoc, lakeDir: string, store: ConnectionStore, homeDir: string): Promise<FlinkExportResult> {
  const out = await exported(doc, lakeDir, store, homeDir);
  return { sql: out.sql, problems: out.problems, placeholders: out.placeholders };
}

export function flinkInfo(c: FlinkConnection): FlinkConnectionInfo {
  return { name: c.name, url: c.url, ...(c.user === undefined ? {} : { user: c.user }), hasPassword: c.password !== undefined, hasToken: c.token !== undefined };
}

/** Saved Flink connections, the connection test, and the gateway calls through a saved or typed endpoint. */
export class StudioFlink {
  private readonly store: FlinkConnectionStore;

  constructor(private readonly homeDir: string, private readonly clock: Clock, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.store = new FlinkConnectionStore(homeDir, env);
  }

  async list(): Promise<FlinkConnectionInfo[]> {
    return (await this.store.list()).map(flinkInfo);
  }

  /** The input merged with the stored secret: an absent password or token keeps it, null removes it. */
  private async merged(input: FlinkConnectionInput): Promise<FlinkConnection> {
    const saved = await this.store.get(input.name);
    const keep = (typed: string | null | undefined, stored: string | undefined): string | undefined => (typed === undefined ? stored : typed ?? undefined);
    const basic = input.user !== undefined && input.user !== '';
    const password = basic ? keep(input.password, saved?.password) : undefined;
    const token = basic ? undefined : keep(input.token, saved?.token);
    return parseFlinkConnection({ name: input.name, url: input.url, ...(basic ? { user: input.user } : {}), ...(password ? { password } : {}), ...(token ? { token } : {}) });
  }

  async save(input: FlinkConnectionInput): Promise<FlinkConnectionInfo> {
    const connection = await this.merged(input);
    await this.store.save(connection);
    return flinkInfo(connection);
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.delete(name))) throw new EngineError('ENG_FLINK_CONNECTION_UNKNOWN', `There is no Flink connection named "${name}"`);
  }

  async test(params: { name?: string; connection?: FlinkConnectionInput }): Promise<FlinkTestResult> {
    const started = this.clock.now();
    const connection = params.connection ? await this.merged(params.connection) : await flinkConnectionFor(params.name ?? '', this.store);
    const result = await checkFlinkConnection(connection);
    const elapsedMs = this.clock.now() - started;
    return result.ok
      ? { ok: true, message: `${result.product} ${result.version} SQL Gateway at ${connection.url}.`, version: result.version, elapsedMs }
      : { ok: false, failedAt: result.stage, message: result.message, elapsedMs };
  }

  private async gateway(target: FlinkTarget): Promise<FlinkGateway> {
    const connection = target.connection !== undefined ? await flinkConnectionFor(target.connection, this.store) : await flinkConnectionFor(target.endpoint ?? '', this.store);
    return new FlinkGateway({ endpoint: connection.url, headers: flinkAuthHeaders(connection) });
  }

  /** Secrets come from this host's environment at submit time; they go to the gateway, never back to the UI. */
  async submit(target: FlinkTarget, doc: PipelineDoc, lakeDir: string, kafka: ConnectionStore): Promise<FlinkJobRef> {
    const out = await exported(doc, lakeDir, kafka, this.homeDir);
    const statements = substitute(out.statements, this.env);
    return (await this.gateway(target)).submit(statements);
  }

  async status(target: FlinkTarget, ref: FlinkJobRef): Promise<{ status: string }> {
    return { status: await (await this.gateway(target)).status(ref.session, ref.jobId) };
  }

  async stop(target: FlinkTarget, ref: FlinkJobRef): Promise<void> {
    await (await this.gateway(target)).stop(ref.session, ref.jobId);
  }
}
