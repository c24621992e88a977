// The engine side of the contract: one StudioService per host process, used by the web host
// (engine/host) and the Electron main process alike. Each area lives in its own file under service/;
// this file only wires them to the StudioApi methods.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors.ts';
import { exportPipeline, parsePipelineText, validatePipeline } from '../format/pipeline.ts';
import type { PipelineDoc } from '../format/pipeline.ts';
import { systemClock, systemTimers } from '../runtime/clock.ts';
import type { Clock, Timers } from '../runtime/clock.ts';
import type { HostInfo, HostMode, StudioApi, StudioListener } from './contract.ts';
import { EventHub } from './service/events.ts';
import { PipelineFiles } from './service/files.ts';
import { MetricsHistory } from './service/history.ts';
import { RunControl } from './service/runs.ts';
import { StudioConnections } from './service/connections.ts';
import { StudioPostgresConnections } from './service/postgres.ts';
import { StudioCassandraConnections } from './service/cassandra.ts';
import { StudioClickHouseConnections } from './service/clickhouse.ts';
// sink.opensearch connections
import { StudioOpenSearchConnections } from './service/opensearch.ts';
import { LakeExplorer } from './service/lake.ts';
import { SqlWorkbench } from './service/sql.ts';
import { studioExamples } from './service/examples.ts';
import { KafkaScreens } from './service/kafka.ts';
import { PipelineTrust } from './service/trust.ts';
import { SchemaScreens } from './service/schemas.ts';
import { flinkExport, StudioFlink } from './service/flink.ts';
import { sampleNode } from './service/sample.ts';
import { FileConnectionStore } from '../kafka/connections.ts';
import type { ConnectionStore } from '../kafka/connections.ts';

export interface StudioService extends StudioApi {
  subscribe(listener: StudioListener): () => void;
  /** Prometheus text of the current or last run (host-level gauges when none has run). */
  metricsText(): string;
  /** Stops the run and releases engine resources. */
  close(): Promise<void>;
}

export interface StudioServiceOptions {
  mode: HostMode;
  lakeDir: string;
  homeDir: string;
  /** Default `<home>/pipelines`. */
  pipelinesDir?: string;
  clock?: Clock;
  timers?: Timers;
  /** Desktop: native file dialogs. Absent in browser mode. */
  pickFile?: (purpose: 'open' | 'save', defaultName?: string) => Promise<string | null>;
  /** Shown as the metrics path in HostInfo (web host: `/metrics`). */
  metricsPath?: string | null;
  /** Folder of example pipelines (default resources/examples). */
  examplesDir?: string;
  /** Where Kafka connections live: default a 0600 file under home; the desktop app passes a keychain store. */
  connections?: ConnectionStore;
}

export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function createStudioService(options: StudioServiceOptions): StudioService {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const lakeDir = resolve(options.lakeDir);
  const homeDir = resolve(options.homeDir);
  const pipelinesDir = resolve(options.pipelinesDir ?? join(homeDir, 'pipelines'));
  const events = new EventHub();
  const history = new MetricsHistory();
  const files = new PipelineFiles({ mode: options.mode, pipelinesDir, stateDir: join(homeDir, 'studio'), now: () => clock.now() });
  const connectionStore = options.connections ?? new FileConnectionStore(homeDir);
  const connections = new StudioConnections(connectionStore, clock);
  const trust = new PipelineTrust({ homeDir, lakeDir, connections: connectionStore, clock });
  const postgres = new StudioPostgresConnections(homeDir, clock);
  const clickhouseConnections = new StudioClickHouseConnections(homeDir, clock);
  const flink = new StudioFlink(homeDir, clock);
  // sink.opensearch connections
  const opensearchConnections = new StudioOpenSearchConnections(homeDir, clock);
  const cassandraConnections = new StudioCassandraConnections(homeDir, clock);
  const lake = new LakeExplorer(lakeDir, clock, events);
  const sql = new SqlWorkbench(lakeDir, clock, options.mode);
  const kafka = new KafkaScreens({ connections, clock, timers, events, lakeDir, homeDir });
  const runs = new RunControl({
    lakeDir, homeDir, clock, timers, events, history,
    groupLag: (connection, group) => kafka.groupLag(connection, group),
    deleteGroup: (connection, group) => kafka.deleteGroup(connection, group),
  });
  const schemas = new SchemaScreens(connections, (nodeId) => runs.liveRows(nodeId));
  const info: HostInfo = {
    mode: options.mode,
    version: appVersion(),
    lakeDir,
    homeDir,
    pipelinesDir,
    platform: process.platform,
    nativeDialogs: options.pickFile !== undefined,
    metricsPath: options.metricsPath ?? null,
  };

  return {
    subscribe: (listener) => events.subscribe(listener),
    metricsText: () => runs.prometheus(),
    close: async () => {
      await runs.close();
      await kafka.close();
      sql.close();
    },

    hostInfo: async () => ({ ...info }),

    examplesList: () => studioExamples(options.examplesDir),
    pipelineValidate: async ({ doc }) => {
      const result = validatePipeline(doc);
      return { ok: result.ok, problems: result.problems };
    },
    pipelineExport: async ({ doc }) => ({ text: exportPipeline(requireValid(doc)) }),
    pipelineExportFlink: ({ doc }) => flinkExport(requireValid(doc), lakeDir, connectionStore, homeDir),
    flinkSubmit: ({ doc, ...target }) => flink.submit(target, requireValid(doc), lakeDir, connectionStore),
    flinkJobStatus: ({ session, jobId, ...target }) => flink.status(target, { session, jobId }),
    flinkJobStop: ({ session, jobId, ...target }) => flink.stop(target, { session, jobId }),
    flinkConnections: () => flink.list(),
    flinkSaveConnection: ({ connection }) => flink.save(connection),
    flinkDeleteConnection: ({ name }) => flink.remove(name),
    flinkTestConnection: (params) => flink.test(params),
    pipelineImport: async ({ text }) => {
      const result = parsePipelineText(text);
      return result.ok ? { ok: true, doc: result.doc } : { ok: false, problems: result.problems };
    },
    pipelineSample: async ({ doc, nodeId, limit }) => {
      const checked = validatePipeline(doc);
      // An invalid document may still have a valid upstream part: sample from the document as sent.
      return sampleNode(checked.ok ? checked.doc : doc, nodeId, limit ?? 100, clock, timers);
    },

    fileList: () => files.list(),
    fileOpen: ({ path }) => files.open(path),
    fileSave: ({ path, doc, overwrite }) => files.save(path, doc, overwrite ?? true),
    fileDelete: ({ path }) => files.remove(path),
    filePick: async ({ purpose, defaultName }) => {
      if (!options.pickFile) throw new EngineError('ENG_HOST_UNAVAILABLE', 'Native file dialogs exist only in the desktop app; in the browser, pick a file from the pipelines folder list');
      return { path: await options.pickFile(purpose, defaultName) };
    },
    fileRecent: () => files.recent(),
    autosaveWrite: ({ doc, path }) => files.writeAutosave(doc, path),
    autosaveRead: () => files.readAutosave(),

    pipelineTrustCheck: ({ doc }) => trust.report(requireValid(doc)),
    pipelineTrust: ({ doc, hash }) => trust.trust(requireValid(doc), hash),

    runStart: async ({ doc, options: runOptions }) => {
      // An invalid document is refused by runs.start with its problems; a valid one must be trusted first.
      const valid = validatePipeline(doc);
      if (valid.ok) await trust.require(valid.doc);
      return runs.start(doc, runOptions);
    },
    runStop: () => runs.stop(),
    runReset: ({ pipelineName, doc, tables }) => runs.reset(pipelineName, doc, tables),
    runStatus: async () => runs.status(),
    runPause: async () => runs.pause(),
    runResume: async () => runs.resume(),
    runApply: ({ doc }) => runs.apply(doc),
    runMetrics: async () => runs.metrics(),
    nodePreview: async ({ nodeId, port, limit }) => runs.preview(nodeId, port, limit),
    windowExplain: async ({ nodeId }) => runs.explain(nodeId),
    deadLetters: async (params) => runs.deadLetters(params?.nodeId, params?.limit),

    lakeTables: () => lake.tables(),
    lakeTable: ({ table }) => lake.table(table),
    lakeCreateTag: ({ table, tag, snapshotId }) => lake.createTag(table, tag, snapshotId),
    lakeDeleteTag: ({ table, tag }) => lake.deleteTag(table, tag),
    lakeSetPartitionSpec: ({ table, partitionBy }) => lake.setPartitionSpec(table, partitionBy),
    lakeCreateBranch: ({ table, branch, snapshotId }) => lake.createBranch(table, branch, snapshotId),
    lakeDeleteBranch: ({ table, branch }) => lake.deleteBranch(table, branch),
    lakeFastForward: ({ table, branch, target }) => lake.fastForward(table, branch, target),
    lakeRollback: ({ table, snapshotId }) => lake.rollback(table, snapshotId),
    lakeDiff: ({ table, from, to }) => lake.diff(table, from, to),
    lakeMaintain: ({ table, action, options, jobId }) => lake.maintain(table, action, options, jobId),

    sqlRun: ({ sql: text, version, pageSize, queryId }) => sql.run(text, version, pageSize, queryId),
    sqlNext: ({ queryId }) => sql.next(queryId),
    sqlCancel: async ({ queryId }) => sql.cancel(queryId),
    sqlCatalog: () => sql.catalog(),
    sqlExport: ({ sql: text, version, format, path }) => sql.export(text, version, format, path),

    kafkaConnections: () => connections.list(),
    kafkaSaveConnection: async ({ connection }) => {
      const saved = await connections.save(connection);
      await kafka.forget(connection.name);
      return saved;
    },
    kafkaDeleteConnection: async ({ name }) => {
      await connections.remove(name);
      await kafka.forget(name);
    },
    kafkaTestConnection: (params) => connections.test(params),
    postgresConnections: () => postgres.list(),
    postgresSaveConnection: ({ connection }) => postgres.save(connection),
    postgresDeleteConnection: ({ name }) => postgres.remove(name),
    postgresTestConnection: (params) => postgres.test(params),
    clickhouseConnections: () => clickhouseConnections.list(),
    clickhouseSaveConnection: ({ connection }) => clickhouseConnections.save(connection),
    clickhouseDeleteConnection: ({ name }) => clickhouseConnections.remove(name),
    clickhouseTestConnection: (params) => clickhouseConnections.test(params),
    // sink.opensearch connections
    opensearchConnections: () => opensearchConnections.list(),
    opensearchSaveConnection: ({ connection }) => opensearchConnections.save(connection),
    opensearchDeleteConnection: ({ name }) => opensearchConnections.remove(name),
    opensearchTestConnection: (params) => opensearchConnections.test(params),
    cassandraConnections: () => cassandraConnections.list(),
    cassandraSaveConnection: ({ connection }) => cassandraConnections.save(connection),
    cassandraDeleteConnection: ({ name }) => cassandraConnections.remove(name),
    cassandraTestConnection: (params) => cassandraConnections.test(params),
    kafkaTopics: ({ connection, topics }) => kafka.track(() => kafka.topics(connection, topics)),
    kafkaCreateTopic: ({ connection, topic, partitions, replicationFactor, configs }) => kafka.track(() => kafka.createTopic(connection, topic, partitions, replicationFactor, configs)),
    kafkaDeleteTopic: ({ connection, topic }) => kafka.track(() => kafka.deleteTopic(connection, topic)),
    kafkaPeek: (params) => kafka.track(() => kafka.peek(params)),
    kafkaSearch: (params) => kafka.track(() => kafka.search(params)),
    kafkaTopicConfig: ({ connection, topic }) => kafka.track(() => kafka.topicConfig(connection, topic)),
    kafkaAlterTopicConfig: ({ connection, topic, set }) => kafka.track(() => kafka.alterTopicConfig(connection, topic, set)),
    kafkaGroups: ({ connection }) => kafka.track(() => kafka.groups(connection)),
    kafkaResetOffsets: ({ connection, groupId, to, topic, dryRun }) => kafka.track(() => kafka.resetOffsets(connection, groupId, to, topic, dryRun ?? false)),
    kafkaLagHistory: ({ connection, groupId, sinceMs }) => kafka.track(() => kafka.lagHistory(connection, groupId, sinceMs)),
    kafkaProduce: (params) => kafka.track(() => kafka.produce(params)),
    kafkaProduceGenerator: (params) => kafka.produceGenerator(params),
    schemaSubjects: ({ connection }) => schemas.subjects(connection),
    schemaVersion: ({ connection, subject, version }) => schemas.version(connection, subject, version),
    schemaCompatibility: ({ connection, subject }) => schemas.compatibility(connection, subject),
    schemaSetCompatibility: ({ connection, subject, level }) => schemas.setCompatibility(connection, subject, level),
    schemaRegister: ({ connection, subject, schemaType, schema }) => schemas.register(connection, subject, schemaType, schema),
    schemaInfer: async ({ nodeId, format, recordName }) => schemas.infer(nodeId, format, recordName),
    jobCancel: async ({ jobId }) => {
      if (!(await kafka.cancel(jobId))) throw new EngineError('ENG_HOST_NOT_FOUND', `No running job "${jobId}" (maintenance jobs cannot be cancelled)`);
    },

    metricsHistory: async (params) => history.query(params?.sinceMs, params?.names),
  };
}

function requireValid(doc: PipelineDoc): PipelineDoc {
  const result = validatePipeline(doc);
  if (result.ok) return result.doc;
  throw new EngineError('ENG_FORMAT_INVALID', `The pipeline has ${result.problems.length} problem(s); fix them first`, { problems: result.problems });
}
