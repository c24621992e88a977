// Failures of the link to the engine are said where the user looks: an old or wrong token gets a page
// explaining how to get a fresh link (no blank page, no socket retries); a host that goes away gets a
// banner with Reconnect, Run refuses at once instead of staying "starting"; a host that comes back with a
// new token (a restart) turns the page into the expired-link page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startWebHost } from '../engine/host/server.ts';
import type { WebHost } from '../engine/host/server.ts';
import { studioPerFile } from './helpers/studio.ts';
import type { Studio } from './helpers/studio.ts';
import { eventually } from './helpers/wait.ts';

let studio: Studio;
let page: Page;
const extraHosts: WebHost[] = [];

studioPerFile((opened) => {
  studio = opened;
  page = opened.page;
});

test('an old token gets a page that explains how to get a fresh link, without socket retries', async () => {
  const context = await studio.browser.newContext({ viewport: { width: 1200, height: 800 }, colorScheme: 'dark' });
  try {
    const stale = await context.newPage();
    const sockets: string[] = [];
    stale.on('websocket', (ws) => sockets.push(ws.url()));
    await stale.goto(`http://127.0.0.1:${studio.host.port}/?token=${'0'.repeat(64)}`);
    const pageMain = stale.getByRole('main', { name: 'Studio link expired' });
    await pageMain.getByRole('heading', { name: 'This studio link has expired' }).waitFor();
    assert.match(await pageMain.getByRole('alert').innerText(), /Wrong studio token/);
    assert.match(await pageMain.innerText(), /npx streamlake studio/);
    assert.match(await pageMain.innerText(), new RegExp(`Open: http://127\\.0\\.0\\.1:${studio.host.port}/\\?token=…`));
    await stale.screenshot({ path: new URL('./.screenshots/40-expired-token.png', import.meta.url).pathname, fullPage: true });
    await stale.waitForTimeout(1500);
    assert.deepEqual(sockets, [], 'no WebSocket was tried with the refused token');

    // A bookmark without any token says so as well.
    const bare = await context.newPage();
    await bare.goto(`http://127.0.0.1:${studio.host.port}/`);
    await bare.getByRole('heading', { name: 'This studio link has expired' }).waitFor();
    assert.match(await bare.getByRole('alert').innerText(), /opened without the studio token/);
  } finally {
    await context.close();
  }
});

test('a lost engine shows a banner, Run refuses at once, Reconnect brings it back', async () => {
  const { port, token } = studio.host;
  await studio.host.close();
  const banner = page.getByRole('alert', { name: 'Engine unreachable' });
  await banner.waitFor();
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  await page.getByRole('alert').filter({ hasText: 'Cannot run: the studio engine is not reachable' }).waitFor();
  assert.doesNotMatch(await page.getByRole('status', { name: 'Run status' }).innerText(), /starting/, 'Run is not left starting');
  await studio.screenshot('41-engine-gone-banner');

  extraHosts.push(await startWebHost({ port, service: studio.service, token }));
  // The socket also retries by itself with backoff; on a busy machine that retry can land first and take
  // the banner (and its button) away before the click. Either way the banner must go.
  await banner.getByRole('button', { name: 'Reconnect now' }).click({ timeout: 5_000 }).catch((error: unknown) => {
    if (!/detached|Timeout/.test(String(error))) throw error;
  });
  await banner.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Run pipeline' }).waitFor();
});

test('a host restarted with a new token turns the page into the expired-link page', async () => {
  const { port } = studio.host;
  await extraHosts.pop()?.close();
  await page.getByRole('alert', { name: 'Engine unreachable' }).waitFor();
  extraHosts.push(await startWebHost({ port, service: studio.service }));
  const expired = page.getByRole('main', { name: 'Studio link expired' });
  await eventually(page, 'the expired-link page', () => expired.count(), (n) => n === 1, 30_000);
  assert.match(await expired.getByRole('alert').innerText(), /The studio was restarted and no longer accepts this page's token/);
  await studio.screenshot('42-restarted-new-token');
  for (const host of extraHosts) await host.close();
});
