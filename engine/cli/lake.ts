// `streamlake lake …`: list tables and snapshots, query the lake with DuckDB SQL at any version, manage
// tags and branches, and run maintenance with progress on stderr.
import { EngineError } from '../errors.ts';
import { parseDuration } from '../format/duration.ts';
import { openLake, type Lake, type LakeTable } from '../lake/index.ts';
import { isSnapshotIdText } from '../lake/format/ids.ts';
import { createLakeQuery, createResultWriter, outputFormats, type ColumnInfo, type OutputFormat, type QueryHandle } from '../lake/query/index.ts';
import type { Row } from '../runtime/types.ts';
import { parseArgs, type FlagSpec } from './args.ts';
import { UsageError, type Command } from './command.ts';
import { defaultLakeDir } from './home.ts';

const usage = `Usage: streamlake lake <subcommand> [arguments] [--lake DIR]

Subcommands:
  tables                                  List the tables with their row and snapshot counts and sort order
  snapshots <table>                       List a table's snapshots (oldest first) with summaries and refs
  query "<sql>" [--snapshot ID | --tag T | --branch B | --as-of ISO] [--format table|json|csv] [--unsafe]
                                          Run DuckDB SQL over the lake; address a version inside the SQL
                                          as table@<snapshot-id|tag|branch>. Read-only, and reads only
                                          the lake folder; --unsafe runs any statement (COPY TO, ATTACH,
                                          other files) with your full file access
  tag <table> <name> [--snapshot ID]      Tag a snapshot (default: main's current one)
  tag <table> --delete <name>             Delete a tag
  branch <table> <name> [--snapshot ID]   Create a branch at a snapshot (default: main's current one)
  fast-forward <table> <branch>           Move main forward to the head of <branch>
  rollback <table> <snapshot-id>          Point main back at an older snapshot of its history
  partition <table> [<field> ...] [--clear]
                                          Show the partition spec, or evolve it: new files use the new
                                          spec (region, day(ts), bucket(16, id), truncate(4, s)), older
                                          files keep theirs; --clear: unpartitioned from now on
  sort <table> [<field> ...] [--clear]    Show the sort order data files are written in, or set it; each
                                          field is a column or transform of one, then asc|desc and
                                          nulls first|last, e.g. sort sales "region" "amount desc";
                                          --clear makes the table unsorted. Metadata only: compact
                                          re-sorts the files written before
  compact <table> [--target-size MB]      Rewrite small data files into files of about MB (default 128),
                                          and files not in the table's sort order whatever their size
  expire <table> [--older-than 7d] [--retain-last K]
                                          Remove old snapshots (never one a tag or branch holds)
  clean <table> [--older-than 3d] [--force]
                                          Remove files no snapshot references (orphans) older than 3 days;
                                          below 1d it refuses without --force (other engines' in-flight files)

Options:
  --lake DIR        The lake folder (default: $STREAMLAKE_HOME/lake, i.e. ~/.streamlake/lake)
  --format FORMAT   tables, snapshots and query output: table (aligned, default), json (one object per
                    line) or csv (RFC 4180, with a header row)
`;

const lakeFlag = { lake: { type: 'string', description: 'DIR' } } satisfies Record<string, FlagSpec>;
const formatFlag = { format: { type: 'string', description: 'table|json|csv' } } satisfies Record<string, FlagSpec>;

function formatOf(text: string | undefined): OutputFormat {
  if (text === undefined) return 'table';
  if ((outputFormats as readonly string[]).includes(text)) return text as OutputFormat;
  throw new UsageError(`--format must be one of ${outputFormats.join(', ')}, got "${text}"`);
}

function lakeOf(dir: string | undefined): Lake {
  return openLake(dir ?? defaultLakeDir());
}

/** Opens a table, turning "not a table" into a message that lists what the lake does have. */
async function openTable(lake: Lake, name: string): Promise<LakeTable> {
  try {
    return await lake.table(name);
  } catch (error) {
    if (error instanceof EngineError && error.code === 'ENG_LAKE_NOT_TABLE') {
      const names = (await lake.tables()).map((t) => t.name);
      throw new EngineError('ENG_LAKE_NOT_TABLE', `no table "${name}" in ${lake.dir}${names.length ? ` (tables: ${names.join(', ')})` : ' (the lake has no tables)'}`, { table: name });
    }
    throw error;
  }
}

/** Snapshot ids are 64-bit: parsed exactly (Number() would round ids above 2^53 to a neighbour). */
function snapshotIdOf(text: string, what = 'snapshot id'): bigint {
  if (!isSnapshotIdText(text)) throw new UsageError(`${what} must be a whole number from 0 to 9223372036854775807, got "${text}"`);
  return BigInt(text);
}

async function write(text: string): Promise<void> {
  if (text === '') return;
  await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

async function printRows(format: OutputFormat, columns: ColumnInfo[], rows: Row[]): Promise<void> {
  const writer = createResultWriter(format, columns);
  await write(writer.page(rows));
  await write(writer.end(rows.length));
}

function progress(label: string): (done: number, total: number, message: string) => void {
  return (done, total, message) => process.stderr.write(`${label}: ${done}/${total} ${message}\n`);
}

type Sub = (argv: string[]) => Promise<number>;

const subcommands: Record<string, Sub> = {
  async tables(argv) {
    const { flags } = parseArgs(argv, { ...lakeFlag, ...formatFlag }, { min: 0, max: 0, names: '' });
    const format = formatOf(flags.format);
    const lake = lakeOf(flags.lake);
    const rows: Row[] = [];
    for (const entry of await lake.tables()) {
      if (entry.error) {
        rows.push({ table: entry.name, rows: null, snapshots: null, current_snapshot: null, updated: null, sort_order: null, error: entry.error.message });
        continue;
      }
      try {
        const table = await lake.table(entry.name);
        const head = table.resolve();
        const total = head?.summary['total-records'];
        rows.push({
          table: entry.name,
          rows: total === undefined ? (head ? null : 0) : Number(total),
          snapshots: table.snapshots().length,
          current_snapshot: head?.snapshotId ?? null,
          updated: head ? new Date(head.timestampMs) : null,
          sort_order: sortOrderText(table),
          error: null,
        });
      } catch (error) {
        rows.push({ table: entry.name, rows: null, snapshots: null, current_snapshot: null, updated: null, sort_order: null, error: (error as Error).message });
      }
    }
    const columns = [
      { name: 'table', type: 'VARCHAR' },
      { name: 'rows', type: 'BIGINT' },
      { name: 'snapshots', type: 'BIGINT' },
      { name: 'current_snapshot', type: 'BIGINT' },
      { name: 'updated', type: 'TIMESTAMP' },
      { name: 'sort_order', type: 'VARCHAR' },
      { name: 'error', type: 'VARCHAR' },
    ];
    await printRows(format, columns, rows);
    return rows.some((row) => row['error'] !== null) ? 1 : 0;
  },

  async snapshots(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, ...formatFlag }, { min: 1, max: 1, names: 'the table name' });
    const format = formatOf(flags.format);
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const refsBySnapshot = new Map<bigint, string[]>();
    for (const ref of table.refs()) refsBySnapshot.set(ref.snapshotId, [...(refsBySnapshot.get(ref.snapshotId) ?? []), `${ref.name}${ref.type === 'tag' ? ' (tag)' : ''}`]);
    const standard = new Set(['operation', 'added-records', 'total-records', 'added-data-files', 'total-data-files']);
    const rows: Row[] = table.snapshots().map((s) => {
      const extra = Object.entries(s.summary).filter(([key]) => !standard.has(key) && !/^(added|deleted|removed|total|changed)-|^manifests-/.test(key));
      return {
        snapshot_id: s.snapshotId,
        parent_id: s.parentId,
        sequence: s.sequenceNumber,
        committed: new Date(s.timestampMs),
        operation: s.operation,
        added_rows: s.summary['added-records'] === undefined ? null : Number(s.summary['added-records']),
        total_rows: s.summary['total-records'] === undefined ? null : Number(s.summary['total-records']),
        refs: (refsBySnapshot.get(s.snapshotId) ?? []).join(', '),
        summary: format === 'json' ? s.summary : extra.map(([key, value]) => `${key}=${value}`).join(' '),
      };
    });
    const columns = [
      { name: 'snapshot_id', type: 'BIGINT' },
      { name: 'parent_id', type: 'BIGINT' },
      { name: 'sequence', type: 'BIGINT' },
      { name: 'committed', type: 'TIMESTAMP' },
      { name: 'operation', type: 'VARCHAR' },
      { name: 'added_rows', type: 'BIGINT' },
      { name: 'total_rows', type: 'BIGINT' },
      { name: 'refs', type: 'VARCHAR' },
      { name: 'summary', type: 'VARCHAR' },
    ];
    await printRows(format, columns, rows);
    return 0;
  },

  async query(argv) {
    const { flags, positionals } = parseArgs(
      argv,
      {
        ...lakeFlag,
        ...formatFlag,
        snapshot: { type: 'string', description: 'ID' },
        tag: { type: 'string', description: 'T' },
        branch: { type: 'string', description: 'B' },
        'as-of': { type: 'string', description: 'ISO timestamp' },
        unsafe: { type: 'boolean', description: 'run any statement with full file access' },
      },
      { min: 1, max: 1, names: 'the SQL text (quote it)' },
    );
    const format = formatOf(flags.format);
    const versions = [flags.snapshot, flags.tag, flags.branch, flags['as-of']].filter((v) => v !== undefined);
    if (versions.length > 1) throw new UsageError('give at most one of --snapshot, --tag, --branch, --as-of');
    // Read-only over the lake folder unless the user asks for DuckDB as it is (COPY TO, ATTACH, other files).
    const service = createLakeQuery(flags.lake ?? defaultLakeDir(), { unsafe: flags.unsafe === true });
    let handle: QueryHandle | null = null;
    const interrupt = () => handle?.cancel();
    process.once('SIGINT', interrupt);
    try {
      handle = await service.query(positionals[0]!, {
        snapshot: flags.snapshot === undefined ? undefined : snapshotIdOf(flags.snapshot),
        tag: flags.tag,
        branch: flags.branch,
        asOf: flags['as-of'],
        pageSize: 1000,
      });
      const writer = createResultWriter(format, handle.columns);
      let count = 0;
      for (;;) {
        const page = await handle.nextPage();
        count += page.rows.length;
        await write(writer.page(page.rows));
        if (page.done) break;
      }
      await write(writer.end(count));
      return 0;
    } finally {
      process.off('SIGINT', interrupt);
      handle?.close();
      service.close();
    }
  },

  async tag(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, snapshot: { type: 'string', description: 'ID' }, delete: { type: 'string', description: 'NAME' } }, { min: 1, max: 2, names: 'the table and tag name' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    if (flags.delete !== undefined) {
      if (positionals.length > 1 || flags.snapshot !== undefined) throw new UsageError('--delete takes only the table and the tag name');
      await table.deleteTag(flags.delete);
      process.stdout.write(`deleted tag "${flags.delete}" of ${table.name}\n`);
      return 0;
    }
    const name = positionals[1];
    if (name === undefined) throw new UsageError('missing the tag name');
    await table.createTag(name, flags.snapshot === undefined ? undefined : snapshotIdOf(flags.snapshot));
    process.stdout.write(`tagged ${table.name} snapshot ${(await table.refresh()).resolve({ tag: name })?.snapshotId} as "${name}"\n`);
    return 0;
  },

  async branch(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, snapshot: { type: 'string', description: 'ID' } }, { min: 2, max: 2, names: 'the table and branch name' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const name = positionals[1]!;
    await table.createBranch(name, flags.snapshot === undefined ? undefined : snapshotIdOf(flags.snapshot));
    process.stdout.write(`created branch "${name}" of ${table.name} at snapshot ${(await table.refresh()).resolve({ branch: name })?.snapshotId}\n`);
    return 0;
  },

  async 'fast-forward'(argv) {
    const { flags, positionals } = parseArgs(argv, lakeFlag, { min: 2, max: 2, names: 'the table and branch name' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    await table.fastForward('main', positionals[1]!);
    process.stdout.write(`main of ${table.name} is now at snapshot ${(await table.refresh()).resolve()?.snapshotId}\n`);
    return 0;
  },

  async rollback(argv) {
    const { flags, positionals } = parseArgs(argv, lakeFlag, { min: 2, max: 2, names: 'the table and snapshot id' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const id = snapshotIdOf(positionals[1]!);
    await table.rollback(id);
    process.stdout.write(`main of ${table.name} rolled back to snapshot ${id}\n`);
    return 0;
  },

  async partition(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, clear: { type: 'boolean' } }, { min: 1, max: 100, names: 'the table and partition fields' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const fields = positionals.slice(1);
    if (flags.clear && fields.length > 0) throw new UsageError('--clear takes only the table name');
    if (flags.clear || fields.length > 0) {
      const before = table.partitionSpec()['spec-id'];
      await table.replacePartitionSpec(fields);
      const changed = table.partitionSpec()['spec-id'] !== before;
      process.stdout.write(`${table.name}: partition spec ${changed ? 'is now' : 'was already'} ${specText(table)}${changed ? '; files written before keep their spec' : ''}\n`);
      return 0;
    }
    process.stdout.write(`${table.name}: ${specText(table)}\n`);
    return 0;
  },

  async sort(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, clear: { type: 'boolean' } }, { min: 1, max: 100, names: 'the table and sort fields' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const fields = positionals.slice(1);
    if (flags.clear && fields.length > 0) throw new UsageError('--clear takes only the table name');
    if (flags.clear || fields.length > 0) {
      const before = table.sortOrder().orderId;
      await table.replaceSortOrder(fields);
      const changed = table.sortOrder().orderId !== before;
      process.stdout.write(`${table.name}: sort order ${changed ? 'is now' : 'was already'} ${sortOrderText(table)}${changed && fields.length > 0 ? '; run "streamlake lake compact" to re-sort files written before' : ''}
`);
      return 0;
    }
    process.stdout.write(`${table.name}: ${sortOrderText(table)}
`);
    return 0;
  },

  async compact(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, 'target-size': { type: 'number', description: 'MB' } }, { min: 1, max: 1, names: 'the table name' });
    const size = flags['target-size'];
    if (size !== undefined && !(size > 0)) throw new UsageError(`--target-size must be a positive number of MB, got ${size}`);
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const result = await table.compact({ targetFileSizeBytes: size === undefined ? undefined : Math.round(size * 1024 * 1024) }, progress(`compact ${table.name}`));
    process.stdout.write(
      result.snapshotId === null
        ? `${table.name}: nothing to compact\n`
        : `${table.name}: rewrote ${result.filesRewritten} files into ${result.filesWritten} (snapshot ${result.snapshotId})\n`,
    );
    return 0;
  },

  async expire(argv) {
    const { flags, positionals } = parseArgs(
      argv,
      { ...lakeFlag, 'older-than': { type: 'string', description: 'duration, e.g. 7d' }, 'retain-last': { type: 'number', description: 'K' } },
      { min: 1, max: 1, names: 'the table name' },
    );
    const retain = flags['retain-last'];
    if (retain !== undefined && !(Number.isInteger(retain) && retain >= 1)) throw new UsageError(`--retain-last must be a whole number ≥ 1, got ${retain}`);
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const result = await table.expireSnapshots(
      { olderThanMs: durationFlag(flags['older-than'] ?? '7d', '--older-than'), retainLast: retain },
      progress(`expire ${table.name}`),
    );
    process.stdout.write(`${table.name}: expired ${result.expired} snapshots, deleted ${result.filesDeleted} files\n`);
    return 0;
  },

  async clean(argv) {
    const { flags, positionals } = parseArgs(argv, { ...lakeFlag, 'older-than': { type: 'string', description: 'duration, e.g. 3d' }, force: { type: 'boolean', description: 'allow --older-than below 1d' } }, { min: 1, max: 1, names: 'the table name' });
    const table = await openTable(lakeOf(flags.lake), positionals[0]!);
    const result = await table.removeOrphans({ olderThanMs: durationFlag(flags['older-than'] ?? '3d', '--older-than'), force: flags.force === true }, progress(`clean ${table.name}`));
    const kept = result.protectedByPending ? ` (kept ${result.protectedByPending} files writers still have pending)` : '';
    process.stdout.write(`${table.name}: removed ${result.removed.length} orphan files${kept}\n`);
    return 0;
  },
};

function specText(table: LakeTable): string {
  const spec = table.partitionSpec();
  const schema = table.schema();
  const fields = spec.fields.map((f) => {
    const column = schema.fields.find((c) => c.id === f['source-id'])?.name ?? `#${f['source-id']}`;
    const m = /^(bucket|truncate)\[(\d+)\]$/.exec(f.transform);
    return f.transform === 'identity' ? column : m ? `${m[1]}(${m[2]}, ${column})` : `${f.transform}(${column})`;
  });
  return `${fields.length ? fields.join(', ') : 'unpartitioned'} (spec ${spec['spec-id']} of ${table.partitionSpecs().length})`;
}

function sortOrderText(table: LakeTable): string {
  const order = table.sortOrder();
  return order.fields.length ? `${order.fields.join(', ')} (order ${order.orderId})` : 'unsorted';
}

function durationFlag(text: string, flag: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.message}`);
  return parsed.ms;
}

export const lake: Command = {
  name: 'lake',
  summary: 'List, query and maintain the Iceberg tables of the lake',
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError('missing the subcommand');
    const sub = subcommands[name];
    if (!sub) throw new UsageError(`unknown subcommand "${name}"; one of ${Object.keys(subcommands).join(', ')}`);
    return sub(rest);
  },
};
