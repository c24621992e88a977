// Importing this module registers every built-in node type with the runtime.
import '../operators/index.ts';
import '../windows/index.ts';
import '../generator/index.ts';
import '../sources/file/index.ts';
import '../lake/sink.ts';
import '../kafka/index.ts';
import '../sinks/postgres/sink.ts';
import '../sinks/clickhouse/sink.ts';
// sink.opensearch
import '../sinks/opensearch/sink.ts';
import '../sinks/cassandra/sink.ts';
export {};
