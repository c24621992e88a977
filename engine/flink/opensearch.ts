// sink.opensearch as a table of Flink's OpenSearch 2 connector ('connector' = 'opensearch-2',
// org.apache.flink:flink-connector-opensearch2:2.0.0-1.19). Hosts, user and TLS leniency come from the saved
// OpenSearch connection, the password only as a placeholder. Like the engine's sink, windowed input (or a
// given `key`) upserts: the key is the table's PRIMARY KEY … NOT ENFORCED, which the connector turns into
// the document id, so a replay overwrites. An `id` expression that is a text or integer column becomes the key
// the same way; anything else appends with ids OpenSearch generates, which a replay repeats as new documents.
import type { OpenSearchSinkConfig } from '../format/pipeline.ts';
import type { OpenSearchConnection } from '../sinks/opensearch/connections.ts';
import { openSearchPasswordEnvVar } from '../sinks/opensearch/connections.ts';
import type { Column } from './ddl.ts';
import { jdbcColumn } from './jdbc.ts';

/** The connector as users deploy it; built for Flink 1.19, the newest line it exists for (no -1.20 build). */
export const OPENSEARCH_CONNECTOR = 'org.apache.flink:flink-connector-opensearch2:2.0.0-1.19 with flink-connector-opensearch-base 2.0.0-1.19 and the OpenSearch 2.13 client (built for Flink 1.19; there is no -1.20 build and no shaded SQL jar)';

export interface OpenSearchProblem {
  message: string;
  flink: string;
}

export interface OpenSearchSink {
  options: [string, string][];
  /** The PRIMARY KEY columns (the document id), absent for appends. */
  key: string[] | undefined;
  /** Columns of the Flink table and the SELECT items filling them. */
  columns: Column[];
  items: string[];
  placeholders: string[];
  /** Differences to list on the node. */
  differences: OpenSearchProblem[];
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** The field mapping the engine's sink gives a column (engine/sinks/opensearch/mapping.ts). */
function fieldMapping(type: Column['type']): Record<string, unknown> {
  switch (type) {
    case 'BIGINT':
    case 'INT':
      return { type: 'long' };
    case 'DOUBLE':
    case 'DECIMAL':
      return { type: 'double' };
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'TIMESTAMP':
      return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    case 'DATE':
      return { type: 'date' };
    default:
      return { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
  }
}

/**
 * The OpenSearch table for a sink fed by `input`. `windowKey` is the window's upsert key (group-by fields +
 * window_start) when every input is the same kind of window, as the engine's sink keys those rows.
 */
export function openSearchSink(config: OpenSearchSinkConfig, input: readonly Column[], windowKey: string[] | undefined, connection: OpenSearchConnection | undefined): OpenSearchSink {
  const placeholders: string[] = [];
  const differences: OpenSearchProblem[] = [];
  const name = envName(config.connection);
  const hostsVar = `STREAMLAKE_OPENSEARCH_${name}_URL`;
  const userVar = `STREAMLAKE_OPENSEARCH_${name}_USER`;
  const passwordVar = openSearchPasswordEnvVar(config.connection);
  const options: [string, string][] = [['connector', 'opensearch-2']];
  if (connection) {
    options.push(['hosts', connection.url.replace(/\/$/, '')]);
    if (connection.user !== undefined) {
      options.push(['username', connection.user], ['password', `\${${passwordVar}}`]);
      placeholders.push(passwordVar);
    }
    if (connection.tlsInsecure) options.push(['allow-insecure', 'true']);
  } else {
    // An unknown connection: its URL and sign-in by reference. Flink parses hosts while planning, so this
    // script plans only once the placeholders are substituted (a URL's port cannot be a placeholder alone).
    options.push(['hosts', `\${${hostsVar}}`], ['username', `\${${userVar}}`], ['password', `\${${passwordVar}}`]);
    placeholders.push(hostsVar, userVar, passwordVar);
  }
  options.push(['index', config.index]);

  // Instants go as the text the engine writes (ISO 8601 with milliseconds and Z), so both write the same _source.
  const mapped = input.map((c) => jdbcColumn(c.name, c.type));
  const columns = mapped.map((m) => m.column);
  const items = mapped.map((m) => m.item);
  const types = new Map(input.map((c) => [c.name, c.type]));

  let key: string[] | undefined = config.key ?? windowKey;
  if (key && key.some((k) => !types.has(k))) {
    differences.push({ message: `the key (${key.join(', ')}) names fields the input does not have; the job appends with ids OpenSearch generates`, flink: 'PRIMARY KEY (fields of the input) NOT ENFORCED' });
    key = undefined;
  }
  if (!key && config.id !== undefined) {
    const column = /^[A-Za-z_][A-Za-z0-9_]*$/.test(config.id.trim()) ? config.id.trim() : undefined;
    const type = column === undefined ? undefined : types.get(column);
    if (column !== undefined && (type === 'STRING' || type === 'BIGINT' || type === 'INT')) key = [column];
    else differences.push({ message: `the id expression ${config.id} is not a text or integer column; the connector takes a document id only from the table's PRIMARY KEY columns, so the job appends with ids OpenSearch generates, and a replay after a failure indexes the same rows again (the engine's ids make its replays overwrite)`, flink: `a map column holding the id, given as the sink's id (it becomes PRIMARY KEY (that column) NOT ENFORCED)` });
  } else if (!key) {
    differences.push({ message: `without a key or an id, the job appends with ids OpenSearch generates: a replay after a failure indexes the same rows again, while the engine's ids (a hash of pipeline and node, then checkpoint and position) make its replays overwrite, so the index is not idempotent through Flink`, flink: 'set the sink\'s id to a unique text or integer field (it becomes PRIMARY KEY … NOT ENFORCED, the document id)' });
  }
  if (key) {
    differences.push({ message: `document ids are the key values joined by "_" (Flink's document-id.key-delimiter), e.g. eu_2026-01-01T00:00:00.000Z, where the engine writes a JSON array (["eu","2026-01-01T00:00:00.000Z"]); the documents are the same, but a Flink job and the engine writing one index do not overwrite each other's`, flink: `PRIMARY KEY (${key.join(', ')}) NOT ENFORCED` });
  }
  if (config.refresh && config.refresh !== 'false') {
    differences.push({ message: `refresh ${config.refresh}: the connector has no refresh option; documents become searchable at the index's next refresh`, flink: "the index setting 'refresh_interval' (1s by default)" });
  }
  options.push(
    ['sink.bulk-flush.interval', '1s'],
    ['sink.bulk-flush.backoff.strategy', 'EXPONENTIAL'],
    ['sink.bulk-flush.backoff.max-retries', String(config.retries ?? 5)],
    ['sink.bulk-flush.backoff.delay', '200ms'],
    ['sink.delivery-guarantee', 'at-least-once'],
  );
  const mapping = { mappings: { properties: Object.fromEntries(input.map((c) => [c.name, fieldMapping(c.type)])) } };
  differences.push({
    message: `Flink's connector does not create ${config.index} with a mapping; OpenSearch's dynamic mapping would type a fractional number as float (the engine maps double). Create the index before the job starts`,
    flink: `PUT /${encodeURIComponent(config.index)} ${JSON.stringify(mapping)}`,
  });
  return { options, key, columns, items, placeholders, differences };
}
