// `streamlake run <pipeline.json>`: validates, then runs the pipeline headless until its bounded sources
// end (after the final checkpoint and commit) or Ctrl-C (which stops cleanly with a final checkpoint).
// Progress goes to stderr: a bar on a terminal, plain lines otherwise; the summary goes to stdout.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDuration } from '../format/duration.ts';
import { parsePipelineText, type PipelineDoc } from '../format/pipeline.ts';
import '../nodes/index.ts';
import { defaultCheckpointDir } from '../runtime/checkpoint.ts';
import { createRun, type Run, type RunSummary } from '../runtime/run.ts';
import { parseArgs } from './args.ts';
import type { Command } from './command.ts';
import { defaultLakeDir, streamlakeHome } from './home.ts';

const usage = `Usage: streamlake run <pipeline.json> [--lake DIR] [--max-events N] [--checkpoint-dir DIR]

Validates the pipeline, then runs it headless. Bounded sources (generators with a count, files) end the
run after the final checkpoint and lake commit; unbounded ones run until Ctrl-C, which stops cleanly with
a final checkpoint (exit 130). Progress goes to stderr, the summary to stdout.

Checkpoints are always kept, in $STREAMLAKE_HOME/checkpoints/<pipeline> (the studio's folder too), and a
run resumes from the newest one: a killed or stopped run continues exactly where it was, and a bounded
input that was read to its end is not read again (delete the folder, or Reset in the studio, to start over).

Options:
  --lake DIR             Lake folder (default $STREAMLAKE_HOME/lake, STREAMLAKE_HOME defaults to ~/.streamlake)
  --max-events N         Stop after exactly N source events; the next run continues with event N+1
  --checkpoint-dir DIR   Keep checkpoints in DIR instead of $STREAMLAKE_HOME/checkpoints/<pipeline>
  --checkpoint-interval D  Time between checkpoints, e.g. 10s (default 10s; lake sinks commit at these)
`;

export const run: Command = {
  name: 'run',
  summary: 'Run a pipeline headless, with progress and a summary',
  usage,
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, {
      lake: { type: 'string', description: 'DIR' },
      'max-events': { type: 'number', description: 'N' },
      'checkpoint-dir': { type: 'string', description: 'DIR' },
      'checkpoint-interval': { type: 'string', description: 'duration, e.g. 10s' },
    }, { min: 1, max: 1, names: 'the pipeline file to run' });
    const file = positionals[0] as string;
    const maxEvents = flags['max-events'];
    if (maxEvents !== undefined && (!Number.isInteger(maxEvents) || maxEvents < 1)) {
      process.stderr.write(`streamlake run: --max-events must be a positive whole number, got ${maxEvents}\n`);
      return 2;
    }
    let interval: number | undefined;
    if (flags['checkpoint-interval'] !== undefined) {
      const parsed = parseDuration(flags['checkpoint-interval']);
      if (!parsed.ok) {
        process.stderr.write(`streamlake run: --checkpoint-interval: ${parsed.message}\n`);
        return 2;
      }
      interval = parsed.ms;
    }

    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      process.stderr.write(`streamlake run: cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}\n`);
      return 1;
    }
    const checked = parsePipelineText(text);
    if (!checked.ok) {
      process.stderr.write(`✗ ${file}: ${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}; nothing was run\n`);
      for (const problem of checked.problems) process.stderr.write(`  ${problem.path || '/'}  ${problem.message}\n`);
      return 1;
    }
    const doc = checked.doc;
    const lakeDir = resolve(flags.lake ?? defaultLakeDir());
    const home = streamlakeHome();
    const checkpointDir = flags['checkpoint-dir'] ? resolve(flags['checkpoint-dir']) : defaultCheckpointDir(home, doc.name);
    const runner = createRun(doc, {
      lakeDir,
      homeDir: home,
      maxEvents,
      checkpointDir,
      checkpointInterval: interval,
      onEvent: (event) => {
        if (event.type === 'log' && (event.level === 'warn' || event.level === 'error')) progress.message(`${event.level}: ${event.node ? `${event.node}: ` : ''}${event.message}`);
        if (event.type === 'restored') progress.message(`resuming from checkpoint ${event.checkpointId}`);
      },
    });
    const progress = new Progress(runner, doc, expectedEvents(doc, maxEvents));
    let interrupted = false;
    const onSigint = (): void => {
      if (interrupted) {
        process.stderr.write('\nsecond Ctrl-C: exiting without waiting for the final checkpoint\n');
        process.exit(130);
      }
      interrupted = true;
      progress.message('stopping: taking a final checkpoint (Ctrl-C again to abort)');
      void runner.stop();
    };
    process.on('SIGINT', onSigint);
    progress.message(`running ${doc.name} → lake ${lakeDir}, checkpoints ${checkpointDir}`);
    progress.start();
    let summary: RunSummary;
    try {
      summary = await runner.start();
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    process.stdout.write(formatSummary(summary));
    if (summary.status === 'failed') {
      const where = summary.error?.node ? ` in node "${summary.error.node}"` : '';
      process.stderr.write(`streamlake run: failed${where}: ${summary.error?.message ?? 'unknown error'} [${summary.error?.code ?? 'ENG_RUN_NODE'}]\n`);
      return 1;
    }
    return interrupted ? 130 : 0;
  },
};

/** Events the run will read when that is known up front (generators with a count, or --max-events). */
function expectedEvents(doc: PipelineDoc, maxEvents: number | undefined): number | null {
  let total = 0;
  for (const node of doc.nodes) {
    if (!node.type.startsWith('source.')) continue;
    if (node.type !== 'source.generator' || !node.config.count) return maxEvents ?? null;
    total += node.config.count;
  }
  return maxEvents !== undefined ? Math.min(maxEvents, total) : total;
}

class Progress {
  private timer: NodeJS.Timeout | null = null;
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = Date.now();
  private lastLine = 0;
  private drawn = false;

  constructor(private readonly run: Run, private readonly doc: PipelineDoc, private readonly total: number | null) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.tty ? 200 : 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
  }

  message(text: string): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${text}\n`);
    this.drawn = false;
  }

  private counts(): { events: number; rate: number; errors: number; late: number } {
    const m = this.run.metrics();
    let events = 0;
    let rate = 0;
    let errors = 0;
    let late = 0;
    for (const node of Object.values(m.nodes)) {
      if (node.kind === 'source') {
        events += node.in;
        rate += node.rateIn;
      }
      errors += node.errors;
      late += node.late;
    }
    return { events, rate, errors, late };
  }

  private draw(): void {
    const { events, rate, errors, late } = this.counts();
    const elapsed = (Date.now() - this.started) / 1000;
    const tail = `${fmt(events)} events  ${fmt(rate)} ev/s  errors ${fmt(errors)}  late ${fmt(late)}  ${elapsed.toFixed(0)} s`;
    if (this.tty) {
      let bar = '';
      if (this.total) {
        const share = Math.min(1, events / this.total);
        const width = 24;
        const filled = Math.round(share * width);
        bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  `;
      }
      process.stderr.write(`\r\x1b[2K${bar}${tail}`);
      this.drawn = true;
    } else if (Date.now() - this.lastLine >= 5000) {
      // Plain lines for logs and pipes: one every 5 s is enough to see progress without flooding.
      this.lastLine = Date.now();
      process.stderr.write(`progress: ${this.total ? `${((Math.min(1, events / this.total)) * 100).toFixed(0)}% ` : ''}${tail}\n`);
    }
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The summary table: events in/out per node, errors, late, and what the sinks wrote. */
export function formatSummary(summary: RunSummary): string {
  const header = ['node', 'type', 'in', 'out', 'errors', 'late', 'written'];
  const rows = Object.entries(summary.nodes).map(([id, n]) => {
    const sink = summary.sinks[id];
    const written = sink ? [`${fmt(sink.rows)} rows`, sink.files !== undefined ? `${fmt(sink.files)} files` : '', sink.snapshots !== undefined ? `${fmt(sink.snapshots)} snapshots` : ''].filter(Boolean).join(', ') : '';
    return [id, n.type, fmt(n.in), n.kind === 'sink' ? '' : fmt(n.out.out), fmt(n.errors), fmt(n.late), written];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (cells: string[]): string => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const seconds = Math.max(0.001, (summary.endedAt - summary.startedAt) / 1000);
  const out = [
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${summary.status}: ${fmt(summary.eventsIn)} events in ${seconds.toFixed(2)} s (${fmt(summary.eventsIn / seconds)} events/s)` +
      `, ${summary.checkpoints} checkpoint${summary.checkpoints === 1 ? '' : 's'}${summary.lastCheckpointId !== null ? ` (last ${summary.lastCheckpointId})` : ''}` +
      (summary.restoredFrom !== null ? `, resumed from checkpoint ${summary.restoredFrom}` : ''),
    '',
  ];
  return out.join('\n');
}
