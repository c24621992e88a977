// One metrics registry per run. Counters are plain numbers bumped once per batch (never per event), so
// the hot path pays almost nothing; the UI reads JSON snapshots and scrapers read Prometheus text.
import type { NodeMetrics, PortName } from './types.ts';

/** Upper bounds (ms) of the batch latency histogram buckets; the last bucket is +Inf. */
export const latencyBucketsMs = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

const ports: readonly PortName[] = ['out', 'error', 'late'];

export interface LatencySnapshot {
  count: number;
  sumMs: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  maxMs: number | null;
}

export interface NodeMetricsSnapshot {
  id: string;
  type: string;
  kind: 'source' | 'operator' | 'sink';
  /** Events received (sources: events produced, counted on every port). */
  in: number;
  out: Record<PortName, number>;
  /** Events on the error port plus failures a node reported itself. */
  errors: number;
  /** Events on the late port plus late events a node reported itself. */
  late: number;
  /** Event-time watermark (epoch ms) where the node has one. */
  watermark: number | null;
  latency: LatencySnapshot;
  /** Events per second over the last sampling interval. */
  rateIn: number;
  rateOut: number;
  /** Sinks: batches waiting in the node's input queue. */
  queued: number;
}

export interface MetricsSnapshot {
  pipeline: string;
  /** Clock time (epoch ms) of the snapshot. */
  at: number;
  nodes: Record<string, NodeMetricsSnapshot>;
  checkpoints: { count: number; lastId: number | null; lastAt: number | null; lastDurationMs: number | null };
}

class Histogram {
  readonly counts = new Array<number>(latencyBucketsMs.length + 1).fill(0);
  count = 0;
  sum = 0;
  max = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < latencyBucketsMs.length && ms > (latencyBucketsMs[i] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** Estimated by linear interpolation inside the bucket that holds the quantile, capped by the max seen. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i] ?? 0;
      if (seen + c >= rank && c > 0) {
        const lower = i === 0 ? 0 : (latencyBucketsMs[i - 1] ?? 0);
        const upper = latencyBucketsMs[i] ?? this.max;
        const value = lower + (upper - lower) * ((rank - seen) / c);
        return Math.min(value, this.max);
      }
      seen += c;
    }
    return this.max;
  }
}

/** The counters of one node; also the NodeMetrics handed to the node itself. */
export class NodeCounters implements NodeMetrics {
  in = 0;
  readonly out: Record<PortName, number> = { out: 0, error: 0, late: 0 };
  reportedErrors = 0;
  reportedLate = 0;
  watermark: number | null = null;
  queued = 0;
  readonly latency = new Histogram();
  private sampleAt: number;
  private sampleIn = 0;
  private sampleOut = 0;
  rateIn = 0;
  rateOut = 0;

  constructor(readonly id: string, readonly type: string, readonly kind: 'source' | 'operator' | 'sink', now: number) {
    this.sampleAt = now;
  }

  addIn(n: number): void {
    this.in += n;
  }
  addOut(port: PortName, n: number): void {
    this.out[port] += n;
  }
  addError(n: number): void {
    this.reportedErrors += n;
  }
  addLate(n: number): void {
    this.reportedLate += n;
  }
  setWatermark(ms: number | null): void {
    this.watermark = ms;
  }
  observeLatency(ms: number): void {
    this.latency.observe(ms);
  }

  totalOut(): number {
    return this.out.out + this.out.error + this.out.late;
  }

  /** Updates the rates from the counters' change since the previous sample. */
  sample(now: number): void {
    const elapsed = now - this.sampleAt;
    if (elapsed <= 0) return;
    this.rateIn = ((this.in - this.sampleIn) * 1000) / elapsed;
    this.rateOut = ((this.totalOut() - this.sampleOut) * 1000) / elapsed;
    this.sampleAt = now;
    this.sampleIn = this.in;
    this.sampleOut = this.totalOut();
  }

  snapshot(): NodeMetricsSnapshot {
    const h = this.latency;
    return {
      id: this.id,
      type: this.type,
      kind: this.kind,
      in: this.in,
      out: { ...this.out },
      errors: this.out.error + this.reportedErrors,
      late: this.out.late + this.reportedLate,
      watermark: this.watermark,
      latency: { count: h.count, sumMs: h.sum, p50: h.quantile(0.5), p95: h.quantile(0.95), p99: h.quantile(0.99), maxMs: h.count ? h.max : null },
      rateIn: this.rateIn,
      rateOut: this.rateOut,
      queued: this.queued,
    };
  }
}

export class MetricsRegistry {
  private readonly nodes = new Map<string, NodeCounters>();
  checkpointCount = 0;
  lastCheckpointId: number | null = null;
  lastCheckpointAt: number | null = null;
  lastCheckpointDurationMs: number | null = null;

  constructor(readonly pipeline: string, private readonly now: () => number) {}

  node(id: string, type: string, kind: 'source' | 'operator' | 'sink'): NodeCounters {
    let counters = this.nodes.get(id);
    if (!counters) {
      counters = new NodeCounters(id, type, kind, this.now());
      this.nodes.set(id, counters);
    }
    return counters;
  }

  get(id: string): NodeCounters | undefined {
    return this.nodes.get(id);
  }

  sample(): void {
    const now = this.now();
    for (const counters of this.nodes.values()) counters.sample(now);
  }

  recordCheckpoint(id: number, at: number, durationMs: number): void {
    this.checkpointCount++;
    this.lastCheckpointId = id;
    this.lastCheckpointAt = at;
    this.lastCheckpointDurationMs = durationMs;
  }

  snapshot(): MetricsSnapshot {
    const nodes: Record<string, NodeMetricsSnapshot> = {};
    for (const [id, counters] of this.nodes) nodes[id] = counters.snapshot();
    return {
      pipeline: this.pipeline,
      at: this.now(),
      nodes,
      checkpoints: { count: this.checkpointCount, lastId: this.lastCheckpointId, lastAt: this.lastCheckpointAt, lastDurationMs: this.lastCheckpointDurationMs },
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(): string {
    const lines: string[] = [];
    const all = [...this.nodes.values()];
    const base = (c: NodeCounters): string => `pipeline="${escapeLabel(this.pipeline)}",node="${escapeLabel(c.id)}"`;
    const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, body: (c: NodeCounters) => string[]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const c of all) lines.push(...body(c));
    };
    family('streamlake_node_events_in_total', 'counter', 'Events received by a node (sources: events produced).', (c) => [`streamlake_node_events_in_total{${base(c)}} ${c.in}`]);
    family('streamlake_node_events_out_total', 'counter', 'Events a node emitted, per output port.', (c) =>
      ports.map((p) => `streamlake_node_events_out_total{${base(c)},port="${p}"} ${c.out[p]}`));
    family('streamlake_node_errors_total', 'counter', 'Events a node could not decode, evaluate or validate.', (c) => [`streamlake_node_errors_total{${base(c)}} ${c.out.error + c.reportedErrors}`]);
    family('streamlake_node_late_total', 'counter', 'Window input beyond the allowed lateness.', (c) => [`streamlake_node_late_total{${base(c)}} ${c.out.late + c.reportedLate}`]);
    family('streamlake_node_watermark_ms', 'gauge', 'Event-time watermark in epoch milliseconds (NaN when the node has none yet).', (c) => [`streamlake_node_watermark_ms{${base(c)}} ${c.watermark ?? 'NaN'}`]);
    family('streamlake_node_queued_batches', 'gauge', 'Batches waiting in the input queue of a sink.', (c) => [`streamlake_node_queued_batches{${base(c)}} ${c.queued}`]);
    family('streamlake_node_batch_latency_ms', 'histogram', 'Time to process one batch in milliseconds (sinks: queue wait plus write).', (c) => {
      const out: string[] = [];
      let cumulative = 0;
      for (let i = 0; i < c.latency.counts.length; i++) {
        cumulative += c.latency.counts[i] ?? 0;
        const le = i < latencyBucketsMs.length ? String(latencyBucketsMs[i]) : '+Inf';
        out.push(`streamlake_node_batch_latency_ms_bucket{${base(c)},le="${le}"} ${cumulative}`);
      }
      out.push(`streamlake_node_batch_latency_ms_sum{${base(c)}} ${c.latency.sum}`, `streamlake_node_batch_latency_ms_count{${base(c)}} ${c.latency.count}`);
      return out;
    });
    lines.push('# HELP streamlake_checkpoints_total Checkpoints completed by the run.', '# TYPE streamlake_checkpoints_total counter',
      `streamlake_checkpoints_total{pipeline="${escapeLabel(this.pipeline)}"} ${this.checkpointCount}`);
    return lines.join('\n') + '\n';
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
