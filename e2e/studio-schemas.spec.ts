// The schema browser against a real Apicurio Registry: browse a connection's subjects and versions, diff
// two versions, change the compatibility level, and register a schema inferred from a running node's rows.
// What the studio did is checked through the registry's own REST API, not through the studio.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { uniqueTopic, useTestBroker } from '../engine/testing/kafka.ts';
import type { TestBroker } from '../engine/testing/kafka.ts';
import { useTestRegistry } from '../engine/testing/registry.ts';
import type { TestRegistry } from '../engine/testing/registry.ts';
import { openStudio } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';

let broker: TestBroker;
let registry: TestRegistry;
let studio: Studio;
let page: Page;
const subject = `${uniqueTopic('signups')}-value`;
const inferred = `${uniqueTopic('shaped')}-value`;

async function rest(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(registry.url + path, { method: init.method ?? 'GET', headers: { 'content-type': 'application/json' }, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, body: await response.json() as unknown };
}

before(async () => {
  broker = await useTestBroker();
  registry = await useTestRegistry();
  const fields = [{ name: 'user', type: 'string' }, { name: 'age', type: 'int' }];
  for (const schema of [
    { type: 'record', name: 'Signup', fields },
    { type: 'record', name: 'Signup', fields: [...fields, { name: 'country', type: ['null', 'string'], default: null }] },
  ]) assert.equal((await rest(`/subjects/${subject}/versions`, { method: 'POST', body: { schema: JSON.stringify(schema) } })).status, 200);
  studio = await openStudio({ kafka: true });
  page = studio.page;
});

after(async () => {
  await studio?.close();
  await registry?.release();
  await broker?.release();
});

test('a connection with a schema registry is added in the form and its test reaches the registry', async () => {
  await page.getByRole('tab', { name: 'Kafka' }).click();
  await page.getByRole('button', { name: 'Add connection' }).click();
  const form = page.getByRole('form', { name: 'Kafka connection' });
  await form.getByLabel('Name').fill('with-registry');
  await form.getByLabel('Brokers').fill(broker.bootstrap);
  await form.getByLabel('Schema registry URL').fill(registry.url);
  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = page.getByRole('status', { name: 'Connection test result' });
  await result.waitFor();
  assert.match(await result.innerText(), /^✓.*Schema registry: \d+ subjects?/);
  await form.getByLabel('Registry user').waitFor();
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('option', { name: 'Connection with-registry' }).waitFor();
});

test('browse the subjects of a connection\'s registry, and a subject\'s versions and schema text', async () => {
  await page.getByRole('option', { name: 'Connection with-registry' }).click();
  await page.getByRole('listbox', { name: 'Schema subjects' }).getByRole('option', { name: new RegExp(subject) }).click();
  const text = page.getByLabel('Schema text');
  await text.filter({ hasText: 'country' }).waitFor();
  assert.equal(await page.getByRole('tablist', { name: 'Versions' }).getByRole('tab').count(), 2);
  await page.getByRole('tab', { name: 'v1' }).click();
  await page.waitForFunction(() => !document.querySelector('pre[aria-label="Schema text"]')?.textContent?.includes('country'));
  assert.match(await text.innerText(), /"name": "age"/);
  // Keys and literals are coloured apart from the rest.
  assert.ok(await text.locator('[data-token="key"]').count() > 0);
  await studio.screenshot('20-schema-browser');
});

test('diff two versions: the added field is the only change', async () => {
  const diff = page.getByLabel('Schema diff');
  await diff.waitFor();
  const added = await diff.locator('[data-diff="added"]').allInnerTexts();
  const removed = await diff.locator('[data-diff="removed"]').allInnerTexts();
  assert.ok(added.some((line) => line.includes('"country"')), added.join('\n'));
  assert.ok(removed.every((line) => !line.includes('user') && !line.includes('age')), removed.join('\n'));
  await diff.scrollIntoViewIfNeeded();
  await studio.screenshot('21-schema-diff');
});

test('change the subject\'s compatibility level; the registry holds the new one', async () => {
  const inForce = page.getByRole('status', { name: 'Compatibility in force' });
  await inForce.waitFor();
  await page.getByRole('combobox', { name: 'Compatibility level' }).selectOption('FULL');
  await page.getByRole('button', { name: 'Set compatibility' }).click();
  await inForce.filter({ hasText: 'in force: FULL' }).waitFor();
  assert.deepEqual((await rest(`/config/${subject}`)).body, { compatibilityLevel: 'FULL' });
});

test('register a schema inferred from a node\'s live rows as a new subject', async () => {
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.getByRole('tab', { name: 'Kafka' }).click();
  await page.getByRole('button', { name: 'New subject' }).click();
  await page.getByRole('textbox', { name: 'New subject name' }).fill(inferred);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('status').filter({ hasText: 'No versions yet' }).waitFor();
  await page.getByRole('combobox', { name: 'Infer from node' }).selectOption('shape');
  // The run may still be starting: inferring again once rows exist is what a person would do too.
  const result = page.getByLabel('Register result');
  for (let attempt = 0; attempt < 40; attempt++) {
    await page.getByRole('button', { name: 'Infer schema' }).click();
    await result.waitFor();
    if (/Inferred from/.test(await result.innerText())) break;
    await page.waitForTimeout(500);
  }
  assert.match(await result.innerText(), /Inferred from \d+ live rows? of shape/);
  await studio.screenshot('22-schema-inferred');
  await page.getByRole('button', { name: 'Register schema' }).click();
  await result.filter({ hasText: /Registered version 1/ }).waitFor();
  await page.getByRole('tab', { name: 'v1' }).waitFor();
  // The rail's subject list shows the new subject without a manual refresh.
  await page.getByRole('listbox', { name: 'Schema subjects' }).getByRole('option', { name: new RegExp(inferred) }).waitFor();
  await studio.screenshot('23-schema-registered');

  // The registry holds an Avro record with exactly the fields the example's "shape" map selects.
  const latest = (await rest(`/subjects/${inferred}/versions/latest`)).body as { schema: string; schemaType?: string };
  const schema = JSON.parse(latest.schema) as { type: string; fields: { name: string }[] };
  assert.equal(schema.type, 'record');
  assert.deepEqual(schema.fields.map((f) => f.name).sort(), ['amount', 'event_time', 'is_big', 'region']);
  assert.deepEqual(studio.pageErrors, []);
});
