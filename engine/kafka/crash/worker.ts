// One life of the crash test's engine: runs a pipeline document with checkpoints until its Kafka sources
// have drained the topic (the document's sources say stopAtEnd), printing "ready" once started and "checkpoint N" as they become
// durable. The parent kills it with SIGKILL at random moments and starts it again.
import { readFileSync } from 'node:fs';
import type { PipelineDoc } from '../../format/pipeline.ts';
import '../../nodes/index.ts';
import { createRun } from '../../runtime/run.ts';

const [docPath, lakeDir, homeDir, checkpointDir] = process.argv.slice(2);
if (!docPath || !lakeDir || !homeDir || !checkpointDir) {
  process.stderr.write('usage: worker.ts <pipeline.json> <lakeDir> <homeDir> <checkpointDir>\n');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, 'utf8')) as PipelineDoc;
const run = createRun(doc, {
  lakeDir,
  homeDir,
  checkpointDir,
  checkpointInterval: Number(process.env.STREAMLAKE_CRASH_CHECKPOINT_MS ?? 1000),
  // Small sink queues put sources under backpressure often, where checkpoints must still cover only what
  // every port delivered.
  queueCapacity: Number(process.env.STREAMLAKE_CRASH_QUEUE ?? 16),
  onEvent: (event) => {
    if (event.type === 'status' && event.status === 'running') process.stdout.write('ready\n');
    else if (event.type === 'checkpoint') process.stdout.write(`checkpoint ${event.checkpointId}${faultText()}\n`);
    else if (event.type === 'restored') process.stdout.write(`restored ${event.checkpointId}\n`);
    else if (event.type === 'error') process.stderr.write(`error ${event.node ?? ''}: ${event.error.message}\n`);
    else if (event.type === 'log' && event.level !== 'debug' && event.level !== 'info') process.stderr.write(`${event.level} ${event.node ?? ''}: ${event.message}\n`);
  },
});
/** Nodes with late events or errors so far in this life (a killed life never prints its summary). */
function faultText(): string {
  const nodes = Object.values(run.metrics().nodes).filter((n) => n.late > 0 || n.errors > 0);
  return nodes.map((n) => ` ${n.id}: late ${n.late}, errors ${n.errors}`).join(';');
}
const summary = await run.start();
process.stdout.write(`${JSON.stringify({ status: summary.status, eventsIn: summary.eventsIn, error: summary.error })}${faultText()}\n`);
process.exit(summary.status === 'finished' ? 0 : 1);
