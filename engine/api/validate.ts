// Runtime validation of every method's params where they enter a host (WebSocket, HTTP, Electron IPC).
// The table is typed against the contract: a validator whose output does not fit the method's params, or a
// missing method, is a compile error.
import type { PipelineDoc } from '../format/pipeline.ts';
import { EngineError } from '../errors.ts';
import { isStudioMethod } from './contract.ts';
import type { CassandraConnectionInput, ClickHouseConnectionInput, FlinkConnectionInput, FlinkTarget, KafkaConnectionInput, KafkaPeekFrom, OpenSearchConnectionInput, PostgresConnectionInput, ParamsOf, QueryVersion, RunOptions, StudioMethod } from './contract.ts';
import { array, boolean, custom, isPlainObject, literal, nullable, number, object, optional, record, string, union } from './schema.ts';
import type { Validator } from './schema.ts';

const name = string({ min: 1, max: 200 });
const nodeId = string({ min: 1, max: 200 });
const tableName = string({ min: 1, max: 200, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, patternName: 'a table name (letters, digits, _ . -; not starting with . or -)' });
const refName = string({ min: 1, max: 200, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/, patternName: 'a ref name (letters, digits, _ . -)' });
// Decimal text: ids are 64-bit (up to 2^63-1), beyond what a JSON number carries exactly.
const snapshotId = custom<string>('a snapshot id (decimal digits, at most 9223372036854775807)', (value) =>
  typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= 9223372036854775807n);
const filePath = string({ min: 1, max: 4096 });
const flinkEndpoint = string({ min: 1, max: 2000, pattern: /^https?:\/\/\S+$/, patternName: 'an http(s) URL' });
const flinkSession = string({ min: 1, max: 200 });
const flinkJobId = string({ min: 1, max: 64 });
const jobId = string({ min: 1, max: 100 });
const epochMs = number({ min: 0 });
const port = literal('out', 'error', 'late');
const limit = number({ integer: true, min: 1, max: 10_000 });
const pageSize = number({ integer: true, min: 1, max: 100_000 });
const queryId = string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, patternName: 'a query id (letters, digits, _ and -, at most 64)' });

/** Only the envelope is checked here; the engine's pipeline validator reports every problem with its path. */
const pipelineDoc = custom<PipelineDoc>('a pipeline document (an object with "nodes" and "edges" arrays)', (value) =>
  isPlainObject(value) && Array.isArray(value.nodes) && Array.isArray(value.edges));

const noParams = custom<undefined>('absent (this method takes no params)', (value) =>
  value === undefined || value === null || (isPlainObject(value) && Object.keys(value).length === 0));

const queryVersion: Validator<QueryVersion> = (() => {
  const shape = object({ snapshot: optional(snapshotId), tag: optional(refName), branch: optional(refName), asOf: optional(epochMs) });
  return {
    check(value: unknown, path: string): QueryVersion {
      const version = shape.check(value, path);
      const set = Object.keys(version);
      if (set.length > 1) throw new EngineError('ENG_HOST_REQUEST', `${path} must name at most one of snapshot, tag, branch, asOf (got ${set.join(' and ')})`, { path });
      return version;
    },
  };
})();

const runOptions: Validator<RunOptions> = object({ maxEvents: optional(number({ integer: true, min: 1 })), fresh: optional(boolean()) });

const connectionInput: Validator<KafkaConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  brokers: array(string({ min: 1, max: 300, pattern: /^[^\s:]+:\d{1,5}$/, patternName: 'host:port' }), { max: 100 }),
  security: literal('plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'),
  saslMechanism: optional(literal('plain', 'scram-sha-256', 'scram-sha-512')),
  username: optional(string({ max: 1000 })),
  password: optional(nullable(string({ max: 10_000 }))),
  ca: optional(string({ max: 1_000_000 })),
  clientCert: optional(string({ max: 1_000_000 })),
  clientKey: optional(nullable(string({ max: 1_000_000 }))),
  schemaRegistryUrl: optional(string({ max: 2000, pattern: /^https?:\/\//, patternName: 'an http(s) URL' })),
  schemaRegistryUsername: optional(string({ max: 1000 })),
  schemaRegistryPassword: optional(nullable(string({ max: 10_000 }))),
  schemaRegistryCa: optional(string({ max: 1_000_000 })),
});

const subject = string({ min: 1, max: 1000 });
const compatibilityLevel = literal('NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE');

/** A connection test's params: a saved connection by `name`, or one as typed in the form, never both. */
function savedOrTyped<T extends { name?: unknown; connection?: unknown }>(shape: Validator<T>): Validator<T> {
  return {
    check(value: unknown, path: string) {
      const params = shape.check(value, path);
      if ((params.name === undefined) === (params.connection === undefined)) {
        throw new EngineError('ENG_HOST_REQUEST', `${path} must have exactly one of "name" (a saved connection) or "connection" (an unsaved one)`, { path });
      }
      return params;
    },
  };
}

const postgresConnectionInput: Validator<PostgresConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  host: string({ min: 1, max: 300, pattern: /^\S+$/, patternName: 'a host name or address' }),
  port: number({ integer: true, min: 1, max: 65535 }),
  database: string({ min: 1, max: 200 }),
  user: string({ min: 1, max: 200 }),
  tls: optional(literal('disable', 'require', 'verify-full')),
  ca: optional(string({ max: 1_000_000 })),
  password: optional(nullable(string({ max: 10_000 }))),
});

const clickhouseConnectionInput: Validator<ClickHouseConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  url: string({ min: 1, max: 300, pattern: /^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/, patternName: 'http(s)://host:port' }),
  user: string({ min: 1, max: 200 }),
  database: optional(string({ min: 1, max: 200, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternName: 'a database name' })),
  password: optional(nullable(string({ max: 10_000 }))),
});

const flinkConnectionInput: Validator<FlinkConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  url: string({ min: 1, max: 2000, pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, patternName: 'http(s)://host:port of the SQL Gateway' }),
  user: optional(string({ max: 200 })),
  password: optional(nullable(string({ max: 10_000 }))),
  token: optional(nullable(string({ max: 10_000 }))),
});

/** A gateway call's target: a saved Flink connection by name or a typed URL, never both. */
function flinkTarget<T extends FlinkTarget>(shape: Validator<T>): Validator<T> {
  return {
    check(value: unknown, path: string) {
      const params = shape.check(value, path);
      if ((params.connection === undefined) === (params.endpoint === undefined)) {
        throw new EngineError('ENG_HOST_REQUEST', `${path} must have exactly one of "connection" (a saved Flink connection) or "endpoint" (a SQL Gateway URL)`, { path });
      }
      return params;
    },
  };
}

// sink.opensearch connections
const opensearchConnectionInput: Validator<OpenSearchConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  url: string({ min: 1, max: 300, pattern: /^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/, patternName: 'http(s)://host:port' }),
  user: optional(string({ min: 1, max: 200 })),
  tlsInsecure: optional(boolean()),
  password: optional(nullable(string({ max: 10_000 }))),
});

const cassandraConnectionInput: Validator<CassandraConnectionInput> = object({
  name: string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternName: 'a connection name (letters, digits, _ . -, starting with a letter or digit)' }),
  host: string({ min: 1, max: 300, pattern: /^\S+$/, patternName: 'a host name or address' }),
  port: number({ integer: true, min: 1, max: 65535 }),
  localDataCenter: optional(string({ min: 1, max: 200 })),
  user: optional(string({ min: 1, max: 200 })),
  keyspace: optional(string({ min: 1, max: 48, pattern: /^[A-Za-z0-9_]+$/, patternName: 'a keyspace name (letters, digits, _)' })),
  tls: optional(literal('disable', 'require', 'verify-full')),
  password: optional(nullable(string({ max: 10_000 }))),
});

const peekFrom: Validator<KafkaPeekFrom> = union('"earliest", "latest", {offset} or {timestamp}',
  literal('earliest', 'latest'),
  object({ offset: number({ integer: true, min: 0 }) }),
  object({ timestamp: epochMs }));

type ValidatorTable = { [M in StudioMethod]: Validator<ParamsOf<M>> };

const validators: ValidatorTable = {
  hostInfo: noParams,
  examplesList: noParams,
  pipelineValidate: object({ doc: custom<unknown>('a value', () => true) }),
  pipelineExport: object({ doc: pipelineDoc }),
  pipelineTrustCheck: object({ doc: pipelineDoc }),
  pipelineTrust: object({ doc: pipelineDoc, hash: string({ min: 64, max: 64 }) }),
  pipelineImport: object({ text: string({ max: 50_000_000 }) }),
  pipelineExportFlink: object({ doc: pipelineDoc }),
  flinkSubmit: flinkTarget(object({ connection: optional(name), endpoint: optional(flinkEndpoint), doc: pipelineDoc })),
  flinkJobStatus: flinkTarget(object({ connection: optional(name), endpoint: optional(flinkEndpoint), session: flinkSession, jobId: flinkJobId })),
  flinkJobStop: flinkTarget(object({ connection: optional(name), endpoint: optional(flinkEndpoint), session: flinkSession, jobId: flinkJobId })),
  flinkConnections: noParams,
  flinkSaveConnection: object({ connection: flinkConnectionInput }),
  flinkDeleteConnection: object({ name }),
  flinkTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(flinkConnectionInput) })),
  pipelineSample: object({ doc: pipelineDoc, nodeId, limit: optional(number({ integer: true, min: 1, max: 500 })) }),
  fileList: noParams,
  fileOpen: object({ path: filePath }),
  fileSave: object({ path: filePath, doc: pipelineDoc, overwrite: optional(boolean()) }),
  fileDelete: object({ path: filePath }),
  filePick: object({ purpose: literal('open', 'save'), defaultName: optional(string({ max: 255 })) }),
  fileRecent: noParams,
  autosaveWrite: object({ doc: pipelineDoc, path: nullable(filePath) }),
  autosaveRead: noParams,
  runStart: object({ doc: pipelineDoc, options: optional(runOptions) }),
  runStop: noParams,
  runReset: (() => {
    const shape = object({ pipelineName: name, doc: optional(pipelineDoc), tables: optional(literal('replace', 'append')) });
    return {
      check(value: unknown, path: string) {
        const params = shape.check(value, path);
        if (params.tables !== undefined && params.doc === undefined) {
          throw new EngineError('ENG_HOST_REQUEST', `${path}.tables needs ${path}.doc: the pipeline says which tables it writes`, { path });
        }
        return params;
      },
    };
  })(),
  runStatus: noParams,
  runPause: noParams,
  runResume: noParams,
  runApply: object({ doc: pipelineDoc }),
  runMetrics: noParams,
  nodePreview: object({ nodeId, port: optional(port), limit: optional(limit) }),
  windowExplain: object({ nodeId }),
  deadLetters: optional(object({ nodeId: optional(nodeId), limit: optional(limit) })),
  lakeTables: noParams,
  lakeTable: object({ table: tableName }),
  lakeCreateTag: object({ table: tableName, tag: refName, snapshotId: optional(snapshotId) }),
  lakeDeleteTag: object({ table: tableName, tag: refName }),
  lakeSetPartitionSpec: object({ table: tableName, partitionBy: array(string({ min: 1, max: 200 }), { max: 100 }) }),
  lakeCreateBranch: object({ table: tableName, branch: refName, snapshotId: optional(snapshotId) }),
  lakeDeleteBranch: object({ table: tableName, branch: refName }),
  lakeFastForward: object({ table: tableName, branch: refName, target: optional(refName) }),
  lakeRollback: object({ table: tableName, snapshotId }),
  lakeDiff: object({ table: tableName, from: snapshotId, to: snapshotId }),
  lakeMaintain: object({
    table: tableName,
    action: literal('compact', 'expire', 'clean'),
    options: optional(object({
      targetFileSizeBytes: optional(number({ integer: true, min: 1024 })),
      olderThan: optional(string({ min: 1, max: 50 })),
      retainLast: optional(number({ integer: true, min: 1 })),
      orphanOlderThan: optional(string({ min: 1, max: 50 })),
      force: optional(boolean()),
    })),
    jobId: optional(jobId),
  }),
  sqlRun: object({ sql: string({ min: 1, max: 1_000_000 }), version: optional(queryVersion), pageSize: optional(pageSize), queryId: optional(queryId) }),
  sqlNext: object({ queryId: string({ min: 1, max: 100 }) }),
  sqlCancel: object({ queryId: string({ min: 1, max: 100 }) }),
  sqlCatalog: noParams,
  sqlExport: object({ sql: string({ min: 1, max: 1_000_000 }), version: optional(queryVersion), format: literal('csv', 'json'), path: optional(filePath) }),
  kafkaConnections: noParams,
  kafkaSaveConnection: object({ connection: connectionInput }),
  kafkaDeleteConnection: object({ name }),
  kafkaTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(connectionInput) })),
  postgresConnections: noParams,
  postgresSaveConnection: object({ connection: postgresConnectionInput }),
  postgresDeleteConnection: object({ name }),
  postgresTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(postgresConnectionInput), table: optional(string({ min: 1, max: 200 })) })),
  clickhouseConnections: noParams,
  clickhouseSaveConnection: object({ connection: clickhouseConnectionInput }),
  clickhouseDeleteConnection: object({ name }),
  clickhouseTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(clickhouseConnectionInput) })),
  // sink.opensearch connections
  opensearchConnections: noParams,
  opensearchSaveConnection: object({ connection: opensearchConnectionInput }),
  opensearchDeleteConnection: object({ name }),
  opensearchTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(opensearchConnectionInput) })),
  cassandraConnections: noParams,
  cassandraSaveConnection: object({ connection: cassandraConnectionInput }),
  cassandraDeleteConnection: object({ name }),
  cassandraTestConnection: savedOrTyped(object({ name: optional(name), connection: optional(cassandraConnectionInput) })),
  kafkaTopics: object({ connection: name, topics: optional(array(string({ min: 1, max: 249 }), { max: 1000 })) }),
  kafkaCreateTopic: object({
    connection: name,
    topic: string({ min: 1, max: 249, pattern: /^[A-Za-z0-9._-]+$/, patternName: 'a topic name (letters, digits, . _ -)' }),
    partitions: optional(number({ integer: true, min: 1, max: 10_000 })),
    replicationFactor: optional(number({ integer: true, min: 1, max: 100 })),
    configs: optional(record(string({ max: 10_000 }))),
  }),
  kafkaDeleteTopic: object({ connection: name, topic: string({ min: 1, max: 249 }) }),
  kafkaPeek: object({
    connection: name,
    topic: string({ min: 1, max: 249 }),
    partition: optional(number({ integer: true, min: 0 })),
    from: optional(peekFrom),
    limit: optional(number({ integer: true, min: 1, max: 1000 })),
    format: optional(literal('auto', 'json', 'avro', 'protobuf', 'json-schema', 'string', 'bytes')),
  }),
  kafkaSearch: object({
    connection: name,
    topic: string({ min: 1, max: 249 }),
    partition: optional(number({ integer: true, min: 0 })),
    fromMs: optional(epochMs),
    toMs: optional(epochMs),
    key: optional(string({ max: 10_000 })),
    text: optional(string({ max: 10_000 })),
    jsonPath: optional(string({ max: 1000 })),
    jsonValue: optional(string({ max: 10_000 })),
    header: optional(string({ max: 10_000 })),
    limit: optional(number({ integer: true, min: 1, max: 1000 })),
    maxScan: optional(number({ integer: true, min: 1, max: 10_000_000 })),
    format: optional(literal('auto', 'json', 'avro', 'string', 'bytes')),
  }),
  kafkaTopicConfig: object({ connection: name, topic: string({ min: 1, max: 249 }) }),
  kafkaAlterTopicConfig: object({ connection: name, topic: string({ min: 1, max: 249 }), set: record(nullable(string({ max: 100_000 }))) }),
  kafkaGroups: object({ connection: name }),
  kafkaResetOffsets: object({
    connection: name,
    groupId: string({ min: 1, max: 1000 }),
    to: union('"earliest", "latest" or {timestamp}', literal('earliest', 'latest'), object({ timestamp: epochMs })),
    topic: optional(string({ min: 1, max: 249 })),
    dryRun: optional(boolean()),
  }),
  kafkaLagHistory: object({ connection: name, groupId: string({ min: 1, max: 1000 }), sinceMs: optional(epochMs) }),
  kafkaProduce: object({
    connection: name,
    topic: string({ min: 1, max: 249 }),
    key: optional(nullable(string({ max: 1_000_000 }))),
    value: nullable(string({ max: 10_000_000 })),
    headers: optional(record(string({ max: 100_000 }))),
    partition: optional(number({ integer: true, min: 0 })),
  }),
  kafkaProduceGenerator: object({
    connection: name,
    topic: string({ min: 1, max: 249 }),
    dataset: string({ min: 1, max: 100 }),
    count: number({ integer: true, min: 1, max: 1_000_000_000 }),
    eventsPerSecond: optional(number({ min: 0 })),
    seed: optional(number({ integer: true })),
    jobId: optional(jobId),
  }),
  jobCancel: object({ jobId }),
  schemaSubjects: object({ connection: name }),
  schemaVersion: object({ connection: name, subject, version: union('a version number or "latest"', number({ integer: true, min: 1 }), literal('latest')) }),
  schemaCompatibility: object({ connection: name, subject }),
  schemaSetCompatibility: object({ connection: name, subject, level: compatibilityLevel }),
  schemaRegister: object({ connection: name, subject, schemaType: literal('AVRO', 'PROTOBUF', 'JSON'), schema: string({ min: 1, max: 1_000_000 }) }),
  schemaInfer: object({ nodeId, format: literal('avro', 'protobuf', 'json-schema'), recordName: optional(string({ min: 1, max: 300 })) }),
  metricsHistory: optional(object({ sinceMs: optional(epochMs), names: optional(array(string({ min: 1, max: 100 }), { max: 100 })) })),
};

/**
 * Checks a call as it arrives from an untrusted side. Returns the params with unknown keys refused and
 * defaults untouched; throws EngineError ENG_HOST_REQUEST whose message names the method and the path.
 */
export function validateCall(method: string, params: unknown): { method: StudioMethod; params: unknown } {
  if (!isStudioMethod(method)) {
    throw new EngineError('ENG_HOST_NOT_FOUND', `Unknown method "${method.slice(0, 100)}"`, { method: method.slice(0, 100) });
  }
  const validator = validators[method] as Validator<unknown>;
  return { method, params: validator.check(params, `${method} params`) };
}
