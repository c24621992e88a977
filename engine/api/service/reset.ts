// Reset's answer to "what happens to the tables this pipeline already wrote?". Deleting the checkpoints
// alone makes the next run read its input from the start again, and every row would land a second time
// next to the first (the studio once took sales_orders from 99,805 to 199,610 rows without a word).
// So Reset asks, and does what the user chose on each lake table the pipeline writes:
// - replace: one Iceberg delete snapshot empties the sink's branch; older snapshots keep their rows, so
//   time travel and tags still see them;
// - append: the rows stay and the next run adds its own.
// Either way the snapshot Reset commits carries the pipeline's name with checkpoint id 0 and
// `streamlake.reset`: walking the branch back from its head for the pipeline's last committed checkpoint
// (engine/lake/sink.ts lastCommittedCheckpoint) then finds "nothing committed since the reset", so the
// checkpoint ids of the next run, which start again at 1, are not taken for ones already committed.
import type { PipelineDoc } from '../../format/pipeline.ts';
import { checkTableName, openLake } from '../../lake/lake.ts';
import { SUMMARY_CHECKPOINT, SUMMARY_PIPELINE } from '../../lake/sink.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ResetTableResult, ResetTables } from '../contract.ts';

export const SUMMARY_RESET = 'streamlake.reset';

/** The consumer group a source.kafka node uses: the same default as engine/kafka/source.ts. */
export function kafkaSourceGroup(pipelineName: string, nodeId: string, group: string | undefined): string {
  return group ?? `streamlake-${pipelineName}-${nodeId}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The pipeline's Kafka sources with their connection and group, each group once. */
export function kafkaGroups(doc: PipelineDoc): { node: string; connection: string; group: string }[] {
  const out: { node: string; connection: string; group: string }[] = [];
  for (const node of doc.nodes) {
    if (node.type !== 'source.kafka') continue;
    const group = kafkaSourceGroup(doc.name, node.id, node.config.group);
    if (!out.some((g) => g.connection === node.config.connection && g.group === group)) out.push({ node: node.id, connection: node.config.connection, group });
  }
  return out;
}

interface Target {
  table: string;
  branch: string;
}

/** The (table, branch) pairs the pipeline's sink.lake nodes write, each once, in node order. */
export function lakeTargets(doc: PipelineDoc): Target[] {
  const out: Target[] = [];
  for (const node of doc.nodes) {
    if (node.type !== 'sink.lake') continue;
    const table = node.config.table;
    // The document crossed the host boundary with only its envelope checked: a bad name fails here, named.
    checkTableName(table);
    const branch = node.config.branch ?? 'main';
    if (!out.some((t) => t.table === table && t.branch === branch)) out.push({ table, branch });
  }
  return out;
}

export async function resetTables(lakeDir: string, clock: Clock, doc: PipelineDoc, mode: ResetTables): Promise<ResetTableResult[]> {
  const lake = openLake(lakeDir, { clock });
  const results: ResetTableResult[] = [];
  for (const { table: name, branch } of lakeTargets(doc)) {
    if (!(await lake.exists(name))) {
      results.push({ table: name, branch, action: 'absent', rowsRemoved: 0, snapshotId: null });
      continue;
    }
    const table = await lake.table(name);
    if (branch !== 'main' && !table.refs().some((r) => r.name === branch && r.type === 'branch')) {
      results.push({ table: name, branch, action: 'absent', rowsRemoved: 0, snapshotId: null });
      continue;
    }
    const summary = { [SUMMARY_PIPELINE]: doc.name, [SUMMARY_CHECKPOINT]: '0', [SUMMARY_RESET]: mode };
    if (mode === 'replace') {
      const done = await table.truncate({ branch, summary, allowEmpty: true });
      results.push({ table: name, branch, action: 'emptied', rowsRemoved: done.rows, snapshotId: done.snapshot ? String(done.snapshot['snapshot-id']) : null });
    } else {
      const done = await table.append([], { branch, summary, allowEmpty: true });
      results.push({ table: name, branch, action: 'kept', rowsRemoved: 0, snapshotId: done.snapshot ? String(done.snapshot['snapshot-id']) : null });
    }
  }
  return results;
}
