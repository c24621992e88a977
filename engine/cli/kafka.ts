// `streamlake kafka …`: saved connections (secrets in the OS keychain, else a 0600 file, or environment variables), the layered
// connection test, and the topic browser (topics, peek, groups) from a terminal.
import { join } from 'node:path';
import { TopicBrowser } from '../kafka/browser.ts';
import { testConnection } from '../kafka/check.ts';
import type { ConnectionConfig, SaslMechanism } from '../kafka/connections.ts';
import { FileConnectionStore, localConnection, passwordEnvVar, redactConnection, resolveConnection } from '../kafka/connections.ts';
import { messageFormats, type MessageFormat } from '../kafka/formats.ts';
import { startRegistry } from '../kafka/registry/apicurio.ts';
import { parseArgs } from './args.ts';
import { promptSecret, readStdinSecret } from './secret-input.ts';
import { UsageError } from './command.ts';
import type { Command } from './command.ts';
import { streamlakeHome } from './home.ts';

const flags = {
  connection: { type: 'string', description: 'name' },
  brokers: { type: 'string', description: 'host:port,…' },
  ca: { type: 'string', description: 'PEM file' },
  cert: { type: 'string', description: 'PEM file' },
  key: { type: 'string', description: 'PEM file' },
  insecure: { type: 'boolean' },
  sasl: { type: 'string', description: 'plain|scram-sha-256|scram-sha-512' },
  username: { type: 'string', description: 'U' },
  password: { type: 'string', description: 'P' },
  'password-stdin': { type: 'boolean' },
  registry: { type: 'string', description: 'URL' },
  partitions: { type: 'number', description: 'P' },
  partition: { type: 'number', description: 'P' },
  offset: { type: 'number', description: 'O' },
  timestamp: { type: 'string', description: 'ISO time' },
  limit: { type: 'number', description: 'N' },
  format: { type: 'string', description: 'json|csv|string|bytes|avro|protobuf|json-schema' },
  columns: { type: 'string', description: 'a,b,c' },
  port: { type: 'number', description: 'P' },
  json: { type: 'boolean' },
} as const;

const usage = `Usage: streamlake kafka <command> [options]

Connections (kept in $STREAMLAKE_HOME/connections.json, mode 0600; secrets in the OS keychain):
  connections                          List saved connections (secrets hidden)
  add <name> --brokers B [--ca F] [--cert F --key F] [--insecure]
             [--sasl plain|scram-sha-256|scram-sha-512 --username U [--password-stdin]] [--registry URL]
                                       Save a connection. The password is asked for on a terminal, or
                                       read from stdin with --password-stdin (never an argument: those
                                       show in the process list). Leave it empty to read it from
                                       STREAMLAKE_KAFKA_<NAME>_PASSWORD at run time instead. Secrets go
                                       to the Secret Service (secret-tool) when one runs, else the file.
  remove <name>                        Delete a saved connection
  test [<name>] [--brokers B]          Check DNS, TCP, TLS, authentication and authorization in turn

Topics (on --connection C, default "local", or --brokers B):
  topics                               Topics with partitions, offsets and sizes
  create-topic <topic> [--partitions P]
  delete-topic <topic>
  peek <topic> [--partition P] [--offset O | --timestamp T] [--limit N] [--format F] [--columns a,b]
  groups                               Consumer groups with lag per partition

Local development:
  registry [--port P]                  Run Apicurio Registry (Confluent-compatible API) on 127.0.0.1
                                       (schemas kept in $STREAMLAKE_HOME/schemas.json)

Add --json for machine-readable output.
`;

function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

function bytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export const kafka: Command = {
  name: 'kafka',
  summary: 'Kafka connections, connection tests, topics, peeking and consumer lag',
  usage,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags, { min: 1, max: 2, names: 'a kafka command (connections, add, remove, test, topics, create-topic, delete-topic, peek, groups, registry)' });
    const [sub, arg] = positionals;
    const store = new FileConnectionStore(streamlakeHome());
    const connection = async (name = f.connection): Promise<ConnectionConfig> =>
      f.brokers ? { name: 'cli', brokers: f.brokers.split(',').map((b) => b.trim()).filter(Boolean), ...(f.ca ? { tls: { ca: f.ca, rejectUnauthorized: !f.insecure } } : {}) } : resolveConnection(name ?? 'local', store);
    const withBrowser = async <T>(fn: (b: TopicBrowser) => Promise<T>): Promise<T> => {
      const browser = new TopicBrowser(await connection());
      try {
        return await fn(browser);
      } finally {
        await browser.close();
      }
    };

    switch (sub) {
      case 'connections': {
        const list = (await store.list()).map(redactConnection);
        const all = list.some((c) => c.name === 'local') ? list : [localConnection(), ...list];
        print(f.json, all, () => all.map((c) => `${c.name.padEnd(16)} ${c.brokers.join(',')}${c.tls ? ' tls' : ''}${c.sasl ? ` sasl/${c.sasl.mechanism} user ${c.sasl.username}${c.sasl.password ? '' : ` (password from ${passwordEnvVar(c.name)})`}` : ''}`).join('\n'));
        return 0;
      }
      case 'add': {
        if (!arg) throw new UsageError('add needs a connection name');
        if (!f.brokers) throw new UsageError('add needs --brokers host:port[,host:port…]');
        if (f.sasl && !['plain', 'scram-sha-256', 'scram-sha-512'].includes(f.sasl)) throw new UsageError('--sasl must be plain, scram-sha-256 or scram-sha-512');
        if (f.sasl && !f.username) throw new UsageError('--sasl needs --username');
        if (f.password !== undefined) {
          throw new UsageError(`--password would show the password to every user of this machine (ps, /proc/<pid>/cmdline); pipe it with --password-stdin, type it at the prompt, or set ${passwordEnvVar(arg)}`);
        }
        if (f['password-stdin'] && !f.sasl) throw new UsageError('--password-stdin needs --sasl and --username');
        let password = '';
        if (f['password-stdin']) password = await readStdinSecret();
        else if (f.sasl && process.stdin.isTTY) password = await promptSecret(`Password for ${f.username ?? ''} on "${arg}" (empty: read ${passwordEnvVar(arg)} at run time): `);
        const config: ConnectionConfig = {
          name: arg,
          brokers: f.brokers.split(',').map((b) => b.trim()).filter(Boolean),
          ...(f.ca || f.cert || f.insecure ? { tls: { ca: f.ca, cert: f.cert, key: f.key, rejectUnauthorized: !f.insecure } } : {}),
          ...(f.sasl ? { sasl: { mechanism: f.sasl as SaslMechanism, username: f.username ?? '', password } } : {}),
          ...(f.registry ? { schemaRegistry: { url: f.registry } } : {}),
        };
        const secrets = await store.saveReporting(config);
        if (secrets === 'file') {
          process.stderr.write(`warning: no OS keychain answered (on Linux: install libsecret-tools and run a Secret Service such as GNOME Keyring), so the password is stored in plain text in ${store.path} (readable by your user only, mode 0600)\n`);
        }
        const where = secrets === 'keychain' ? `; its password is in ${(await store.vault())?.label ?? 'the OS keychain'}` : '';
        process.stdout.write(`saved connection "${arg}" in ${store.path}${where}${config.sasl && !password ? `; set ${passwordEnvVar(arg)} to its password` : ''}\n`);
        return 0;
      }
      case 'remove': {
        if (!arg) throw new UsageError('remove needs a connection name');
        const removed = await store.delete(arg);
        process.stdout.write(removed ? `removed connection "${arg}"\n` : `there is no saved connection "${arg}"\n`);
        return removed ? 0 : 1;
      }
      case 'test': {
        const result = await testConnection(await connection(arg ?? f.connection));
        print(f.json, result, () => result.ok
          ? `ok: ${result.brokers.length} broker(s) (${result.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}), ${result.topics.length} topic(s)`
          : `failed at ${result.stage}: ${result.message}`);
        return result.ok ? 0 : 1;
      }
      case 'topics': {
        const topics = await withBrowser((b) => b.listTopics());
        print(f.json, topics, () => topics.length === 0 ? 'no topics' : topics.map((t) =>
          `${t.name.padEnd(30)} ${String(t.partitions.length).padStart(3)} partition(s) ${String(t.messages).padStart(12)} messages ${bytes(t.sizeBytes).padStart(10)}`).join('\n'));
        return 0;
      }
      case 'create-topic': {
        if (!arg) throw new UsageError('create-topic needs a topic name');
        await withBrowser((b) => b.createTopic({ name: arg, partitions: f.partitions ?? 1 }));
        process.stdout.write(`created topic ${arg}\n`);
        return 0;
      }
      case 'delete-topic': {
        if (!arg) throw new UsageError('delete-topic needs a topic name');
        await withBrowser((b) => b.deleteTopic(arg));
        process.stdout.write(`deleted topic ${arg}\n`);
        return 0;
      }
      case 'peek': {
        if (!arg) throw new UsageError('peek needs a topic name');
        const format = (f.format ?? 'json') as MessageFormat;
        if (!messageFormats.includes(format)) throw new UsageError(`--format must be one of ${messageFormats.join(', ')}`);
        const messages = await withBrowser((b) => b.peek({ topic: arg, partition: f.partition ?? 0, offset: f.offset, timestamp: f.timestamp, limit: f.limit, format, columns: f.columns?.split(',') }));
        print(f.json, messages, () => messages.map((m) => `${m.partition}:${m.offset} ${m.timestamp} key=${m.key ?? 'null'} ${m.error ? `!! ${m.error}: ${m.raw}` : JSON.stringify(m.value)}`).join('\n') || 'no messages');
        return 0;
      }
      case 'groups': {
        const groups = await withBrowser((b) => b.groups());
        print(f.json, groups, () => groups.map((g) => `${g.groupId} (${g.state}, ${g.members} member(s)) lag ${g.totalLag}\n${g.partitions.map((p) => `  ${p.topic}/${p.partition} committed ${p.committed ?? '-'} end ${p.high} lag ${p.lag}`).join('\n')}`).join('\n') || 'no consumer groups');
        return 0;
      }
      case 'registry': {
        const server = await startRegistry({ port: f.port ?? 8081, dataDir: join(streamlakeHome(), 'registry'), log: (line) => process.stderr.write(`${line}\n`) });
        process.stdout.write(`schema registry (Apicurio) on ${server.url} (Ctrl-C to stop); use it with: streamlake kafka add local --brokers 127.0.0.1:9092 --registry ${server.url}\n`);
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
        await server.stop();
        return 0;
      }
      default:
        throw new UsageError(`unknown kafka command "${sub}"`);
    }
  },
};
