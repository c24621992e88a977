// One list of stable error codes for the whole engine. Codes cross process boundaries (IPC, HTTP, CLI exit
// messages) as `{code, message}`, so never rename one; add new codes at the end of their group.
export const errorCodes = {
  // pipeline documents
  ENG_FORMAT_INVALID: 'The pipeline document is invalid',
  ENG_FORMAT_VERSION: 'The pipeline document has an unsupported version',
  ENG_FORMAT_PARSE: 'The file is not valid JSON',
  // expressions
  ENG_EXPR_SYNTAX: 'Expression syntax error',
  ENG_EXPR_UNKNOWN_FUNCTION: 'Unknown function in expression',
  ENG_EXPR_TYPE: 'Expression type error',
  ENG_EXPR_EVAL: 'Expression could not be evaluated',
  ENG_EXPR_UNKNOWN_COLUMN: 'Unknown column in expression',
  // runtime
  ENG_RUN_STATE: 'The run is not in a state that allows this',
  ENG_RUN_NODE: 'A node failed',
  ENG_RUN_CHECKPOINT: 'Checkpoint could not be written or restored',
  ENG_SOURCE_FILE: 'The source file could not be read',
  ENG_GENERATOR_DATASET: 'Unknown generator dataset',
  ENG_SOURCE_WORKER: 'A decoding worker thread failed',
  // lake
  ENG_LAKE_NOT_TABLE: 'The folder is not an Iceberg table',
  ENG_LAKE_METADATA: 'Table metadata is corrupt or unreadable',
  ENG_LAKE_MISSING_FILE: 'A file referenced by the table is missing',
  ENG_LAKE_COMMIT_CONFLICT: 'Concurrent commit conflict could not be resolved',
  ENG_LAKE_SCHEMA: 'Value does not fit the table schema',
  ENG_LAKE_REF: 'Unknown snapshot, tag or branch',
  ENG_LAKE_QUERY: 'Query failed',
  ENG_LAKE_CANCELLED: 'Query was cancelled',
  ENG_LAKE_SORT_ORDER: 'Invalid table sort order',
  ENG_LAKE_UNSAFE: 'Maintenance refused: it could delete files a writer still needs',
  ENG_LAKE_DELETE_FILES: 'The table has delete files this operation cannot apply',
  // kafka
  ENG_KAFKA_CONNECT: 'Could not connect to Kafka',
  ENG_KAFKA_DNS: 'Kafka host name could not be resolved',
  ENG_KAFKA_TCP: 'Kafka port refused or unreachable',
  ENG_KAFKA_TLS: 'TLS handshake with Kafka failed',
  ENG_KAFKA_AUTH: 'Kafka authentication failed',
  ENG_KAFKA_AUTHZ: 'Kafka authorization failed',
  ENG_KAFKA_DECODE: 'Kafka message could not be decoded',
  ENG_KAFKA_BROKER: 'Local Kafka broker could not be started',
  ENG_KAFKA_CONNECTION_UNKNOWN: 'Unknown Kafka connection',
  // schema registry
  ENG_REGISTRY_JAVA: 'No Java 21 or newer for the schema registry',
  ENG_REGISTRY_START: 'The local schema registry could not be started',
  ENG_REGISTRY_REQUEST: 'The schema registry refused or failed a request',
  ENG_REGISTRY_INCOMPATIBLE: 'The schema is not compatible with the subject',
  ENG_KAFKA_TRANSACTION: 'A Kafka transaction could not be committed',
  ENG_KAFKA_FENCED: 'Another producer with the same transactional id took over',
  // PostgreSQL sink (engine/sinks/postgres)
  ENG_POSTGRES_CONNECTION_UNKNOWN: 'Unknown or malformed PostgreSQL connection',
  ENG_POSTGRES_UNAVAILABLE: 'PostgreSQL could not be reached',
  ENG_POSTGRES_WRITE: 'PostgreSQL refused a write',
  // postgres/staging (s3-1)
  ENG_STAGING_CODEC: 'Staged rows are encoded in a form this sink does not read',
  // ClickHouse sink (engine/sinks/clickhouse)
  ENG_CLICKHOUSE_CONNECTION_UNKNOWN: 'Unknown or malformed ClickHouse connection',
  ENG_CLICKHOUSE_UNAVAILABLE: 'ClickHouse could not be reached',
  ENG_CLICKHOUSE_WRITE: 'ClickHouse refused a write',
  // clickhouse staging (s3-5)
  ENG_CLICKHOUSE_STAGED: 'Staged ClickHouse RowBinary does not read back as the rows it was written for',
  // OpenSearch sink (engine/sinks/opensearch)
  ENG_OPENSEARCH_CONNECTION_UNKNOWN: 'Unknown or malformed OpenSearch connection',
  ENG_OPENSEARCH_UNAVAILABLE: 'OpenSearch could not be reached',
  ENG_OPENSEARCH_WRITE: 'OpenSearch refused a write',
  // Cassandra sink (engine/sinks/cassandra)
  ENG_CASSANDRA_CONNECTION_UNKNOWN: 'Unknown or malformed Cassandra connection',
  ENG_CASSANDRA_UNAVAILABLE: 'Cassandra could not be reached',
  ENG_CASSANDRA_WRITE: 'Cassandra refused a write',
  // flink
  ENG_FLINK_GATEWAY: 'The Flink SQL Gateway refused a request or could not be reached',
  ENG_FLINK_PLACEHOLDER: 'An environment placeholder of the Flink job has no value',
  ENG_FLINK_CONNECTION_UNKNOWN: 'Unknown or malformed Flink connection',
  ENG_KAFKA_GROUP_ACTIVE: 'The consumer group has active members',
  // hosts
  ENG_HOST_AUTH: 'Missing or wrong studio token',
  ENG_HOST_REQUEST: 'Malformed request',
  ENG_HOST_NOT_FOUND: 'Not found',
  ENG_HOST_DISCONNECTED: 'Lost the connection to the studio host',
  ENG_HOST_FORBIDDEN: 'Request refused: wrong Host or Origin',
  ENG_HOST_UNAVAILABLE: 'This feature is not available yet in this host',
  ENG_HOST_INTERNAL: 'Unexpected error in the studio host',
  ENG_HOST_FILE: 'Pipeline file could not be read or written',
  // security (issue 11)
  ENG_SQL_READ_ONLY: 'Only read-only queries run over the lake',
  ENG_SQL_FILE_ACCESS: 'The query may read only the lake folder',
  ENG_HOST_TOO_LARGE: 'The request body is too large',
  ENG_HOST_TIMEOUT: 'The request body did not arrive in time',
  ENG_TRUST_REQUIRED: 'The pipeline needs your confirmation before it runs',
  ENG_SECRET_STORE: 'The secret could not be stored or read',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

/** Any thrown value as a payload that can cross a process boundary. */
export function toErrorPayload(error: unknown, fallback: ErrorCode = 'ENG_RUN_NODE'): ErrorPayload {
  if (error instanceof EngineError) return error.toPayload();
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message };
}
