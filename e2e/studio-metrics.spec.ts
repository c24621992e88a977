// Monitoring while a pipeline runs: charts with a labelled time axis and value axis (with units), a time
// range, drill-down to one node, and the watermark shown as event time plus how far it is behind the wall
// clock in human units (not "29320577.4 s"). The generator starts its event time on 1 Jan 2026, so the
// expected distance is computed here from the machine's clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PipelineDoc } from '../engine/format/pipeline.ts';
import { importPipelineFile } from './helpers/files.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;

const start = Date.UTC(2026, 0, 1);
const pipeline: PipelineDoc = {
  format: 'streamlake.pipeline',
  version: 1,
  name: 'metrics-watch',
  nodes: [
    { id: 'orders', type: 'source.generator', config: { dataset: 'sales_orders', seed: 9, eventsPerSecond: 300, startTime: new Date(start).toISOString() } },
    { id: 'per_10s', type: 'window.tumbling', label: 'Per 10 s', config: { time: 'event_time', size: '10s', groupBy: ['region'], aggregates: { orders: 'count(*)' } } },
    { id: 'peek', type: 'sink.preview', config: {} },
  ],
  edges: [{ from: 'orders', to: 'per_10s' }, { from: 'per_10s', to: 'peek' }],
  layout: { orders: { x: 0, y: 0 }, per_10s: { x: 300, y: 0 }, peek: { x: 600, y: 0 } },
};

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

test('charts have axes with units, a time range, per-node drill-down and the watermark in words', async () => {
  await importPipelineFile(page, 'metrics.json', JSON.stringify(pipeline));
  await page.getByRole('group', { name: 'Node Per 10 s' }).waitFor();
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await eventually(page, 'running', () => page.getByRole('status', { name: 'Run status' }).innerText(), (t) => t.includes('running'));
  await page.getByRole('tab', { name: 'Metrics' }).click();

  const watermark = page.getByRole('status', { name: 'Watermark' });
  const text = await eventually(page, 'the watermark line', () => watermark.innerText().catch(() => ''), (t) => t.includes('behind now'));
  assert.match(text, /^watermark at event time 2026-01-01 00:0\d:\d\d UTC · /);
  const days = Math.floor((Date.now() - start) / 86_400_000);
  assert.match(text, new RegExp(`· (${days}|${days - 1}) d( \\d+ h)? behind now$`), `${text} (expected about ${days} days)`);
  const delay = page.getByRole('figure', { name: 'Watermark behind now over time' });
  assert.match(await delay.getByLabel('Watermark behind now now').innerText(), /^\d+ d/);

  const throughput = page.getByRole('figure', { name: 'Throughput over time' });
  await eventually(page, 'a throughput chart with axes', () => throughput.innerText(), (t) => t.includes('time (UTC)') && t.includes('events/s'));
  assert.match(await delay.innerText(), /behind wall clock/);

  await page.getByRole('combobox', { name: 'Time range' }).selectOption({ label: 'last 1 min' });
  await page.getByRole('combobox', { name: 'Metrics node' }).selectOption({ label: 'Per 10 s' });
  await eventually(page, 'drilled down to the window', () => throughput.innerText(), (t) => t.includes('Throughput · Per 10 s'));
  assert.match(await page.getByRole('figure', { name: 'Kafka lag over time' }).innerText(), /this node has no such series/);
  await studio.screenshot('50-metrics-axes-watermark');

  await page.getByRole('button', { name: 'Stop pipeline' }).click();
  await eventually(page, 'stopped', () => page.getByRole('status', { name: 'Run status' }).innerText(), (t) => !/running|stopping|starting/.test(t));
});
