// sink.postgres as a Flink JDBC table (flink-connector-jdbc 3.3.0-1.20 with the PostgreSQL driver): the URL,
// user and TLS mode come from the saved PostgreSQL connection, the password only as a placeholder. Windowed
// input upserts on the window's key (group-by fields + window_start) as the engine's sink does, through a
// PRIMARY KEY … NOT ENFORCED (the connector then writes INSERT … ON CONFLICT … DO UPDATE); anything else
// appends. The connector does not create tables, so the PostgreSQL DDL the engine would run is offered.
import { quoteIdentifier } from '../expr/flink.ts';
import type { PostgresSinkConfig } from '../format/pipeline.ts';
import type { PostgresConnection } from '../sinks/postgres/connections.ts';
import { postgresPasswordEnvVar } from '../sinks/postgres/connections.ts';
import type { Column } from './ddl.ts';
import { toDdl } from './ddl.ts';

// The JDBC connector cannot write TIMESTAMP_LTZ, and a TIMESTAMP it writes as the TaskManager's local time.
// So instants travel as ISO-8601 text with a `Z` (the script's session time zone is UTC) and PostgreSQL
// reads them into timestamptz itself: `stringtype=unspecified` lets it type text parameters by column.
const TEXT_PARAMETERS = 'stringtype=unspecified';

/** A column as the JDBC table declares it and the SELECT item that fills it. */
export function jdbcColumn(name: string, type: Column['type']): { column: Column; item: string } {
  const q = quoteIdentifier(name);
  if (type === 'TIMESTAMP') return { column: { name, type: 'STRING' }, item: `DATE_FORMAT(CAST(${q} AS TIMESTAMP(3)), 'yyyy-MM-dd''T''HH:mm:ss.SSS''Z''') AS ${q}` };
  const converted = toDdl(q, type);
  return { column: { name, type }, item: converted === q ? q : `${converted} AS ${q}` };
}

export const JDBC_CONNECTOR = 'org.apache.flink:flink-connector-jdbc:3.3.0-1.20 (shaded) + org.postgresql:postgresql:42.7.8';

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** PostgreSQL's type for a column, as the engine's sink creates it (engine/sinks/postgres/sql.ts). */
function pgType(type: Column['type']): string {
  switch (type) {
    case 'BIGINT':
    case 'INT':
      return 'bigint';
    case 'DOUBLE':
    case 'DECIMAL':
      return 'double precision';
    case 'BOOLEAN':
      return 'boolean';
    case 'TIMESTAMP':
      return 'timestamptz';
    case 'DATE':
      return 'date';
    default:
      return 'text';
  }
}

function pgIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` quoted for PostgreSQL. */
function pgTable(table: string): string {
  return table.split('.').map(pgIdent).join('.');
}

export interface JdbcSink {
  options: [string, string][];
  /** The PRIMARY KEY clause columns, when the input is windowed. */
  key: string[] | undefined;
  /** PostgreSQL DDL for the target table (the connector does not create it). */
  postgresDdl: string;
  placeholders: string[];
}

export function jdbcSink(config: PostgresSinkConfig, columns: readonly Column[], key: string[] | undefined, connection: PostgresConnection | undefined): JdbcSink {
  const placeholders: string[] = [];
  const name = envName(config.connection);
  let url: string;
  let user: string;
  if (connection) {
    const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
    const tls = connection.tls === 'require' ? '&sslmode=require'
      : connection.tls === 'verify-full' ? `&sslmode=verify-full${connection.ca && !connection.ca.includes('-----BEGIN') ? `&sslrootcert=${encodeURIComponent(connection.ca)}` : ''}`
        : '';
    url = `jdbc:postgresql://${host}:${connection.port}/${encodeURIComponent(connection.database)}?${TEXT_PARAMETERS}${tls}`;
    user = connection.user;
  } else {
    // Flink picks the dialect from the URL's scheme while planning, so only its parts are placeholders.
    url = `jdbc:postgresql://\${STREAMLAKE_POSTGRES_${name}_HOST}/\${STREAMLAKE_POSTGRES_${name}_DATABASE}?${TEXT_PARAMETERS}`;
    user = `\${STREAMLAKE_POSTGRES_${name}_USER}`;
    placeholders.push(`STREAMLAKE_POSTGRES_${name}_HOST`, `STREAMLAKE_POSTGRES_${name}_DATABASE`, `STREAMLAKE_POSTGRES_${name}_USER`);
  }
  const password = postgresPasswordEnvVar(config.connection);
  // Always by reference: the password may live in the file, the keychain or the environment (empty for trust auth).
  placeholders.push(password);
  const options: [string, string][] = [
    ['connector', 'jdbc'], ['url', url], ['table-name', config.table], ['username', user],
    ['password', `\${${password}}`],
    ['sink.buffer-flush.interval', '1s'], ['sink.max-retries', String(config.retries ?? 5)],
  ];
  const defs = columns.map((c) => `${pgIdent(c.name)} ${pgType(c.type)}`);
  if (key) defs.push(`PRIMARY KEY (${key.map(pgIdent).join(', ')})`);
  return { options, key, postgresDdl: `CREATE TABLE IF NOT EXISTS ${pgTable(config.table)} (${defs.join(', ')})`, placeholders };
}

export function primaryKeyClause(key: readonly string[]): string {
  return `  PRIMARY KEY (${key.map(quoteIdentifier).join(', ')}) NOT ENFORCED`;
}
