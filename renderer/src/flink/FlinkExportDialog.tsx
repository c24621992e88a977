// File → Export → Flink SQL: a preview of the script the engine exports for Flink 1.20 and, first, what
// does not carry over (per node: exported with the nearest Flink equivalent, or left out), so nothing
// changes meaning unseen; a generator can be swapped for a Kafka topic from here (GeneratorToKafka.tsx). Copy or download the script from here, or run it on Flink (FlinkSubmit.tsx).
import { useEffect, useState } from 'react';
import type { FlinkExportResult } from '../../../engine/api/contract.ts';
import { useApi, useStudio } from '../api/context.tsx';
import { docFromGraph } from '../graph/model.ts';
import { FlinkSubmit } from './FlinkSubmit.tsx';
import { GeneratorToKafka } from './GeneratorToKafka.tsx';
import { isGeneratorProblem } from './replaceGenerator.ts';

type Loaded = { state: 'loading' } | { state: 'ready'; result: FlinkExportResult } | { state: 'failed'; message: string };

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/sql' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name.replace(/[^A-Za-z0-9_.-]+/g, '-') || 'pipeline'}.flink.sql`;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

export function FlinkExportDialog({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const graph = useStudio((s) => s.graph);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let live = true;
    api.pipelineExportFlink({ doc: docFromGraph(graph) }).then(
      (result) => live && setLoaded({ state: 'ready', result }),
      (error: unknown) => live && setLoaded({ state: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [api, graph]);
  const result = loaded.state === 'ready' ? loaded.result : undefined;
  return (
    <div className="backdrop" onClick={onClose}>
      <div className="dialog" style={{ width: 'min(960px, 94vw)', maxHeight: '90vh' }} role="dialog" aria-modal="true" aria-label="Export Flink SQL" onClick={(e) => e.stopPropagation()}>
        <h2>Export as a Flink SQL job</h2>
        <p className="muted" style={{ margin: 0 }}>
          For Apache Flink 1.20 with the Kafka connector and Iceberg runtime. Lake sinks write into this studio's lake.
        </p>
        {loaded.state === 'loading' && <p className="muted">Exporting…</p>}
        {loaded.state === 'failed' && <p role="alert">Export refused: {loaded.message}</p>}
        {result && (
          <>
            <h3 style={{ margin: 0 }}>{result.problems.length === 0 ? 'Everything carries over' : `What does not carry over (${result.problems.length})`}</h3>
            {result.problems.length > 0 && (
              <ul aria-label="Differences">
                {result.problems.map((p, i) => (
                  <li key={i}>
                    <span className={`badge ${p.severity === 'unsupported' ? 'err' : ''}`}>{p.severity === 'differs' ? 'differs' : 'left out'}</span>{' '}
                    <code>{p.node || 'pipeline'}</code> {p.message}
                    <div className="faint small">Flink: {p.flink}</div>
                    {isGeneratorProblem(p, graph) && <GeneratorToKafka nodeId={p.node} />}
                  </li>
                ))}
              </ul>
            )}
            {result.placeholders.length > 0 && (
              <p className="small" aria-label="Placeholders" style={{ margin: 0 }}>
                Set these environment variables and substitute them before submitting (e.g. envsubst): {result.placeholders.map((p) => <code key={p}>{p} </code>)}
              </p>
            )}
            <pre className="mono small" aria-label="Flink SQL preview" style={{ maxHeight: '40vh', overflow: 'auto', margin: 0, padding: 8, background: 'var(--raise)', borderRadius: 6 }}>{result.sql}</pre>
          </>
        )}
        <FlinkSubmit disabled={!result} />
        <div className="row" style={{ justifyContent: 'flex-end', gap: 8 }}>
          <button disabled={!result} onClick={() => {
            if (result) void navigator.clipboard?.writeText(result.sql).then(() => setCopied(true), () => setCopied(false));
          }}>{copied ? 'Copied' : 'Copy'}</button>
          <button disabled={!result} onClick={() => result && download(graph.name, result.sql)}>Download .sql</button>
          <button className="primary" onClick={onClose}>Close</button>
        </div>
      </div>
    </div>
  );
}
