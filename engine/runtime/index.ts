// The runtime's public surface: hosts (CLI, studio, benchmarks) start runs through createRun.
export { createRun } from './run.ts';
export type { NodeExplanation, NodeSummary, Run, RunEvent, RunOptions, RunStatus, RunSummary } from './run.ts';
export type { LatencySnapshot, MetricsSnapshot, NodeMetricsSnapshot } from './metrics.ts';
export { clearCheckpoints, defaultCheckpointDir, listCheckpoints } from './checkpoint.ts';
export { ManualTime, systemClock, systemTimers } from './clock.ts';
export type { Clock, Timers } from './clock.ts';
export { MemorySource } from './memory-source.ts';
