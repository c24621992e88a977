// `streamlake validate <pipeline.json>…`: every problem with its JSON path, exit 1 when any file is invalid.
import { readFile } from 'node:fs/promises';
import { parsePipelineText } from '../format/pipeline.ts';
import type { Problem } from '../format/pipeline.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';

export const validate: Command = {
  name: 'validate',
  summary: 'Check pipeline files and print every problem with its JSON path',
  usage: `Usage: streamlake validate <pipeline.json>... [--json]

Checks each pipeline file: its format and version, node types and settings, edges and ports, cycles,
durations, SQL expressions (with the character position of an error) and field names where the upstream
fields are known. Exits 0 when every file is valid, 1 otherwise.

Options:
  --json   Print the result as JSON: [{"file", "ok", "problems": [{"path", "code", "message", …}]}]
`,
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, { json: { type: 'boolean' } }, { min: 1, max: Infinity, names: 'the pipeline file to check' });
    const results: { file: string; ok: boolean; problems: Problem[]; summary?: string }[] = [];
    for (const file of positionals) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        results.push({ file, ok: false, problems: [{ path: '', code: 'ENG_FORMAT_PARSE', message: `cannot read the file: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}` }] });
        continue;
      }
      const result = parsePipelineText(text);
      if (result.ok) results.push({ file, ok: true, problems: [], summary: `${result.doc.nodes.length} nodes, ${result.doc.edges.length} edges` });
      else results.push({ file, ok: false, problems: result.problems });
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(results.map(({ summary: _summary, ...r }) => r), null, 2)}\n`);
    } else {
      for (const result of results) {
        if (result.ok) {
          process.stdout.write(`✓ ${result.file}: valid pipeline (${result.summary})\n`);
          continue;
        }
        const count = result.problems.length;
        process.stdout.write(`✗ ${result.file}: ${count} problem${count === 1 ? '' : 's'}\n`);
        for (const problem of result.problems) process.stdout.write(`  ${problem.path || '/'}  ${problem.message}\n`);
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
