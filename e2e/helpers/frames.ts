// Frame times of the page while something happens, measured with requestAnimationFrame, and the main
// thread's CPU time from Chromium's own counters (load-independent, unlike the frame times). Printed by
// specs as figures; never asserted, since a shared CI machine makes wall-clock time meaningless.
import type { CDPSession, Page } from 'playwright-core';

declare global {
  interface Window {
    __frameTimes?: { stamps: number[]; running: boolean };
  }
}

export interface FrameFigures {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  /** Main-thread time Chromium spent on tasks (script, style, layout, paint), in ms. */
  taskMs: number;
  scriptMs: number;
  layoutMs: number;
}

export interface FrameRecorder {
  stop(): Promise<FrameFigures>;
}

type Metrics = Record<string, number>;

async function metrics(session: CDPSession): Promise<Metrics> {
  const { metrics: list } = await session.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

/**
 * Starts recording frames; `stop()` returns their percentiles and the CPU time spent meanwhile. With
 * `slowdown` Chromium runs the page that many times slower (a laptop on battery, a busy CI machine),
 * which makes costs that fit in a frame here visible as dropped frames.
 */
export async function recordFrames(page: Page, slowdown = 1): Promise<FrameRecorder> {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  if (slowdown > 1) await session.send('Emulation.setCPUThrottlingRate', { rate: slowdown });
  const before = await metrics(session);
  await page.evaluate(() => {
    const state = { stamps: [] as number[], running: true };
    window.__frameTimes = state;
    const tick = (t: number): void => {
      state.stamps.push(t);
      if (state.running) window.requestAnimationFrame(tick);
    };
    window.requestAnimationFrame(tick);
  });
  return {
    async stop() {
      const stamps = await page.evaluate(() => {
        const state = window.__frameTimes;
        if (!state) return [];
        state.running = false;
        return state.stamps;
      });
      const after = await metrics(session);
      if (slowdown > 1) await session.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await session.detach();
      const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t)).sort((a, b) => a - b);
      const spent = (name: string): number => Math.round(((after[name] ?? 0) - (before[name] ?? 0)) * 1000);
      return {
        frames: gaps.length,
        p50: Math.round(percentile(gaps, 0.5) * 10) / 10,
        p95: Math.round(percentile(gaps, 0.95) * 10) / 10,
        max: Math.round((gaps[gaps.length - 1] ?? 0) * 10) / 10,
        taskMs: spent('TaskDuration'),
        scriptMs: spent('ScriptDuration'),
        layoutMs: spent('LayoutDuration') + spent('RecalcStyleDuration'),
      };
    },
  };
}
