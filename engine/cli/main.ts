// `streamlake <command> …`: finds the command, runs it, and turns failures into clear messages and exit
// codes (0 ok, 1 failed, 2 wrong usage).
import { readFileSync } from 'node:fs';
import { didYouMean } from '../format/problems.ts';
import { isEngineError } from '../errors.ts';
import { UsageError } from './command.ts';
import { commandNames, loadCommand } from './commands.ts';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') return (await loadCommand('help'))?.run([]) ?? 0;
  if (name === '--version' || name === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    process.stdout.write(`streamlake ${pkg.version ?? 'unknown'}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    const names = [...commandNames];
    const prefixed = names.filter((n) => n.startsWith(name));
    const hint = prefixed.length === 1 ? ` (did you mean "${prefixed[0]}"?)` : didYouMean(name, names);
    process.stderr.write(`streamlake: unknown command "${name}"${hint}\nRun "streamlake help" to list the commands.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`streamlake ${command.name}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    if (isEngineError(error)) {
      process.stderr.write(`streamlake ${command.name}: ${error.message} [${error.code}]\n`);
      return 1;
    }
    process.stderr.write(`streamlake ${command.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
