// The schema registry part of the Kafka connection form: its URL, basic-auth user and password, and the CA
// its https certificate is checked against. Secrets follow the form's rule: an empty password keeps the
// stored one.
import { useState } from 'react';
import type { KafkaConnectionInfo, KafkaConnectionInput } from '../../../engine/api/contract.ts';

export interface RegistryDraft {
  /** The fields to merge into the connection input. */
  input(): Pick<KafkaConnectionInput, 'schemaRegistryUrl' | 'schemaRegistryUsername' | 'schemaRegistryPassword' | 'schemaRegistryCa'>;
  fields: React.ReactNode;
}

export function useRegistryFields(initial: KafkaConnectionInfo | undefined): RegistryDraft {
  const [url, setUrl] = useState(initial?.schemaRegistryUrl ?? '');
  const [username, setUsername] = useState(initial?.schemaRegistryUsername ?? '');
  const [password, setPassword] = useState('');
  const [ca, setCa] = useState(initial?.schemaRegistryCa ?? '');
  const input: RegistryDraft['input'] = () => {
    if (url.trim() === '') return {};
    const out: ReturnType<RegistryDraft['input']> = { schemaRegistryUrl: url.trim() };
    if (username.trim() !== '') out.schemaRegistryUsername = username.trim();
    if (password !== '') out.schemaRegistryPassword = password;
    if (url.trim().startsWith('https:') && ca.trim() !== '') out.schemaRegistryCa = ca;
    return out;
  };
  const fields = (
    <>
      <div className="field"><label htmlFor="kc-registry">Schema registry URL</label><input id="kc-registry" className="mono" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:8081/apis/ccompat/v7" /></div>
      {url.trim() !== '' && (
        <>
          <div className="field"><label htmlFor="kc-registry-user">Registry user</label><input id="kc-registry-user" value={username} onChange={(e) => setUsername(e.target.value)} placeholder="(none)" /></div>
          <div className="field"><label htmlFor="kc-registry-pass">Registry password</label><input id="kc-registry-pass" type="password" value={password} placeholder={initial?.hasSchemaRegistryPassword ? '(stored; type to replace)' : ''} onChange={(e) => setPassword(e.target.value)} /></div>
          {url.trim().startsWith('https:') && <div className="field"><label htmlFor="kc-registry-ca">Registry CA certificate (PEM)</label><textarea id="kc-registry-ca" className="mono" rows={3} value={ca} onChange={(e) => setCa(e.target.value)} /></div>}
        </>
      )}
    </>
  );
  return { input, fields };
}
