// The Kafka nodes' connection and topic fields: a picker of the saved connections (plus the local
// default) with a way to the connection manager, and topic inputs that offer the chosen connection's
// topics while still taking a name that does not exist yet.
import { useEffect, useState } from 'react';
import type { KafkaConnectionInfo } from '../../../engine/api/contract.ts';
import { useApi, useStudioStore } from '../api/context.tsx';
import { ComboInput } from '../ui/ComboInput.tsx';
import type { Choice } from '../ui/ComboInput.tsx';
import { connectionChoices } from './kafka-choices.ts';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ConnectionPicker({ label, value, onChange }: { label: string; value: string; onChange: (v: string | undefined) => void }) {
  const api = useApi();
  const store = useStudioStore();
  const [saved, setSaved] = useState<KafkaConnectionInfo[] | null>(null);
  useEffect(() => {
    let current = true;
    api.kafkaConnections().then((list) => current && setSaved(list), () => current && setSaved([]));
    return () => {
      current = false;
    };
  }, [api]);
  const choices = connectionChoices(saved ?? [], value);
  const manage = () => store.getState().setUi({ leftTab: 'kafka', leftOpen: true, kafka: { connection: value || undefined, topic: undefined, group: undefined } });
  return (
    <div className="row">
      <select className="grow" aria-label={label} value={value} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{saved === null ? 'loading connections…' : '(choose a connection)'}</option>
        {choices.map((c) => <option key={c.name} value={c.name}>{c.name} — {c.detail}</option>)}
      </select>
      <button type="button" className="small" aria-label="Manage Kafka connections" title="Add, test or edit connections" onClick={manage}>Manage…</button>
    </div>
  );
}

type TopicList = { connection: string; topics: Choice[] } | { connection: string; error: string };

/** The topics of a connection as choices; none while loading or when the broker cannot be reached. */
function useTopicChoices(connection: string): { choices: Choice[]; status: string } {
  const api = useApi();
  const [list, setList] = useState<TopicList | null>(null);
  useEffect(() => {
    if (connection === '') return undefined;
    let current = true;
    api.kafkaTopics({ connection }).then(
      (topics) => current && setList({ connection, topics: topics.filter((t) => !t.internal).map((t) => ({ value: t.name, detail: `${t.partitions.length}p · ${t.messages.toLocaleString()} msgs` })) }),
      (error: unknown) => current && setList({ connection, error: message(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, connection]);
  if (connection === '') return { choices: [], status: 'Choose a connection to see its topics.' };
  if (!list || list.connection !== connection) return { choices: [], status: `Listing the topics of ${connection}…` };
  if ('error' in list) return { choices: [], status: `Could not list the topics of ${connection} (${list.error}); type a topic name.` };
  const count = list.topics.length === 1 ? '1 topic' : `${list.topics.length} topics`;
  return { choices: list.topics, status: `${count} on ${connection}; a new name is fine too.` };
}

export function TopicPicker({ label, value, connection, onChange }: { label: string; value: string; connection: string; onChange: (v: string | undefined) => void }) {
  const { choices, status } = useTopicChoices(connection);
  return (
    <div className="col" style={{ gap: 4 }}>
      <ComboInput label={label} value={value} choices={choices} onChange={(v) => onChange(v === '' ? undefined : v)} placeholder="topic name" />
      <span className="faint small" role="status" aria-label={`${label} list`}>{status}</span>
    </div>
  );
}

export function TopicsPicker({ label, value, connection, onChange }: { label: string; value: readonly string[]; connection: string; onChange: (v: string[]) => void }) {
  const { choices, status } = useTopicChoices(connection);
  const [draft, setDraft] = useState('');
  const add = (topic: string) => {
    if (!value.includes(topic)) onChange([...value, topic]);
    setDraft('');
  };
  return (
    <div className="col" style={{ gap: 4 }}>
      <div className="chips" role="list" aria-label={`Chosen ${label.toLowerCase()}`}>
        {value.map((v) => (
          <span key={v} role="listitem" className="chip mono">{v}<button aria-label={`Remove ${v}`} onClick={() => onChange(value.filter((x) => x !== v))}>✕</button></span>
        ))}
      </div>
      <ComboInput label={label} value={draft} choices={choices.filter((c) => !value.includes(c.value))} onChange={setDraft} onCommit={add} placeholder="pick or type a topic, Enter adds it" />
      <span className="faint small" role="status" aria-label={`${label} list`}>{status}</span>
    </div>
  );
}
