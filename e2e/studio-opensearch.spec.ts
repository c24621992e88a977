// sink.opensearch in the studio against a real OpenSearch 2.x node (engine/sinks/opensearch/server.ts):
// create the connection in the Connections rail and test it layer by layer (a closed port, https on the
// plain port, a wrong password, then the right one), drop an OpenSearch sink after a generator, fill its
// form, run, see the rows counted on the node, and check the index with OpenSearch's own REST API
// against the generator's events computed here. The test distribution has no security plugin, so sign-in
// is checked through a small basic-auth proxy in front of the node (as engine/api/service/opensearch.test.ts
// does); the sink writes through it too. Then the Flink section of the same rail: a connection saved
// there is in File → Export Flink SQL…'s picker, and one saved or deleted in that dialog shows in the rail.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { generateEvents } from '../engine/generator/index.ts';
import { useTestOpenSearch, type TestOpenSearch } from '../engine/testing/servers.ts';
import { freePort } from '../engine/sinks/postgres/server.ts';
import { canvasNode, canvasRegion, canvasSettled, connectPorts } from './helpers/canvas.ts';
import { openStudio } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let server: TestOpenSearch;
let proxy: Server;
let proxyUrl: string;
let studio: Studio;
let page: Page;
const user = 'writer';
const password = 'os-e2e-s3cret';
const rate = 300;
const seed = 23;
const index = 'e2e-orders';

before(async () => {
  [server, studio] = await Promise.all([useTestOpenSearch(), openStudio()]);
  page = studio.page;
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  proxy = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="opensearch"' });
      res.end();
      return;
    }
    const upstream = request(`${server.url}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(async () => {
  await studio?.close();
  proxy?.close();
  await server?.release();
});

/** OpenSearch's REST API, straight to the node (not through the studio or the sink's client). */
async function rest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

function form(title: string): Locator {
  return page.getByRole('form', { name: `${title} connection` });
}

/** The layers of the result shown, as "Label: state" lines. */
async function layers(scope: Locator): Promise<string[]> {
  const result = scope.getByRole('status', { name: 'Connection test result' });
  await result.waitFor();
  return result.getByRole('listitem').evaluateAll((items) => items.map((i) => i.getAttribute('aria-label') ?? ''));
}

async function testTyped(title: string): Promise<string[]> {
  const f = form(title);
  await f.getByRole('button', { name: 'Test connection' }).click();
  await f.getByRole('button', { name: 'Test connection' }).and(page.locator(':enabled')).waitFor();
  return layers(f);
}

test('an OpenSearch connection: problems by label, a closed port, https on the plain port and a wrong password each fail at their layer; the right one passes', async () => {
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('button', { name: 'Add OpenSearch connection' }).click();
  const f = form('OpenSearch');
  await f.getByLabel('Name').fill('search');
  await f.getByLabel('URL').fill('127.0.0.1:9200');
  await f.getByRole('button', { name: 'Save' }).click();
  await f.getByRole('note').filter({ hasText: 'URL: http://host:port or https://host:port' }).waitFor();

  const closed = await freePort();
  await f.getByLabel('URL').fill(`http://127.0.0.1:${closed}`);
  assert.deepEqual(await testTyped('OpenSearch'), ['Host name: passed', 'Network: failed', 'TLS: unused', 'Sign-in: not tried', 'Rights: not tried']);

  await f.getByLabel('URL').fill(server.url.replace('http:', 'https:'));
  assert.deepEqual(await testTyped('OpenSearch'), ['Host name: passed', 'Network: passed', 'TLS: failed', 'Sign-in: not tried', 'Rights: not tried']);
  const tls = await f.getByRole('status', { name: 'Connection test result' }).innerText();
  // The certificate choice is offered for https:// only.
  await f.getByLabel('Certificate').waitFor();
  await f.getByRole('status', { name: 'Connection test result' }).scrollIntoViewIfNeeded();
  await studio.screenshot('opensearch-01-https-on-plain-port');

  await f.getByLabel('URL').fill(proxyUrl);
  await f.getByLabel('User').fill(user);
  await f.getByLabel('Password', { exact: true }).fill('not-the-password');
  assert.deepEqual(await testTyped('OpenSearch'), ['Host name: passed', 'Network: passed', 'TLS: unused', 'Sign-in: failed', 'Rights: not tried']);
  assert.equal(await f.getByLabel('Certificate').count(), 0);
  await f.getByRole('status', { name: 'Connection test result' }).scrollIntoViewIfNeeded();
  await studio.screenshot('opensearch-02-bad-password');

  await f.getByLabel('Password', { exact: true }).fill(password);
  assert.deepEqual(await testTyped('OpenSearch'), ['Host name: passed', 'Network: passed', 'TLS: unused', 'Sign-in: passed', 'Rights: passed']);
  assert.match(await f.getByRole('status', { name: 'Connection test result' }).innerText(), /2\.19/);
  await f.getByRole('status', { name: 'Connection test result' }).scrollIntoViewIfNeeded();
  await studio.screenshot('opensearch-03-good-password');
  await f.getByRole('button', { name: 'Save' }).click();
  const saved = page.getByRole('listitem', { name: 'OpenSearch connection search', exact: true });
  await saved.waitFor();
  assert.match(await saved.innerText(), new RegExp(`${user}@127\\.0\\.0\\.1:\\d+`));
  assert.ok(!(await page.content()).includes(password), 'the password is nowhere in the page');
  // What the https-on-plain-port failure said, for the report of this run.
  console.log(`TLS layer on the plain port: ${tls.replace(/\s+/g, ' ')}`);
});

async function drop(item: string, x: number, y: number): Promise<void> {
  await canvasSettled(page);
  await page.getByRole('button', { name: `Add ${item}` }).dragTo(canvasRegion(page), { targetPosition: { x, y } });
}

test('an OpenSearch sink after a generator: its form checked by label, connection tested on the node, rows counted while running, every event in the index once', async () => {
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'New pipeline' }).click();
  await page.getByRole('textbox', { name: 'Pipeline name' }).fill('orders-to-search');
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await drop('Generator', 120, 220);
  await drop('OpenSearch index', 380, 220);
  const generator = canvasNode(page, 'generator');
  const sink = canvasNode(page, 'opensearch');
  await generator.waitFor();
  await sink.waitFor();
  await connectPorts(page, 'generator', 'out', 'opensearch');

  await generator.click();
  await page.getByRole('tab', { name: 'Config' }).click();
  await page.getByRole('spinbutton', { name: 'Events per second' }).fill(String(rate));
  await page.getByRole('spinbutton', { name: 'Seed' }).fill(String(seed));

  await sink.click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByRole('note').filter({ hasText: 'Connection must not be empty' }).waitFor();
  const connection = inspector.getByRole('combobox', { name: 'Connection' });
  await eventually(page, 'the saved connection offered on the node', () => connection.locator('option').allInnerTexts(), (o) => o.some((t) => t.startsWith(`search — ${user}@`)));
  await connection.selectOption('search');
  await inspector.getByRole('textbox', { name: 'Index' }).fill('E2E Orders');
  // Named by its label with what the catalog allows (validation follows edits after a short pause).
  const badIndex = inspector.getByRole('note').filter({ hasText: /^Index .*lower-case letters, digits/ });
  await badIndex.waitFor();
  assert.match(await badIndex.innerText(), /E2E Orders/);
  await studio.screenshot('opensearch-04-index-problem');
  await inspector.getByRole('textbox', { name: 'Index' }).fill(index);
  await badIndex.waitFor({ state: 'detached' });
  await inspector.getByRole('textbox', { name: 'Document id' }).fill('order_id');
  await inspector.getByRole('combobox', { name: 'Refresh' }).selectOption('wait_for');
  await inspector.getByRole('spinbutton', { name: 'Retries' }).fill('3');
  await eventually(page, 'no node has a problem left', () => page.getByRole('note', { name: /^Problem in / }).count(), (n) => n === 0);
  await inspector.getByRole('button', { name: 'Test connection' }).click();
  assert.deepEqual(await layers(inspector), ['Host name: passed', 'Network: passed', 'TLS: unused', 'Sign-in: passed', 'Rights: passed']);
  await studio.screenshot('opensearch-05-node-form');

  await page.getByRole('button', { name: 'Run pipeline' }).click();
  const status = page.getByRole('status', { name: 'Run status' });
  const rows = page.getByLabel('Rows committed by opensearch');
  await eventually(page, 'rows counted on the node while running', async () => ((await rows.count()) > 0 ? rows.innerText() : ''), (t) => /^[\d.]+k? rows$/.test(t) && t !== '0 rows', 90_000);
  assert.match(await status.innerText(), /running/);
  await studio.screenshot('opensearch-06-rows-counted');
  await page.getByRole('button', { name: 'Stop pipeline' }).click();
  await eventually(page, 'the run stops', () => status.innerText(), (t) => /finished|stopped/.test(t));

  const output = page.getByRole('region', { name: 'Live output' });
  await generator.click();
  await page.getByRole('tab', { name: 'Output' }).click();
  const produced = Number((await output.getByText(/^[\d,]+ seen$/).innerText()).replace(/[^\d]/g, ''));
  await sink.click();
  const delivery = output.getByLabel('Delivery');
  const committed = Number((await delivery.getByRole('group', { name: 'rows committed' }).locator('.v').innerText()).replace(/,/g, ''));
  assert.ok(committed > 0);
  assert.equal(committed, produced, 'every generated event reached the index');
  await delivery.getByRole('heading', { name: 'Delivered to the index' }).waitFor();
  await studio.screenshot('opensearch-07-delivery');

  // What the generator produced, computed here from the same dataset, seed and rate.
  const expected = [...generateEvents('sales_orders', { count: committed, seed, eventsPerSecond: rate })];
  const expectedSum = Math.round(expected.reduce((s, r) => s + Number(r.amount), 0) * 100) / 100;
  // Refresh wait_for: the documents are searchable once the run has stopped, with no refresh asked here.
  const count = await rest<{ count: number }>('GET', `/${index}/_count`);
  assert.equal(count.count, committed);
  const sums = await rest<{ aggregations: { total: { value: number } } }>('POST', `/${index}/_search`, { size: 0, aggs: { total: { sum: { field: 'amount' } } } });
  assert.equal(Math.round(sums.aggregations.total.value * 100) / 100, expectedSum);
  // Ids come from the id expression: the last event is found under its order_id.
  const last = expected[expected.length - 1];
  const doc = await rest<{ _source: { order_id: string; amount: number } }>('GET', `/${index}/_doc/${encodeURIComponent(String(last?.order_id))}`);
  assert.deepEqual([doc._source.order_id, doc._source.amount], [last?.order_id, last?.amount]);
  assert.deepEqual(studio.pageErrors, []);
});

test('a Flink connection saved in the rail is in the export dialog\'s picker; one saved or deleted in the dialog shows in the rail', async () => {
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('button', { name: 'Add Flink connection' }).click();
  const f = form('Flink');
  await f.getByLabel('Name').fill('cluster-a');
  await f.getByLabel('SQL Gateway URL').fill('http://flink-gateway.invalid:8083');
  await f.getByLabel('Authentication').selectOption('token');
  await f.getByLabel('Token').fill('flink-e2e-token');
  // No gateway here: the test stops at the host name, in plain words.
  assert.deepEqual(await testTyped('Flink'), ['Host name: failed', 'Network: not tried', 'TLS: unused', 'SQL Gateway: not tried', 'Sign-in: not tried']);
  await f.getByRole('button', { name: 'Save' }).click();
  const railItem = (name: string) => page.getByRole('listitem', { name: `Flink connection ${name}`, exact: true });
  await railItem('cluster-a').waitFor();
  assert.match(await railItem('cluster-a').innerText(), /flink-gateway\.invalid:8083 · token/);
  await studio.screenshot('opensearch-08-flink-in-rail');

  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByRole('menuitem', { name: 'Export Flink SQL…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export Flink SQL' });
  const picker = dialog.getByRole('combobox', { name: 'Flink connection', exact: true });
  await eventually(page, 'the rail\'s connection in the dialog', () => picker.locator('option').allInnerTexts(), (o) => o.includes('cluster-a (http://flink-gateway.invalid:8083)'));
  assert.equal(await picker.inputValue(), 'cluster-a');
  await studio.screenshot('opensearch-09-flink-in-dialog');

  // Saved in the dialog: the rail (mounted behind it all along) lists it without a reload.
  await picker.selectOption({ label: 'New connection…' });
  const inDialog = dialog.getByRole('form', { name: 'Flink connection' });
  await inDialog.getByLabel('Name').fill('cluster-b');
  await inDialog.getByLabel('SQL Gateway URL').fill('http://127.0.0.1:8083');
  await inDialog.getByRole('button', { name: 'Save connection' }).click();
  await eventually(page, 'the dialog picks the new one', () => picker.inputValue(), (v) => v === 'cluster-b');
  // Deleted in the dialog: gone from the rail too.
  await picker.selectOption('cluster-a');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await eventually(page, 'cluster-a leaves the picker', () => picker.locator('option').allInnerTexts(), (o) => !o.some((t) => t.startsWith('cluster-a')));
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await railItem('cluster-b').waitFor();
  await railItem('cluster-a').waitFor({ state: 'detached' });
  assert.deepEqual((await studio.service.flinkConnections()).map((c) => c.name), ['cluster-b']);
  await studio.screenshot('opensearch-10-flink-rail-after-dialog');
  assert.deepEqual(studio.pageErrors, []);
});
