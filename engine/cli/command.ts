// The shape every CLI command file exports; engine/cli/commands.ts lists them.
export interface Command {
  name: string;
  /** One line for `streamlake help`. */
  summary: string;
  /** Full usage text for `streamlake help <name>` and `streamlake <name> --help`. */
  usage: string;
  /** Returns the process exit code: 0 success, 1 failure, 2 wrong usage. */
  run(argv: string[]): Promise<number>;
}

/** Wrong arguments: main prints the message and the command's usage, and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
