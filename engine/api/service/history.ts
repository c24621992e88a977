// Time series kept by the host for the Metrics dock: one point per tick (~1 s), the last 15 minutes.
import type { MetricsSeries, MetricsSnapshot } from '../contract.ts';

const keepMs = 15 * 60 * 1000;

export class MetricsHistory {
  private readonly series = new Map<string, MetricsSeries>();
  /** Per database sink: commits and their total time at the previous snapshot, for the interval's mean. */
  private readonly commitsSeen = new Map<string, { commits: number; ms: number }>();

  clear(): void {
    this.series.clear();
    this.commitsSeen.clear();
  }

  /** Records the run-wide and per-node series of one metrics snapshot. */
  record(snapshot: MetricsSnapshot, wallClock: number): void {
    const at = snapshot.at;
    let sourceRate = 0;
    let errors = 0;
    let late = 0;
    for (const node of Object.values(snapshot.nodes)) {
      if (node.kind === 'source') sourceRate += node.rateIn;
      errors += node.errors;
      late += node.late;
      this.add('events_per_second', node.id, at, node.kind === 'source' ? node.rateIn : node.rateOut);
      this.add('errors', node.id, at, node.errors);
      this.add('late', node.id, at, node.late);
      if (node.watermark !== null) {
        this.add('watermark_delay_ms', node.id, at, Math.max(0, wallClock - node.watermark));
        // The event time itself, so the studio can say "events of 1 Jan 00:12" rather than only how far behind.
        this.add('watermark', node.id, at, node.watermark);
      }
      if (node.kind === 'sink') this.add('queued', node.id, at, node.queued);
      if (node.delivery) {
        const d = node.delivery;
        this.add('sink_rows', node.id, at, d.rows);
        this.add('sink_batches', node.id, at, d.batches);
        this.add('sink_retries', node.id, at, d.retries);
        // The mean commit time of the commits since the last point (none: no point, not a zero).
        const seen = this.commitsSeen.get(node.id) ?? { commits: 0, ms: 0 };
        if (d.commits > seen.commits) this.add('sink_commit_ms', node.id, at, (d.commitMsTotal - seen.ms) / (d.commits - seen.commits));
        this.commitsSeen.set(node.id, { commits: d.commits, ms: d.commitMsTotal });
      }
    }
    this.add('events_per_second', undefined, at, sourceRate);
    this.add('errors', undefined, at, errors);
    this.add('late', undefined, at, late);
  }

  /** Kafka consumer lag of a pipeline's source, sampled by whoever knows it. */
  recordLag(nodeId: string, at: number, lag: number): void {
    this.add('kafka_lag', nodeId, at, lag);
  }

  query(sinceMs?: number, names?: string[]): MetricsSeries[] {
    const out: MetricsSeries[] = [];
    for (const series of this.series.values()) {
      if (names && !names.includes(series.name)) continue;
      const points = sinceMs === undefined ? series.points : series.points.filter(([t]) => t > sinceMs);
      out.push(series.nodeId === undefined ? { name: series.name, points: [...points] } : { name: series.name, nodeId: series.nodeId, points: [...points] });
    }
    return out;
  }

  private add(name: string, nodeId: string | undefined, at: number, value: number): void {
    const key = `${name}\u0000${nodeId ?? ''}`;
    let series = this.series.get(key);
    if (!series) {
      series = nodeId === undefined ? { name, points: [] } : { name, nodeId, points: [] };
      this.series.set(key, series);
    }
    series.points.push([at, value]);
    // Points arrive in time order, so the expired ones are at the front.
    let drop = 0;
    while (drop < series.points.length && (series.points[drop]?.[0] ?? at) < at - keepMs) drop++;
    if (drop > 0) series.points.splice(0, drop);
  }
}
