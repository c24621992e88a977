// The Kafka nodes' "subject" field: the registry's subjects of the chosen connection to pick from, or a
// name typed by hand (a subject the sink will create, or one in a registry not reachable now).
import { useEffect, useState } from 'react';
import { useApi } from '../api/context.tsx';
import { ComboInput } from '../ui/ComboInput.tsx';
import type { Choice } from '../ui/ComboInput.tsx';

type Listed = { connection: string; choices: Choice[] } | { connection: string; error: string };

export function SubjectPicker({ label, value, connection, onChange }: { label: string; value: string; connection: string; onChange: (v: string | undefined) => void }) {
  const api = useApi();
  const [listed, setListed] = useState<Listed | null>(null);
  useEffect(() => {
    if (connection === '') return undefined;
    let current = true;
    api.schemaSubjects({ connection }).then(
      (subjects) => current && setListed({ connection, choices: subjects.map((s) => ({ value: s.subject, detail: `${s.schemaType.toLowerCase()} · ${s.versions.length} version${s.versions.length === 1 ? '' : 's'}` })) }),
      (error: unknown) => current && setListed({ connection, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, connection]);
  const fresh = listed && listed.connection === connection ? listed : null;
  const status = connection === '' ? 'Choose a connection to see its schema subjects.'
    : !fresh ? `Listing the schema subjects of ${connection}…`
    : 'error' in fresh ? `No subjects listed (${fresh.error}); type one.`
    : `${fresh.choices.length} subject${fresh.choices.length === 1 ? '' : 's'} in the registry of ${connection}.`;
  return (
    <div className="col" style={{ gap: 4 }}>
      <ComboInput label={label} value={value} choices={fresh && 'choices' in fresh ? fresh.choices : []} onChange={(v) => onChange(v === '' ? undefined : v)} placeholder="subject" />
      <span className="faint small" role="status" aria-label={`${label} list`}>{status}</span>
    </div>
  );
}
