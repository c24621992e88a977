// Every CLI command, one file each. Add yours with one import and one entry.
import type { Command } from './command.ts';
import { examples } from './examples.ts';
import { exportCommand } from './export.ts';
import { flink } from './flink.ts';
import { generate } from './generate.ts';
import { help } from './help.ts';
import { kafka } from './kafka.ts';
import { lake } from './lake.ts';
import { produce } from './produce.ts';
import { run } from './run.ts';
import { start } from './start.ts';
import { studio } from './studio.ts';
import { validate } from './validate.ts';

export const commands: Command[] = [
  help,
  validate,
  generate,
  run,
  examples,
  exportCommand,
  flink,
  lake,
  produce,
  kafka,
  studio,
  start,
];
