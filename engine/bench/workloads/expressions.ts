// expressions: the expression language's own micro benchmark (engine/expr/bench.ts) — evaluate() of a
// typical filter and a typical four-column map over 1 M rows built before timing.
import { benchExpressions } from '../../expr/bench.ts';
import { monotonicMs } from '../../runtime/clock.ts';
import { registerWorkload, type BenchResult } from '../workload.ts';

registerWorkload({
  name: 'expressions',
  description: 'evaluate() of a filter and a 4-column map over 1 M in-memory rows (engine/expr/bench.ts)',
  async run(ctx): Promise<BenchResult> {
    const rss = ctx.trackRss();
    const started = monotonicMs();
    const figures = await benchExpressions();
    const seconds = (monotonicMs() - started) / 1000;
    const filter = figures.find((f) => f.name === 'expr-filter');
    return {
      seconds,
      eventsPerSecond: filter?.eventsPerSecond,
      peakRssMb: rss.stop(),
      references: figures.map((f) => ({ name: f.name, eventsPerSecond: f.eventsPerSecond })),
      notes: ['events/s is the filter figure; each workload is warmed up once, then timed once'],
      workloads: figures,
    };
  },
});
