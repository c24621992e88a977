// Every CLI command, one file each. Add yours with one entry: its name and how to load its file.
//
// A command's file is loaded only when that command runs. Loading all of them for every call (Kafka,
// DuckDB, the web host, the Flink client, every sink's driver) cost about 1.2 s more CPU per
// `streamlake lake …` call than loading `lake` alone, and the CLI is spawned a hundred times by the tests.
import type { Command } from './command.ts';

const loaders: Record<string, () => Promise<Command>> = {
  help: async () => (await import('./help.ts')).help,
  validate: async () => (await import('./validate.ts')).validate,
  generate: async () => (await import('./generate.ts')).generate,
  run: async () => (await import('./run.ts')).run,
  examples: async () => (await import('./examples.ts')).examples,
  export: async () => (await import('./export.ts')).exportCommand,
  flink: async () => (await import('./flink.ts')).flink,
  lake: async () => (await import('./lake.ts')).lake,
  produce: async () => (await import('./produce.ts')).produce,
  kafka: async () => (await import('./kafka.ts')).kafka,
  studio: async () => (await import('./studio.ts')).studio,
  start: async () => (await import('./start.ts')).start,
};

/** The command names, in the order `streamlake help` lists them. */
export const commandNames: readonly string[] = Object.keys(loaders);

/** Loads one command's file; undefined for a name that is not a command. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(loaders, name) ? loaders[name]!() : undefined;
}

/** Every command (for `streamlake help`, which lists their summaries), in `commandNames` order. */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(commandNames.map((name) => loaders[name]!()));
}
