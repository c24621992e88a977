// Launches the studio as a user gets it in browser mode: a real web host on a free port with its own temp
// STREAMLAKE_HOME (lake, pipelines, connections) and Debian's Chromium opened on the printed URL.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createStudioService } from '../../engine/api/service.ts';
import type { StudioService } from '../../engine/api/service.ts';
import { startWebHost } from '../../engine/host/server.ts';
import type { WebHost } from '../../engine/host/server.ts';
import { FileConnectionStore } from '../../engine/kafka/connections.ts';
import { launchChromium } from './browser.ts';
import { canvasSettled } from './canvas.ts';

export const screenshotDir = new URL('../.screenshots/', import.meta.url).pathname;

export interface StudioOptions {
  /** Save a connection named `local` that points at the test broker (STREAMLAKE_TEST_KAFKA). */
  kafka?: boolean;
  /** Browser viewport (default 1440×900). */
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** Scripts run in the page before the studio's own (e.g. the render-counting hook). */
  initScripts?: InitScript<unknown>[];
}

/** A function run in the page before any of its scripts, with one serialisable argument. */
export interface InitScript<Arg> {
  // Method syntax on purpose: a script taking a narrower argument still fits `InitScript<unknown>`.
  script(arg: Arg): void;
  arg: Arg;
}

export interface Studio {
  page: Page;
  context: BrowserContext;
  browser: Browser;
  /** The URL with the token, as `streamlake studio` prints it. */
  url: string;
  host: WebHost;
  service: StudioService;
  homeDir: string;
  lakeDir: string;
  /** Uncaught page errors and console errors seen so far (a spec can assert there are none). */
  pageErrors: string[];
  /** Saves `e2e/.screenshots/<name>.png` (full page) and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchStudio(options: StudioOptions = {}): Promise<Studio> {
  const homeDir = await mkdtemp(join(tmpdir(), 'streamlake-e2e-'));
  const lakeDir = join(homeDir, 'lake');
  const cleanups: (() => Promise<void>)[] = [() => rm(homeDir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    if (options.kafka) {
      const brokers = process.env.STREAMLAKE_TEST_KAFKA;
      if (!brokers) throw new Error('STREAMLAKE_TEST_KAFKA is not set: run Kafka specs through `npm test` / `npm run test:e2e`, which start the test broker');
      await new FileConnectionStore(homeDir).save({ name: 'local', brokers: brokers.split(',').map((b) => b.trim()) });
    }
    const service = createStudioService({ mode: 'browser', lakeDir, homeDir, metricsPath: '/metrics' });
    cleanups.push(() => service.close());
    const host = await startWebHost({ port: 0, service });
    cleanups.push(() => host.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'dark', acceptDownloads: true });
    // tsx compiles the specs with esbuild's keepNames, which wraps named functions in `__name(…)`; functions
    // that specs send into the page need that helper there too.
    await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
    for (const init of options.initScripts ?? []) await context.addInitScript(init.script, init.arg);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(host.url);
    return {
      page,
      context,
      browser,
      url: host.url,
      host,
      service,
      homeDir,
      lakeDir,
      pageErrors,
      async screenshot(name) {
        await mkdir(screenshotDir, { recursive: true });
        const path = join(screenshotDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.png`);
        await page.screenshot({ path, fullPage: true });
        return path;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Launches the studio and waits until its first screen is up with its pipeline, with a default wait per
 * action that is generous because CI machines are shared (a budget, not a timing claim).
 */
export async function openStudio(options: StudioOptions = {}): Promise<Studio> {
  const studio = await launchStudio(options);
  const page = studio.page;
  page.setDefaultTimeout(20_000);
  await page.getByRole('button', { name: 'Run pipeline' }).waitFor();
  // The first screen is complete once the example (or the autosaved pipeline) is on the canvas and
  // fitted; a spec that counted nodes before that would race the restore.
  await page.getByRole('group', { name: /^Node / }).first().waitFor();
  await canvasSettled(page);
  return studio;
}

/**
 * One studio for all the tests of a spec file: opened before the first test and handed to `use`, which
 * may finish the spec's own setup (Node 20 does not order several top-level `before` hooks, so a spec
 * must not add another one that needs the studio), closed after the last test.
 */
export function studioPerFile(use: (studio: Studio) => void | Promise<void>, options: StudioOptions = {}): void {
  let studio: Studio | undefined;
  before(async () => {
    studio = await openStudio(options);
    await use(studio);
  });
  after(async () => {
    await studio?.close();
  });
}
