// Messages of a topic as a table (numbers right-aligned under right-aligned headers, headers shown), and
// the chosen message in full beside it.
import { useState } from 'react';
import type { KafkaMessage } from '../../../engine/api/contract.ts';
import { cellText } from '../ui/DataTable.tsx';
import { bytes, clock, headerText } from './format.ts';

export function MessageTable({ messages, label }: { messages: readonly KafkaMessage[]; label: string }) {
  const [chosen, setChosen] = useState<KafkaMessage | null>(null);
  return (
    <div style={{ display: 'grid', gridTemplateColumns: chosen ? '1fr 340px' : '1fr', gap: 10, minHeight: 0 }}>
      <div className="grid-wrap" style={{ maxHeight: 380 }}>
        <table className="grid" aria-label={label}>
          <thead><tr><th className="num">partition</th><th className="num">offset</th><th>time</th><th>key</th><th>value</th><th>headers</th><th className="num">size</th></tr></thead>
          <tbody>
            {messages.map((m) => (
              <tr key={`${m.partition}:${m.offset}`} onClick={() => setChosen(m)} style={{ cursor: 'pointer' }} aria-selected={chosen === m}>
                <td className="num">{m.partition}</td>
                <td className="num">{m.offset}</td>
                <td>{clock(m.timestamp)}</td>
                <td>{m.key ?? <span className="faint">null</span>}</td>
                <td title={cellText(m.value)} style={m.decodeError ? { color: 'var(--error)' } : undefined}>{cellText(m.value)}</td>
                <td title={headerText(m.headers)}>{headerText(m.headers)}</td>
                <td className="num">{bytes(m.sizeBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {chosen && (
        <div className="col" aria-label="Message detail">
          <div className="row"><span className="muted small grow">partition {chosen.partition} · offset {chosen.offset} · {chosen.format}</span><button className="ghost small" aria-label="Close message" onClick={() => setChosen(null)}>✕</button></div>
          {chosen.decodeError && <div className="field-error">{chosen.decodeError}</div>}
          <pre className="json mono">{JSON.stringify(chosen.value, null, 2)}</pre>
          <span className="muted small">Headers</span>
          {Object.keys(chosen.headers).length > 0
            ? <pre className="json mono" aria-label="Message headers">{JSON.stringify(chosen.headers, null, 2)}</pre>
            : <span className="faint small">none</span>}
        </div>
      )}
    </div>
  );
}
