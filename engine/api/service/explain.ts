// "Why has this window not closed yet?": the window operator's own explanation (runtime explain()),
// shaped for the UI, plus one plain sentence comparing the watermark with the oldest window's end.
import { durationMs } from '../../format/duration.ts';
import type { NodeSpec } from '../../format/pipeline.ts';
import type { NodeExplanation } from '../../runtime/run.ts';
import type { OpenWindow, WindowExplanation, WireRow } from '../contract.ts';
import { toWireRow } from './wire.ts';

const shown = 50;

export function explainWindow(spec: NodeSpec, explanation: NodeExplanation): WindowExplanation {
  const config = spec.config as { watermarkDelay?: string; allowedLateness?: string };
  const details = isRecord(explanation.details) ? explanation.details : {};
  // The operator knows its effective settings (defaults included); the config is the fallback.
  const watermarkDelayMs = typeof details.watermarkDelayMs === 'number' ? details.watermarkDelayMs : config.watermarkDelay ? durationMs(config.watermarkDelay) : 0;
  const allowedLatenessMs = typeof details.allowedLatenessMs === 'number' ? details.allowedLatenessMs : config.allowedLateness ? durationMs(config.allowedLateness) : 0;
  const partitions = Array.isArray(details.partitions)
    ? details.partitions.filter(isRecord).map((p) => ({ partition: String(p.partition), maxEventTime: typeof p.maxEventTime === 'number' ? p.maxEventTime : null, idle: p.idle === true }))
    : [];
  const listed = Array.isArray(details.openWindows) ? details.openWindows : Array.isArray(details.windows) ? details.windows : [];
  const windows = listed.map(openWindow).filter((w): w is OpenWindow => w !== null).sort((a, b) => a.end - b.end);
  const openCount = typeof details.openCount === 'number' ? details.openCount : windows.length;
  const watermark = explanation.watermark ?? (typeof details.watermark === 'number' ? details.watermark : null);
  return {
    nodeId: spec.id,
    watermark,
    watermarkDelayMs,
    allowedLatenessMs,
    openWindows: windows.slice(0, shown),
    openCount,
    partitions,
    summary: typeof details.summary === 'string' ? details.summary : summarize(watermark, windows[0], openCount, watermarkDelayMs),
  };
}

function summarize(watermark: number | null, oldest: OpenWindow | undefined, openCount: number, delayMs: number): string {
  if (watermark === null) return 'No event has reached this window yet, so there is no watermark: nothing can close.';
  if (!oldest) return openCount === 0 ? `No window is open; the watermark is at ${iso(watermark)}.` : `${openCount} windows are open; the watermark is at ${iso(watermark)}.`;
  const gap = oldest.closesAt - watermark;
  return `The oldest open window ${iso(oldest.start)} – ${iso(oldest.end)} closes when the watermark reaches ${iso(oldest.closesAt)}; ` +
    `the watermark is at ${iso(watermark)} (latest event time minus the ${delayMs / 1000} s watermark delay), ${gap > 0 ? `${formatGap(gap)} short` : 'so it closes on the next batch or tick'}.`;
}

function openWindow(value: unknown): OpenWindow | null {
  if (!isRecord(value)) return null;
  const start = time(value.start ?? value.window_start);
  const end = time(value.end ?? value.window_end);
  if (start === null || end === null) return null;
  const key: WireRow = isRecord(value.key) ? toWireRow(value.key) : isRecord(value.group) ? toWireRow(value.group) : {};
  const events = typeof value.events === 'number' ? value.events : typeof value.count === 'number' ? value.count : 0;
  const closesAt = time(value.closesAt) ?? end;
  return { key, start, end, closesAt, events };
}

function time(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function formatGap(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
