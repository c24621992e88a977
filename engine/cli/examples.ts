// `streamlake examples`: the example pipelines that ship in resources/examples.
import { relative } from 'node:path';
import { listExamples } from '../format/examples.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';

export const examples: Command = {
  name: 'examples',
  summary: 'List the example pipelines (each runs on the built-in generators)',
  usage: `Usage: streamlake examples [--json]

Lists the example pipelines in resources/examples with their file paths, ready for
"streamlake validate <file>" and "streamlake run <file>".

Options:
  --json   Print name, file, description, and node and edge counts as JSON
`,
  async run(argv) {
    const { flags } = parseArgs(argv, { json: { type: 'boolean' } }, { min: 0, max: 0, names: '' });
    const list = listExamples();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(list.map((e) => ({ name: e.name, file: e.file, description: e.description, nodes: e.doc.nodes.length, edges: e.doc.edges.length })), null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...list.map((e) => e.name.length));
    for (const example of list) {
      process.stdout.write(`${example.name.padEnd(width)}  ${example.description}\n${' '.repeat(width)}  ${relative(process.cwd(), example.file) || example.file}\n`);
    }
    return 0;
  },
};
