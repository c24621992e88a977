// Resetting a consumer group's offsets: pick where to (earliest, latest, a time), see the plan per partition
// with the lag before and after in a confirmation dialog, then apply it.
import { useState } from 'react';
import type { KafkaOffsetReset, KafkaOffsetTarget } from '../../../engine/api/contract.ts';
import { useApi } from '../api/context.tsx';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { message, parseTime } from './format.ts';

export function OffsetReset({ connection, groupId, topics, onDone }: { connection: string; groupId: string; topics: readonly string[]; onDone: () => void }) {
  const api = useApi();
  const [mode, setMode] = useState<'earliest' | 'latest' | 'time'>('earliest');
  const [time, setTime] = useState('');
  const [topic, setTopic] = useState('');
  const [plan, setPlan] = useState<KafkaOffsetReset | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const target = (): KafkaOffsetTarget => {
    if (mode !== 'time') return mode;
    const ms = parseTime(time);
    if (ms === undefined || Number.isNaN(ms)) throw new Error(`"${time}" is not a date and time; use e.g. 2026-01-01 12:00 (UTC)`);
    return { timestamp: ms };
  };
  const request = (dryRun: boolean) => ({ connection, groupId, to: target(), dryRun, ...(topic === '' ? {} : { topic }) });
  const preview = async () => {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      setPlan(await api.kafkaResetOffsets(request(true)));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    setBusy(true);
    try {
      const applied = await api.kafkaResetOffsets(request(false));
      setDone(`Offsets moved: lag ${applied.lagBefore.toLocaleString()} → ${applied.lagAfter.toLocaleString()}`);
      onDone();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
      setPlan(null);
    }
  };
  return (
    <section className="card" aria-label="Reset offsets">
      <h2>Reset offsets</h2>
      <div className="row wrap">
        <select aria-label="Reset to" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
          <option value="earliest">to earliest</option>
          <option value="latest">to latest</option>
          <option value="time">to a time</option>
        </select>
        {mode === 'time' && <input className="mono" aria-label="Reset time" placeholder="2026-01-01 12:00 (UTC)" value={time} onChange={(e) => setTime(e.target.value)} style={{ width: 190 }} />}
        <select aria-label="Reset topic" value={topic} onChange={(e) => setTopic(e.target.value)}>
          <option value="">every topic of the group</option>
          {topics.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <button aria-label="Reset offsets…" disabled={busy} onClick={() => void preview()}>Reset offsets…</button>
      </div>
      <span className="faint small">The group must have no running consumers; Kafka refuses to move the offsets of an active group.</span>
      {error && <div className="field-error" role="alert">{error}</div>}
      {done && <span className="small" role="status" aria-label="Reset result" style={{ color: 'var(--ok)' }}>{done}</span>}
      {plan && (
        <ConfirmDialog title={`Reset offsets of ${groupId}?`} confirmLabel="Reset offsets" danger busy={busy} onCancel={() => setPlan(null)} onConfirm={() => void apply()}>
          <p>
            Moves {plan.moves.length} partition{plan.moves.length === 1 ? '' : 's'} {mode === 'time' ? `to the first message at or after ${time} UTC` : `to the ${mode} offset`}.
            Lag goes from <b>{plan.lagBefore.toLocaleString()}</b> to <b aria-label="Lag after reset">{plan.lagAfter.toLocaleString()}</b>.
          </p>
          <div className="grid-wrap" style={{ maxHeight: 240 }}>
            <table className="grid" aria-label="Offset moves">
              <thead><tr><th>topic</th><th className="num">partition</th><th className="num">from</th><th className="num">to</th><th className="num">lag after</th></tr></thead>
              <tbody>
                {plan.moves.map((m) => (
                  <tr key={`${m.topic}:${m.partition}`}>
                    <td>{m.topic}</td><td className="num">{m.partition}</td><td className="num">{m.from ?? '—'}</td><td className="num">{m.to}</td><td className="num">{m.lagAfter.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </ConfirmDialog>
      )}
    </section>
  );
}
