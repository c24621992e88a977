// `streamlake help [command]`.
import { parseArgs } from './args.ts';
import { UsageError } from './command.ts';
import type { Command } from './command.ts';
import { loadCommand, loadCommands } from './commands.ts';

export const help: Command = {
  name: 'help',
  summary: 'List the commands, or show how to use one',
  usage: 'Usage: streamlake help [command]',
  async run(argv) {
    const { positionals } = parseArgs(argv, {}, { min: 0, max: 1, names: 'command' });
    const name = positionals[0];
    if (name !== undefined) {
      const command = await loadCommand(name);
      if (!command) throw new UsageError(`unknown command "${name}"`);
      process.stdout.write(`${command.usage.trimEnd()}\n`);
      return 0;
    }
    const commands = await loadCommands();
    const width = Math.max(...commands.map((c) => c.name.length));
    process.stdout.write([
      'Streamlake: build streaming pipelines, run them on an embedded engine, keep a local Iceberg lake.',
      '',
      'Usage: streamlake <command> [options]',
      '',
      'Commands:',
      ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
      '',
      'Run "streamlake help <command>" or "streamlake <command> --help" for details.',
      'STREAMLAKE_HOME (default ~/.streamlake) holds local state; the lake defaults to $STREAMLAKE_HOME/lake.',
      '',
    ].join('\n'));
    return 0;
  },
};
