// A connection test's result, layer by layer in plain words: what passed, where it failed and why (the
// engine's own message), and what was not tried after the failure.
import type { ConnectionKind, ConnectionTest, ConnectionValues, LayerState } from './kinds.ts';
import { layerOutcomes } from './kinds.ts';

const marks: Record<LayerState, string> = { passed: '✓', failed: '✕', unused: '–', 'not tried': '·', unknown: '?' };

export function TestResult({ kind, result, values }: { kind: ConnectionKind; result: ConnectionTest; values: ConnectionValues }) {
  const outcomes = layerOutcomes(kind, result, values);
  const failed = outcomes.find((o) => o.state === 'failed');
  // A failure the engine cannot place at a layer says so in the server's words, without a row of "?".
  const placed = result.ok || failed !== undefined;
  // The engine's sentence can be long (server version and all); the headline stays short and it goes below.
  const headline = result.ok ? 'Connection works' : failed ? `${failed.layer.label} failed` : 'The test failed';
  return (
    <div role="status" aria-label="Connection test result" className={`test-result ${result.ok ? 'ok' : 'bad'}`}>
      <div className="test-headline">
        <span aria-hidden>{result.ok ? '✓' : '✕'}</span>
        <span className="grow">{headline}</span>
        <span className="faint small">{Math.round(result.elapsedMs)} ms</span>
      </div>
      {result.ok && <div className="test-detail">{result.message}</div>}
      {placed && <ul className="test-layers" aria-label="Connection test layers">
        {outcomes.map((o) => (
          <li key={o.layer.id} className={`layer ${o.state.replace(' ', '-')}`} aria-label={`${o.layer.label}: ${o.state}`}>
            <span className="layer-mark" aria-hidden>{marks[o.state]}</span>
            <span className="layer-name">{o.layer.label}</span>
            <span className="layer-words">{o.words}</span>
          </li>
        ))}
      </ul>}
      {!placed && <div className="field-error">{result.message}</div>}
    </div>
  );
}
