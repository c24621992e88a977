// Beside a generator's "differs" line in the Flink export: produce the generator's events (same dataset and
// seed) to a Kafka topic, then swap the generator for a Kafka source on that topic as one undoable edit, so
// the exported job reads exactly what the studio's generator would have made.
import { useEffect, useState } from 'react';
import type { JobProgress, KafkaConnectionInfo } from '../../../engine/api/contract.ts';
import { useApi, useStudioStore } from '../api/context.tsx';
import { connectionChoices, localConnectionName } from '../inspector/kafka-choices.ts';
import { defaultEventCount, generatorNode, replaceGenerator } from './replaceGenerator.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function GeneratorToKafka({ nodeId }: { nodeId: string }) {
  const api = useApi();
  const store = useStudioStore();
  const generator = generatorNode(store.getState().graph, nodeId);
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<KafkaConnectionInfo[] | null>(null);
  const [connection, setConnection] = useState(localConnectionName);
  const [topic, setTopic] = useState(generator?.config.dataset ?? '');
  const [count, setCount] = useState(generator ? defaultEventCount(generator.config) : 0);
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<JobProgress | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return undefined;
    let current = true;
    api.kafkaConnections().then((list) => current && setSaved(list), () => current && setSaved([]));
    return () => {
      current = false;
    };
  }, [api, open]);
  useEffect(() => api.subscribe((e) => {
    if (e.type === 'job.progress' && e.progress.jobId === jobId) setJob(e.progress);
  }), [api, jobId]);
  if (!generator) return null;
  const busy = jobId !== null && failure === null;
  const problem = topic.trim() === '' ? 'Name the topic.' : !Number.isInteger(count) || count < 1 ? 'Produce at least one event.' : null;
  const confirm = () => {
    const id = `flink-generator-${nodeId}-${Date.now().toString(36)}`;
    const target = { connection, topic: topic.trim() };
    setFailure(null);
    setJobId(id);
    setJob({ jobId: id, kind: 'produce', label: `${generator.config.dataset} → ${target.topic}`, phase: 'starting', done: 0, total: count, finished: false });
    const seed = generator.config.seed;
    api.kafkaProduceGenerator({ ...target, dataset: generator.config.dataset, count, jobId: id, ...(seed !== undefined ? { seed } : {}) }).then(
      () => {
        // Re-read the graph: it may have been edited while the events were produced.
        const { graph, apply } = store.getState();
        apply({ kind: 'replace', graph: replaceGenerator(graph, nodeId, target) });
      },
      (error: unknown) => setFailure(`Could not produce to ${target.topic} on ${target.connection}: ${message(error).replace(/\.$/, '')}. The generator is unchanged.`),
    );
  };
  if (!open) {
    return <button type="button" className="small" onClick={() => setOpen(true)}>Use a Kafka topic instead</button>;
  }
  return (
    <div className="col" role="form" aria-label={`Kafka topic for ${nodeId}`} style={{ gap: 6, padding: 8, marginTop: 4, background: 'var(--raise)', borderRadius: 6 }}>
      <span className="small">Produce {generator.config.dataset} events{generator.config.seed !== undefined ? ` (seed ${generator.config.seed})` : ''} to a topic, then read that topic here instead of the generator.</span>
      <div className="row wrap" style={{ gap: 8 }}>
        <label className="col small">Connection
          <select aria-label="Connection" value={connection} disabled={busy} onChange={(e) => setConnection(e.target.value)}>
            {connectionChoices(saved ?? [], connection).map((c) => <option key={c.name} value={c.name}>{c.name} — {c.detail}</option>)}
          </select>
        </label>
        <label className="col small">Topic
          <input className="mono" aria-label="Topic" value={topic} disabled={busy} onChange={(e) => setTopic(e.target.value)} />
        </label>
        <label className="col small">Events
          <input type="number" className="mono" aria-label="Events" min={1} value={count} disabled={busy} onChange={(e) => setCount(Number(e.target.value))} style={{ width: 110 }} />
        </label>
      </div>
      {problem && <span className="field-error small">{problem}</span>}
      {job && !failure && (
        <div className="col" style={{ gap: 4 }}>
          <div className="progress" role="progressbar" aria-label="Produce progress" aria-valuenow={job.done} aria-valuemax={job.total ?? undefined}><div style={{ width: `${job.total ? Math.min(100, (100 * job.done) / job.total) : 0}%` }} /></div>
          <span className="small muted" role="status" aria-label="Produce status">Producing {job.label}: {job.phase} · {job.done.toLocaleString()}{job.total ? ` / ${job.total.toLocaleString()}` : ''}</span>
        </div>
      )}
      {failure && <span className="field-error small" role="alert">{failure}</span>}
      <div className="row" style={{ gap: 8 }}>
        <button type="button" className="primary small" disabled={busy || problem !== null} onClick={confirm}>Produce and replace</button>
        {busy && job && !job.finished ? <button type="button" className="small" onClick={() => void api.jobCancel({ jobId: job.jobId })}>Cancel</button>
          : <button type="button" className="small" disabled={busy} onClick={() => setOpen(false)}>Not now</button>}
      </div>
    </div>
  );
}
