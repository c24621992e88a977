// The kinds of saved connection the database sinks use, one descriptor each: its form fields, the layers
// its connection test walks, and the API calls behind list / save / delete / test. The Connections rail,
// the connection form and the sink nodes' pickers are generated from these, so a new kind (OpenSearch,
// Cassandra, …) plugs in with one more descriptor in `connectionKinds`.
import type { StudioApi } from '../../../engine/api/contract.ts';

/** How a form field is edited. `password` is never filled from the engine: empty keeps what is stored. */
export type ConnectionFieldKind = 'text' | 'number' | 'password' | 'select' | 'textarea';

export interface ConnectionField {
  key: string;
  label: string;
  kind: ConnectionFieldKind;
  /** Value of a new connection's form. */
  initial?: string;
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
  required?: boolean;
  /** Shown only while another field has one of these values. */
  when?: { key: string; values: readonly string[] };
  /** Shown only while this holds of the form's values (e.g. a URL starting with https://). */
  shown?: (values: ConnectionValues) => boolean;
  /** Data-like text (hosts, URLs) in the monospace face. */
  mono?: boolean;
  /** A problem with the value in plain words, checked before anything is sent. */
  check?: (value: string) => string | undefined;
  help?: string;
}

/** The form's values by field key (text as typed; numbers too). */
export type ConnectionValues = Record<string, string>;

/** A saved connection as the rail and the pickers show it. */
export interface SavedConnection {
  name: string;
  /** One line: where it points ("postgres@127.0.0.1:5432/app"). */
  detail: string;
  hasPassword: boolean;
  /** The form's values to edit it (no password). */
  values: ConnectionValues;
}

/** The layered test result every kind's API returns. */
export interface ConnectionTest {
  ok: boolean;
  failedAt?: string;
  message: string;
  elapsedMs: number;
}

export interface TestLayer {
  id: string;
  label: string;
  /** Plain words for a layer that passed. */
  passed: string;
  /** Why the layer is not part of this connection (e.g. TLS off), or undefined when it is. */
  unused?: (values: ConnectionValues) => string | undefined;
}

/** What a sink node can add to its connection test (the table it writes). */
export interface TestTarget {
  table?: string;
}

export interface ConnectionKind {
  id: string;
  /** Product name: "PostgreSQL". */
  title: string;
  /** What the rail says while none is saved (default: one is needed for the kind's sink). */
  none?: string;
  /** What deleting one leaves alone, in the confirmation (default: the tables in the database). */
  deleteNote?: string;
  /** The node types whose `connection` field names a connection of this kind. */
  nodeTypes: readonly string[];
  fields: readonly ConnectionField[];
  layers: readonly TestLayer[];
  list(api: StudioApi): Promise<SavedConnection[]>;
  save(api: StudioApi, values: ConnectionValues): Promise<SavedConnection>;
  /** Absent where the API has no delete for the kind: the rail then offers none. */
  remove?: (api: StudioApi, name: string) => Promise<void>;
  /** Tests a saved connection by name, or the form's values (an empty password: the stored one). */
  test(api: StudioApi, what: { name: string } | { values: ConnectionValues }, target?: TestTarget): Promise<ConnectionTest>;
}

const nameField: ConnectionField = {
  key: 'name', label: 'Name', kind: 'text', required: true, placeholder: 'warehouse',
  check: (v) => (/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) ? undefined : 'Name: letters, digits, ".", "_" or "-", starting with a letter or digit'),
  help: 'What sink nodes refer to; pipelines never hold the password.',
};

function port(label: string): (v: string) => string | undefined {
  return (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : `${label}: a number from 1 to 65535`);
}

/** The form value that asks to forget a stored password (the form's "Forget the stored password"). */
export const forgetPassword = 'password:forget';

/** An empty password keeps the stored one (the field is left out); "forget" sends null, which removes it. */
function password(values: ConnectionValues): { password?: string | null } {
  if (values[forgetPassword] === 'yes') return { password: null };
  const typed = values.password ?? '';
  return typed === '' ? {} : { password: typed };
}

const tlsModes = ['disable', 'require', 'verify-full'] as const;
type TlsMode = (typeof tlsModes)[number];

function tlsMode(value: string | undefined): TlsMode {
  return tlsModes.find((m) => m === value) ?? 'disable';
}

function postgresInput(values: ConnectionValues) {
  const tls = tlsMode(values.tls);
  const ca = (values.ca ?? '').trim();
  return {
    name: (values.name ?? '').trim(), host: (values.host ?? '').trim(), port: Number(values.port), database: (values.database ?? '').trim(), user: (values.user ?? '').trim(),
    tls, ...(tls !== 'disable' && ca !== '' ? { ca } : {}), ...password(values),
  };
}

export const postgresKind: ConnectionKind = {
  id: 'postgres',
  title: 'PostgreSQL',
  nodeTypes: ['sink.postgres'],
  fields: [
    nameField,
    { key: 'host', label: 'Host', kind: 'text', required: true, initial: '127.0.0.1', mono: true },
    { key: 'port', label: 'Port', kind: 'number', required: true, initial: '5432', mono: true, check: port('Port') },
    { key: 'database', label: 'Database', kind: 'text', required: true, initial: 'postgres', mono: true },
    { key: 'user', label: 'User', kind: 'text', required: true, initial: 'postgres', mono: true },
    { key: 'password', label: 'Password', kind: 'password' },
    { key: 'tls', label: 'TLS', kind: 'select', initial: 'disable', options: [{ value: 'disable', label: 'off' }, { value: 'require', label: 'require (encrypt, any certificate)' }, { value: 'verify-full', label: 'verify-full (check certificate and host name)' }] },
    { key: 'ca', label: 'CA certificate (PEM)', kind: 'textarea', mono: true, when: { key: 'tls', values: ['require', 'verify-full'] }, help: 'Only for a server whose certificate a private CA signed.' },
  ],
  layers: [
    { id: 'dns', label: 'Host name', passed: 'resolves' },
    { id: 'tcp', label: 'Network', passed: 'the port answers' },
    { id: 'tls', label: 'TLS', passed: 'handshake done, encrypted', unused: (v) => (tlsMode(v.tls) === 'disable' ? 'not used (off)' : undefined) },
    { id: 'auth', label: 'Sign-in', passed: 'user, password and database OK' },
    { id: 'permission', label: 'Rights', passed: 'may create and write tables' },
  ],
  async list(api) {
    return (await api.postgresConnections()).map((c) => ({
      name: c.name,
      detail: `${c.user}@${c.host}:${c.port}/${c.database}${c.tls === 'disable' ? '' : ' · TLS'}`,
      hasPassword: c.hasPassword,
      values: { name: c.name, host: c.host, port: String(c.port), database: c.database, user: c.user, tls: c.tls, ca: c.ca ?? '', password: '' },
    }));
  },
  async save(api, values) {
    const c = await api.postgresSaveConnection({ connection: postgresInput(values) });
    return { name: c.name, detail: `${c.user}@${c.host}:${c.port}/${c.database}`, hasPassword: c.hasPassword, values: { ...values, password: '' } };
  },
  remove: (api, name) => api.postgresDeleteConnection({ name }),
  test: (api, what, target) => api.postgresTestConnection({
    ...('name' in what ? { name: what.name } : { connection: postgresInput(what.values) }),
    ...(target?.table ? { table: target.table } : {}),
  }),
};

function clickhouseInput(values: ConnectionValues) {
  const database = (values.database ?? '').trim();
  return { name: (values.name ?? '').trim(), url: (values.url ?? '').trim(), user: (values.user ?? '').trim(), ...(database === '' ? {} : { database }), ...password(values) };
}

export const clickhouseKind: ConnectionKind = {
  id: 'clickhouse',
  title: 'ClickHouse',
  nodeTypes: ['sink.clickhouse'],
  fields: [
    nameField,
    {
      key: 'url', label: 'HTTP URL', kind: 'text', required: true, initial: 'http://127.0.0.1:8123', mono: true,
      check: (v) => (/^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/.test(v) ? undefined : 'HTTP URL: http://host:port or https://host:port (the HTTP interface, 8123 or 8443)'),
      help: 'The HTTP interface; https:// for TLS.',
    },
    { key: 'user', label: 'User', kind: 'text', required: true, initial: 'default', mono: true },
    { key: 'password', label: 'Password', kind: 'password' },
    {
      key: 'database', label: 'Database', kind: 'text', mono: true, placeholder: 'default',
      check: (v) => (v === '' || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'Database: letters, digits and "_", not starting with a digit'),
    },
  ],
  layers: [
    { id: 'dns', label: 'Host name', passed: 'resolves' },
    { id: 'tcp', label: 'Network', passed: 'the port answers' },
    { id: 'tls', label: 'TLS', passed: 'https handshake done', unused: (v) => ((v.url ?? '').startsWith('https:') ? undefined : 'not used (http://)') },
    { id: 'auth', label: 'Sign-in', passed: 'user and password OK' },
    { id: 'permission', label: 'Rights', passed: 'may create tables and insert' },
  ],
  async list(api) {
    return (await api.clickhouseConnections()).map((c) => ({
      name: c.name,
      detail: `${c.user}@${c.url.replace(/^https?:\/\//, '')}${c.database ? `/${c.database}` : ''}${c.url.startsWith('https:') ? ' · TLS' : ''}`,
      hasPassword: c.hasPassword,
      values: { name: c.name, url: c.url, user: c.user, database: c.database ?? '', password: '' },
    }));
  },
  async save(api, values) {
    const c = await api.clickhouseSaveConnection({ connection: clickhouseInput(values) });
    return { name: c.name, detail: `${c.user}@${c.url}`, hasPassword: c.hasPassword, values: { ...values, password: '' } };
  },
  remove: (api, name) => api.clickhouseDeleteConnection({ name }),
  test: (api, what) => api.clickhouseTestConnection('name' in what ? { name: what.name } : { connection: clickhouseInput(what.values) }),
};

function httpUrl(label: string, example: string): (v: string) => string | undefined {
  return (v) => (/^https?:\/\/[^\s/]+(:\d{1,5})?\/?$/.test(v) ? undefined : `${label}: http://host:port or https://host:port (${example})`);
}

// sink.opensearch
function opensearchInput(values: ConnectionValues) {
  const user = (values.user ?? '').trim();
  const url = (values.url ?? '').trim();
  return {
    name: (values.name ?? '').trim(), url, ...(user === '' ? {} : { user }),
    // the choice is only offered (and only means something) for https://
    ...(values.tlsInsecure === 'yes' && url.startsWith('https:') ? { tlsInsecure: true } : {}), ...password(values),
  };
}

export const opensearchKind: ConnectionKind = {
  id: 'opensearch',
  title: 'OpenSearch',
  nodeTypes: ['sink.opensearch'],
  fields: [
    nameField,
    { key: 'url', label: 'URL', kind: 'text', required: true, initial: 'http://127.0.0.1:9200', mono: true, check: httpUrl('URL', 'the REST port, 9200'), help: 'The REST port; https:// for TLS.' },
    { key: 'user', label: 'User', kind: 'text', mono: true, placeholder: '(no sign-in)', help: 'Basic auth; empty for a cluster without the security plugin.' },
    { key: 'password', label: 'Password', kind: 'password' },
    {
      key: 'tlsInsecure', label: 'Certificate', kind: 'select', initial: 'no', shown: (v) => (v.url ?? '').trim().startsWith('https:'),
      options: [{ value: 'no', label: 'verify (trusted CA)' }, { value: 'yes', label: 'accept any (demo only)' }],
      help: 'Accept any only for a self-signed demo certificate.',
    },
  ],
  layers: [
    { id: 'dns', label: 'Host name', passed: 'resolves' },
    { id: 'tcp', label: 'Network', passed: 'the port answers' },
    { id: 'tls', label: 'TLS', passed: 'https handshake done', unused: (v) => ((v.url ?? '').trim().startsWith('https:') ? undefined : 'not used (http://)') },
    { id: 'auth', label: 'Sign-in', passed: 'the cluster answered' },
    { id: 'permission', label: 'Rights', passed: 'may create and delete an index' },
  ],
  async list(api) {
    return (await api.opensearchConnections()).map((c) => ({
      name: c.name,
      detail: `${c.user ? `${c.user}@` : ''}${c.url.replace(/^https?:\/\//, '')}${c.url.startsWith('https:') ? ` · TLS${c.tlsInsecure ? ' (any certificate)' : ''}` : ''}`,
      hasPassword: c.hasPassword,
      values: { name: c.name, url: c.url, user: c.user ?? '', tlsInsecure: c.tlsInsecure ? 'yes' : 'no', password: '' },
    }));
  },
  async save(api, values) {
    const c = await api.opensearchSaveConnection({ connection: opensearchInput(values) });
    return { name: c.name, detail: `${c.user ? `${c.user}@` : ''}${c.url}`, hasPassword: c.hasPassword, values: { ...values, password: '' } };
  },
  remove: (api, name) => api.opensearchDeleteConnection({ name }),
  test: (api, what) => api.opensearchTestConnection('name' in what ? { name: what.name } : { connection: opensearchInput(what.values) }),
};

// Flink: the SQL Gateway that File → Export Flink SQL… submits to (no sink node names it).
type FlinkAuth = 'none' | 'token' | 'basic';

function flinkAuth(value: string | undefined): FlinkAuth {
  return value === 'token' || value === 'basic' ? value : 'none';
}

/** A secret field: empty keeps the stored one (left out), "forget" sends null. */
function secret(values: ConnectionValues, key: string): string | null | undefined {
  if (values[forgetPassword] === 'yes') return null;
  const typed = values[key] ?? '';
  return typed === '' ? undefined : typed;
}

function flinkInput(values: ConnectionValues) {
  const base = { name: (values.name ?? '').trim(), url: (values.url ?? '').trim() };
  const auth = flinkAuth(values.auth);
  if (auth === 'basic') {
    const typed = secret(values, 'password');
    return { ...base, user: (values.user ?? '').trim(), ...(typed === undefined ? {} : { password: typed }) };
  }
  if (auth === 'token') {
    const typed = secret(values, 'token');
    return { ...base, ...(typed === undefined ? {} : { token: typed }) };
  }
  return { ...base, token: null };
}

export const flinkKind: ConnectionKind = {
  id: 'flink',
  title: 'Flink',
  none: 'None yet. Add a SQL Gateway to submit exported jobs (File → Export Flink SQL…).',
  deleteNote: 'Jobs already running on Flink are not stopped.',
  nodeTypes: [],
  fields: [
    { ...nameField, placeholder: 'flink', help: 'What File → Export Flink SQL… submits through.' },
    { key: 'url', label: 'SQL Gateway URL', kind: 'text', required: true, initial: 'http://127.0.0.1:8083', mono: true, check: httpUrl('SQL Gateway URL', 'the gateway\'s REST port, 8083') },
    {
      key: 'auth', label: 'Authentication', kind: 'select', initial: 'none',
      options: [{ value: 'none', label: 'none' }, { value: 'token', label: 'bearer token' }, { value: 'basic', label: 'user and password' }],
      help: 'The gateway has no login of its own; a token or user is for a proxy in front of it.',
    },
    { key: 'user', label: 'User', kind: 'text', required: true, mono: true, when: { key: 'auth', values: ['basic'] } },
    { key: 'password', label: 'Password', kind: 'password', when: { key: 'auth', values: ['basic'] } },
    { key: 'token', label: 'Token', kind: 'password', when: { key: 'auth', values: ['token'] } },
  ],
  layers: [
    { id: 'dns', label: 'Host name', passed: 'resolves' },
    { id: 'tcp', label: 'Network', passed: 'the port answers' },
    { id: 'tls', label: 'TLS', passed: 'https handshake done', unused: (v) => ((v.url ?? '').trim().startsWith('https:') ? undefined : 'not used (http://)') },
    { id: 'http', label: 'SQL Gateway', passed: 'answers as a Flink SQL Gateway' },
    { id: 'auth', label: 'Sign-in', passed: 'accepted', unused: (v) => (flinkAuth(v.auth) === 'none' ? 'not used (no authentication)' : undefined) },
  ],
  async list(api) {
    return (await api.flinkConnections()).map((c) => {
      const auth: FlinkAuth = c.user !== undefined ? 'basic' : c.hasToken ? 'token' : 'none';
      return {
        name: c.name,
        detail: `${c.url.replace(/^https?:\/\//, '')}${c.url.startsWith('https:') ? ' · TLS' : ''}${auth === 'basic' ? ` · user ${c.user ?? ''}` : auth === 'token' ? ' · token' : ''}`,
        hasPassword: auth === 'basic' ? c.hasPassword : c.hasToken,
        values: { name: c.name, url: c.url, auth, user: c.user ?? '', password: '', token: '' },
      };
    });
  },
  async save(api, values) {
    const c = await api.flinkSaveConnection({ connection: flinkInput(values) });
    return { name: c.name, detail: c.url, hasPassword: c.hasPassword || c.hasToken, values: { ...values, password: '', token: '' } };
  },
  remove: (api, name) => api.flinkDeleteConnection({ name }),
  test: (api, what) => api.flinkTestConnection('name' in what ? { name: what.name } : { connection: flinkInput(what.values) }),
};

// sink.cassandra
function cassandraInput(values: ConnectionValues) {
  const tls = tlsMode(values.tls);
  const optional = (key: string) => {
    const v = (values[key] ?? '').trim();
    return v === '' ? {} : { [key]: v };
  };
  return {
    name: (values.name ?? '').trim(), host: (values.host ?? '').trim(), port: Number(values.port),
    ...optional('localDataCenter'), ...optional('user'), ...optional('keyspace'), tls, ...password(values),
  };
}

export const cassandraKind: ConnectionKind = {
  id: 'cassandra',
  title: 'Cassandra',
  nodeTypes: ['sink.cassandra'],
  fields: [
    nameField,
    { key: 'host', label: 'Host', kind: 'text', required: true, initial: '127.0.0.1', mono: true },
    { key: 'port', label: 'Port', kind: 'number', required: true, initial: '9042', mono: true, check: port('Port'), help: 'The native protocol port (CQL), 9042 by default.' },
    { key: 'localDataCenter', label: 'Data centre', kind: 'text', mono: true, placeholder: 'datacenter1' },
    { key: 'user', label: 'User', kind: 'text', mono: true, placeholder: '(no sign-in)' },
    { key: 'password', label: 'Password', kind: 'password' },
    {
      key: 'keyspace', label: 'Keyspace', kind: 'text', mono: true, help: 'With a keyspace, the test also checks the rights to create tables and write in it.',
      check: (v) => (/^[A-Za-z0-9_]{1,48}$/.test(v) ? undefined : 'Keyspace: letters, digits and underscores (at most 48)'),
    },
    { key: 'tls', label: 'TLS', kind: 'select', initial: 'disable', options: [{ value: 'disable', label: 'off' }, { value: 'require', label: 'require (encrypt, any certificate)' }, { value: 'verify-full', label: 'verify-full (check certificate and host name)' }] },
  ],
  layers: [
    { id: 'dns', label: 'Host name', passed: 'resolves' },
    { id: 'tcp', label: 'Network', passed: 'the port answers' },
    { id: 'tls', label: 'TLS', passed: 'handshake done, encrypted', unused: (v) => (tlsMode(v.tls) === 'disable' ? 'not used (off)' : undefined) },
    { id: 'auth', label: 'Sign-in', passed: 'the cluster let us in' },
    { id: 'permission', label: 'Rights', passed: 'may create tables and write', unused: (v) => ((v.keyspace ?? '').trim() === '' ? 'not checked (no keyspace)' : undefined) },
  ],
  async list(api) {
    return (await api.cassandraConnections()).map((c) => ({
      name: c.name,
      detail: `${c.user ? `${c.user}@` : ''}${c.host}:${c.port}${c.keyspace ? `/${c.keyspace}` : ''}${c.tls && c.tls !== 'disable' ? ' · TLS' : ''}`,
      hasPassword: c.hasPassword,
      values: { name: c.name, host: c.host, port: String(c.port), localDataCenter: c.localDataCenter ?? '', user: c.user ?? '', keyspace: c.keyspace ?? '', tls: c.tls ?? 'disable', password: '' },
    }));
  },
  async save(api, values) {
    const c = await api.cassandraSaveConnection({ connection: cassandraInput(values) });
    return { name: c.name, detail: `${c.user ? `${c.user}@` : ''}${c.host}:${c.port}`, hasPassword: c.hasPassword, values: { ...values, password: '' } };
  },
  test: (api, what) => api.cassandraTestConnection('name' in what ? { name: what.name } : { connection: cassandraInput(what.values) }),
  remove: (api, name) => api.cassandraDeleteConnection({ name }),
};

/** Every kind, in the order the Connections rail lists them. */
export const connectionKinds: readonly ConnectionKind[] = [postgresKind, clickhouseKind, opensearchKind, cassandraKind, flinkKind];

/** The kind whose connections a node type's `connection` field names (undefined: not a database node). */
export function connectionKindFor(nodeType: string): ConnectionKind | undefined {
  return connectionKinds.find((k) => k.nodeTypes.includes(nodeType));
}

/** The form's values for a new connection of a kind. */
export function initialValues(kind: ConnectionKind): ConnectionValues {
  return Object.fromEntries(kind.fields.map((f) => [f.key, f.initial ?? '']));
}

export function fieldShown(field: ConnectionField, values: ConnectionValues): boolean {
  return (!field.when || field.when.values.includes(values[field.when.key] ?? '')) && (field.shown?.(values) ?? true);
}

/** Problems of the form's values by field key, worded with the field's label ("Host is required"). */
export function formProblems(kind: ConnectionKind, values: ConnectionValues): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of kind.fields) {
    if (!fieldShown(field, values)) continue;
    const value = (values[field.key] ?? '').trim();
    if (value === '') {
      if (field.required) problems[field.key] = `${field.label} is required`;
      continue;
    }
    const problem = field.check?.(value);
    if (problem) problems[field.key] = problem;
  }
  return problems;
}

export type LayerState = 'passed' | 'failed' | 'unused' | 'not tried' | 'unknown';

export interface LayerOutcome {
  layer: TestLayer;
  state: LayerState;
  /** Plain words for this layer: what passed, the engine's message where it failed, or why it was not tried. */
  words: string;
}

/**
 * The test result per layer. The layers are tried in order and the test stops at the first failure, so the
 * ones before it passed and the ones after it were not tried. A failure the engine cannot place
 * (`unknown`) leaves every layer unknown; its message is shown on its own.
 */
export function layerOutcomes(kind: ConnectionKind, result: ConnectionTest, values: ConnectionValues): LayerOutcome[] {
  const failedAt = result.ok ? -1 : kind.layers.findIndex((l) => l.id === result.failedAt);
  return kind.layers.map((layer, i) => {
    const unused = layer.unused?.(values);
    if (!result.ok && failedAt === -1) return { layer, state: 'unknown', words: 'not known' };
    if (result.ok || i < failedAt) return unused ? { layer, state: 'unused', words: unused } : { layer, state: 'passed', words: layer.passed };
    if (i === failedAt) return { layer, state: 'failed', words: result.message };
    return { layer, state: unused ? 'unused' : 'not tried', words: unused ?? 'not tried' };
  });
}
