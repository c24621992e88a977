// `streamlake export flink <pipeline.json>`: the pipeline as one Flink SQL script (engine/flink/export.ts),
// with what does not carry over listed on stderr (and in the script's header).
import { readFile, writeFile } from 'node:fs/promises';
import { exportFromHome } from '../flink/job.ts';
import { parsePipelineText } from '../format/pipeline.ts';
import { FileConnectionStore } from '../kafka/connections.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { UsageError } from './command.ts';
import { defaultLakeDir, streamlakeHome } from './home.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a pipeline as a Flink SQL job (export flink <pipeline.json>)',
  usage: `Usage: streamlake export flink <pipeline.json> [--out job.sql] [--warehouse URI] [--lake DIR] [--bounded] [--json]

Writes one self-contained Flink SQL script for Apache Flink 1.20 (Kafka connector 3.4, Iceberg 1.10):
SET options, Kafka source tables with their schema and WATERMARK, views for filters, maps, dedupes and
windows, an Iceberg catalog for lake sinks and every INSERT in one statement set. The columns of a JSON
Kafka source are learned from the newest events of its topics (read without joining a consumer group),
typed as the engine types them. Lake sinks write into the
same lake: a Hadoop catalog whose warehouse is the lake's parent folder and whose database is the lake folder.
Secrets are never written: they appear as \${ENV} placeholders to substitute before submitting.
What Flink cannot do the same way is listed on stderr and in the script's header (~ exported with the
nearest Flink equivalent, ✗ left out). The exit code is 1 when nothing could be exported.

Options:
  --out FILE       Write the script here instead of stdout
  --warehouse URI  Iceberg warehouse instead of the lake's parent folder (e.g. s3://bucket/warehouse)
  --lake DIR       The lake (default $STREAMLAKE_HOME/lake)
  --bounded        Read the Kafka sources from the earliest offset to their current end, then finish
  --json           Print {"sql", "statements", "problems", "placeholders"} as JSON
`,
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, {
      out: { type: 'string' }, warehouse: { type: 'string' }, lake: { type: 'string' }, bounded: { type: 'boolean' }, json: { type: 'boolean' },
    }, { min: 2, max: 2, names: 'the target (flink) and the pipeline file' });
    const [target, file] = positionals as [string, string];
    if (target !== 'flink') throw new UsageError(`unknown export target '${target}': only 'flink' is supported`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
      return 1;
    }
    const parsed = parsePipelineText(text);
    if (!parsed.ok) {
      process.stderr.write(`${file} is not a valid pipeline:\n${parsed.problems.map((p) => `  ${p.path || '/'}  ${p.message}`).join('\n')}\n`);
      return 1;
    }
    const result = await exportFromHome(parsed.doc, {
      homeDir: streamlakeHome(),
      kafka: new FileConnectionStore(streamlakeHome()),
      lakeDir: flags.lake ?? defaultLakeDir(),
      ...(flags.warehouse ? { warehouse: flags.warehouse } : {}),
      bounded: flags.bounded === true,
    });
    const empty = result.problems.some((p) => p.node === '' && p.severity === 'unsupported');
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ sql: result.sql, statements: result.statements, problems: result.problems, placeholders: result.placeholders }, null, 2)}\n`);
      return empty ? 1 : 0;
    }
    if (flags.out) await writeFile(flags.out, result.sql);
    else process.stdout.write(result.sql);
    for (const p of result.problems) process.stderr.write(`${p.severity === 'differs' ? '~' : '✗'} ${p.node || 'pipeline'}: ${p.message}\n    Flink: ${p.flink}\n`);
    if (flags.out) process.stderr.write(`wrote ${flags.out} (${result.statements.length} statements, ${result.problems.length} difference${result.problems.length === 1 ? '' : 's'})\n`);
    return empty ? 1 : 0;
  },
};
