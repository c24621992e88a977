// Flink SQL text for the edges of a job: types, interval literals, Kafka tables (with security settings by
// reference only) and the Iceberg catalog that maps a lake folder onto a Hadoop catalog database.
import { quoteIdentifier, quoteString } from '../expr/flink.ts';
import type { ConnectionConfig } from '../kafka/connections.ts';
import { passwordEnvVar } from '../kafka/connections.ts';
import type { FlinkType } from './expressions.ts';

export interface Column {
  name: string;
  type: FlinkType;
}

/** Column type in DDL. Timestamps are TIMESTAMP_LTZ(3): JSON carries them as ISO-8601 with `Z`, and the lake stores timestamptz. */
export function ddlType(type: FlinkType): string {
  switch (type) {
    case 'TIMESTAMP':
      return 'TIMESTAMP_LTZ(3)';
    case 'DECIMAL':
      return 'DOUBLE';
    case 'INT':
      return 'BIGINT';
    case 'NULL':
    case 'UNKNOWN':
    case 'INTERVAL':
      return 'STRING';
    default:
      return type;
  }
}

/** A column converted to its DDL type where Flink would not (the engine's numbers are doubles or longs; its times are instants). */
export function toDdl(sql: string, type: FlinkType): string {
  switch (type) {
    case 'TIMESTAMP':
      return `CAST(${sql} AS TIMESTAMP_LTZ(3))`;
    case 'DECIMAL':
      return `CAST(${sql} AS DOUBLE)`;
    case 'INT':
      return `CAST(${sql} AS BIGINT)`;
    case 'NULL':
    case 'UNKNOWN':
    case 'INTERVAL':
      return `CAST(${sql} AS STRING)`;
    default:
      return sql;
  }
}

/** A Flink interval literal for a duration in ms: the largest unit that divides it, else fractional seconds. */
export function interval(ms: number): string {
  const units: [string, number][] = [['DAY', 86_400_000], ['HOUR', 3_600_000], ['MINUTE', 60_000], ['SECOND', 1000]];
  for (const [unit, size] of units) {
    if (ms > 0 && ms % size === 0) {
      const amount = ms / size;
      const digits = String(amount).length;
      return `INTERVAL '${amount}' ${unit}${digits > 2 ? `(${digits})` : ''}`;
    }
  }
  return `INTERVAL '${(ms / 1000).toFixed(3)}' SECOND`;
}

export function columnList(columns: readonly Column[]): string {
  return columns.map((c) => `  ${quoteIdentifier(c.name)} ${ddlType(c.type)}`).join(',\n');
}

export function withOptions(options: readonly (readonly [string, string])[]): string {
  return `WITH (\n${options.map(([k, v]) => `  ${quoteString(k)} = ${quoteString(v)}`).join(',\n')}\n)`;
}

/** An environment placeholder, for the deployer to substitute (e.g. with envsubst) before submitting. */
export function placeholder(name: string): string {
  return `\${${name}}`;
}

export function envName(connection: string, what: string): string {
  return `STREAMLAKE_KAFKA_${connection.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_${what}`;
}

/**
 * Kafka client options of a connection. Brokers and user names are written; every secret (SASL password,
 * TLS key) is an environment placeholder, so the text can be shared and committed.
 */
export function kafkaOptions(name: string, connection: ConnectionConfig | undefined): [string, string][] {
  const options: [string, string][] = [['properties.bootstrap.servers', connection ? connection.brokers.join(',') : placeholder(envName(name, 'BROKERS'))]];
  if (!connection) return options;
  const tls = connection.tls !== undefined;
  if (connection.sasl) {
    options.push(['properties.security.protocol', tls ? 'SASL_SSL' : 'SASL_PLAINTEXT']);
    const mechanism = connection.sasl.mechanism.toUpperCase();
    options.push(['properties.sasl.mechanism', mechanism]);
    const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    const user = connection.sasl.username.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
    options.push(['properties.sasl.jaas.config', `${module} required username="${user}" password="${placeholder(passwordEnvVar(name))}";`]);
  } else if (tls) {
    options.push(['properties.security.protocol', 'SSL']);
  }
  if (connection.tls) {
    const { ca, cert, key, rejectUnauthorized } = connection.tls;
    const isPath = (v: string): boolean => !v.includes('-----BEGIN');
    if (ca) {
      options.push(['properties.ssl.truststore.type', 'PEM']);
      if (isPath(ca)) options.push(['properties.ssl.truststore.location', ca]);
      else options.push(['properties.ssl.truststore.certificates', placeholder(envName(name, 'SSL_CA'))]);
    }
    if (cert || key) {
      options.push(['properties.ssl.keystore.type', 'PEM']);
      options.push(['properties.ssl.keystore.certificate.chain', cert && isPath(cert) ? cert : placeholder(envName(name, 'SSL_CERT'))]);
      options.push(['properties.ssl.keystore.key', placeholder(envName(name, 'SSL_KEY'))]);
    }
    if (rejectUnauthorized === false) options.push(['properties.ssl.endpoint.identification.algorithm', '']);
  }
  return options;
}

/** The Iceberg catalog over the lake's parent folder: each lake folder is a database, each table a folder in it. */
export function catalogStatements(catalog: string, warehouse: string, database: string): string[] {
  return [
    `CREATE CATALOG ${quoteIdentifier(catalog)} ${withOptions([['type', 'iceberg'], ['catalog-type', 'hadoop'], ['warehouse', warehouse], ['property-version', '1']])}`,
    `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(catalog)}.${quoteIdentifier(database)}`,
  ];
}
