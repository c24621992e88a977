// One small argument parser for every command, so flags behave the same everywhere: `--name value`,
// `--name=value`, boolean `--name`, `--` ends the flags, and unknown flags are an error that suggests the
// closest known one.
import { didYouMean } from '../format/problems.ts';
import { UsageError } from './command.ts';

export interface FlagSpec {
  type: 'string' | 'number' | 'boolean';
  /** Shown in usage text; also documents the value, e.g. "N". */
  description?: string;
}

type FlagValue<S extends FlagSpec> = S['type'] extends 'number' ? number : S['type'] extends 'boolean' ? boolean : string;

export interface ParsedArgs<F extends Record<string, FlagSpec>> {
  flags: { [K in keyof F]?: FlagValue<F[K]> };
  positionals: string[];
}

/** Parses argv against the known flags; throws UsageError naming what is wrong. */
export function parseArgs<F extends Record<string, FlagSpec>>(argv: readonly string[], flags: F, positionals: { min: number; max: number; names: string }): ParsedArgs<F> {
  const out: Record<string, string | number | boolean> = {};
  const rest: string[] = [];
  const known = Object.keys(flags);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg.length > 1 && Number.isNaN(Number(arg))) throw new UsageError(`unknown option ${arg}; options are written --name`);
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown flag --${name}${didYouMean(name, known).replace('"', '"--')}`);
    if (name in out) throw new UsageError(`--${name} is given twice`);
    if (spec.type === 'boolean') {
      if (eq >= 0) {
        const text = arg.slice(eq + 1);
        if (text !== 'true' && text !== 'false') throw new UsageError(`--${name} takes no value (or =true / =false), got "${text}"`);
        out[name] = text === 'true';
      } else out[name] = true;
      continue;
    }
    let text: string | undefined;
    if (eq >= 0) text = arg.slice(eq + 1);
    else {
      text = argv[i + 1];
      i++;
    }
    if (text === undefined || (eq < 0 && text.startsWith('--'))) throw new UsageError(`--${name} needs a value${spec.description ? ` (${spec.description})` : ''}`);
    if (spec.type === 'number') {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${text}"`);
      out[name] = value;
    } else out[name] = text;
  }
  if (rest.length < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (rest.length > positionals.max) throw new UsageError(`unexpected argument "${rest[positionals.max]}"`);
  return { flags: out as ParsedArgs<F>['flags'], positionals: rest };
}
