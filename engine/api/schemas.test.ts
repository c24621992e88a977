// The studio's schema registry methods through host-side validation, against a real Apicurio: subjects
// and versions, compatibility, a refused registration with the registry's reason, inference from a run's
// rows, and the errors a person meets (no registry on the connection, nothing running).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FileConnectionStore } from '../kafka/connections.ts';
import { uniqueTopic, useTestBroker } from '../testing/kafka.ts';
import type { TestBroker } from '../testing/kafka.ts';
import { useTestRegistry } from '../testing/registry.ts';
import type { TestRegistry } from '../testing/registry.ts';
import type { ParamsOf, ResultOf, StudioMethod } from './contract.ts';
import { dispatchCall } from './dispatch.ts';
import { createStudioService } from './service.ts';
import type { StudioService } from './service.ts';

let broker: TestBroker;
let registry: TestRegistry;
let home: string;
let service: StudioService;

async function call<M extends StudioMethod>(method: M, params?: ParamsOf<M>): Promise<ResultOf<M>> {
  const outcome = await dispatchCall(service, method, params);
  if (!outcome.ok) throw Object.assign(new Error(`${outcome.error.code}: ${outcome.error.message}`), { code: outcome.error.code });
  return outcome.result as ResultOf<M>;
}

before(async () => {
  broker = await useTestBroker();
  registry = await useTestRegistry();
  home = await mkdtemp(join(tmpdir(), 'streamlake-schemas-api-'));
  const store = new FileConnectionStore(home);
  await store.save({ name: 'reg', brokers: [broker.bootstrap], schemaRegistry: { url: registry.url } });
  await store.save({ name: 'plain', brokers: [broker.bootstrap] });
  service = createStudioService({ mode: 'browser', lakeDir: join(home, 'lake'), homeDir: home });
});

after(async () => {
  await service.close();
  await rm(home, { recursive: true, force: true });
  await registry.release();
  await broker.release();
});

test('subjects, versions, compatibility and a refused registration, as the schema browser calls them', async () => {
  const subject = `${uniqueTopic('api')}-value`;
  const v1 = await call('schemaRegister', { connection: 'reg', subject, schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] }) });
  assert.equal(v1.version, 1);
  assert.match(v1.schema, /\n {2}"type": "record"/, 'pretty-printed');
  assert.deepEqual(await call('schemaSetCompatibility', { connection: 'reg', subject, level: 'BACKWARD' }), { subject, level: 'BACKWARD', own: true });
  const v2 = await call('schemaRegister', { connection: 'reg', subject, schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: ['null', 'string'], default: null }] }) });
  assert.equal(v2.version, 2);
  await assert.rejects(call('schemaRegister', { connection: 'reg', subject, schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }) }),
    (error: Error & { code?: string }) => error.code === 'ENG_REGISTRY_INCOMPATIBLE' && /field "a"/.test(error.message));
  const listed = (await call('schemaSubjects', { connection: 'reg' })).find((s) => s.subject === subject);
  assert.deepEqual(listed, { subject, versions: [1, 2], schemaType: 'AVRO' });
  assert.equal((await call('schemaVersion', { connection: 'reg', subject, version: 'latest' })).id, v2.id);
  assert.equal((await call('schemaCompatibility', { connection: 'reg', subject })).level, 'BACKWARD');
  await assert.rejects(call('schemaVersion', { connection: 'reg', subject, version: 9 }), /no version 9/);
  await assert.rejects(call('schemaSubjects', { connection: 'plain' }), /has no schema registry URL/);
  await assert.rejects(call('schemaSetCompatibility', { connection: 'reg', subject, level: 'SOMETIMES' as 'NONE' }), /ENG_HOST_REQUEST/);
});

test('a schema inferred from a running node\'s rows, in each format', async () => {
  await assert.rejects(call('schemaInfer', { nodeId: 'gen', format: 'avro' }), /ENG_RUN_STATE.*no live rows/);
  await call('runStart', {
    doc: {
      format: 'streamlake.pipeline', version: 1, name: 'infer',
      nodes: [{ id: 'gen', type: 'source.generator', config: { dataset: 'sensor_readings', count: 50, seed: 3 } }],
      edges: [],
    },
  });
  let rows = 0;
  for (let i = 0; i < 200 && rows === 0; i++) {
    rows = (await call('nodePreview', { nodeId: 'gen' })).rows.length;
    if (rows === 0) await new Promise((r) => setTimeout(r, 50));
  }
  const avro = await call('schemaInfer', { nodeId: 'gen', format: 'avro', recordName: 'lab.Reading' });
  const parsed = JSON.parse(avro.schema) as { name: string; namespace: string; fields: { name: string }[] };
  assert.equal(avro.schemaType, 'AVRO');
  assert.deepEqual([parsed.namespace, parsed.name], ['lab', 'Reading']);
  // The fields are the keys of the rows the node produced, as the preview shows them.
  const keys = new Set((await call('nodePreview', { nodeId: 'gen' })).rows.flatMap((r) => Object.keys(r)));
  assert.deepEqual(parsed.fields.map((f) => f.name).sort(), [...keys].sort());
  assert.match((await call('schemaInfer', { nodeId: 'gen', format: 'protobuf' })).schema, /^syntax = "proto3";/);
  assert.equal((await call('schemaInfer', { nodeId: 'gen', format: 'json-schema' })).schemaType, 'JSON');
  await call('runStop');
});
