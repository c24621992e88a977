// Windows as Flink window table-valued functions, grouped by window_start, window_end and the keys so the
// result stays append-only. Aggregates take the casts that give the engine's numbers (its numbers are
// doubles: AVG of integers is not truncated, SUM of integers does not overflow at 2^31).
import { parseAggregate } from '../expr/index.ts';
import { quoteIdentifier } from '../expr/flink.ts';
import { durationMs } from '../format/duration.ts';
import type { HoppingConfig, NodeSpec, SessionConfig, TumblingConfig } from '../format/pipeline.ts';
import type { Column } from './ddl.ts';
import { interval } from './ddl.ts';
import type { ColumnTypes, FlinkType } from './expressions.ts';
import { translate } from './expressions.ts';
import type { Problems } from './problems.ts';

type WindowNode = Extract<NodeSpec, { type: 'window.tumbling' | 'window.hopping' | 'window.session' }>;

export interface WindowQuery {
  sql: string;
  columns: Column[];
}

function windowFunction(node: WindowNode, input: string): string {
  const time = `DESCRIPTOR(${quoteIdentifier(node.config.time)})`;
  switch (node.type) {
    case 'window.tumbling':
      return `TUMBLE(TABLE ${input}, ${time}, ${interval(durationMs((node.config as TumblingConfig).size))})`;
    case 'window.hopping': {
      const c = node.config as HoppingConfig;
      // Flink takes the slide before the size
      return `HOP(TABLE ${input}, ${time}, ${interval(durationMs(c.slide))}, ${interval(durationMs(c.size))})`;
    }
    case 'window.session': {
      const c = node.config as SessionConfig;
      const keys = (c.groupBy ?? []).map(quoteIdentifier);
      return `SESSION(TABLE ${input}${keys.length ? ` PARTITION BY ${keys.join(', ')}` : ''}, ${time}, ${interval(durationMs(c.gap))})`;
    }
  }
}

/** The SELECT of one window node over `input`, or null (with the problem recorded) when an aggregate cannot carry over. */
export function windowQuery(node: WindowNode, input: string, columns: ColumnTypes, problems: Problems): WindowQuery | null {
  const groupBy = node.config.groupBy ?? [];
  const select: string[] = groupBy.map(quoteIdentifier);
  const out: Column[] = groupBy.map((name) => ({ name, type: columns.get(name) ?? 'UNKNOWN' }));
  select.push('window_start', 'window_end');
  out.push({ name: 'window_start', type: 'TIMESTAMP' }, { name: 'window_end', type: 'TIMESTAMP' });
  for (const [name, text] of Object.entries(node.config.aggregates)) {
    const spec = parseAggregate(text);
    let arg: { sql: string; type: FlinkType } | null = null;
    if (spec.arg) {
      const t = translate(spec.arg.text, columns);
      if (!t.ok) {
        problems.unsupported(node.id, `aggregate ${name} = ${text}: ${t.reason}`, 'an explicit CAST in the aggregate');
        return null;
      }
      arg = t;
    }
    const a = arg?.sql ?? '*';
    const argType = arg?.type ?? 'UNKNOWN';
    const exact = argType === 'INT' || argType === 'BIGINT';
    let sql: string;
    let type: FlinkType;
    switch (spec.fn) {
      case 'count':
        sql = spec.star ? 'COUNT(*)' : `COUNT(${spec.distinct ? 'DISTINCT ' : ''}${a})`;
        type = 'BIGINT';
        break;
      case 'sum':
        sql = `SUM(${spec.distinct ? 'DISTINCT ' : ''}${exact ? `CAST(${a} AS BIGINT)` : a})`;
        type = exact ? 'BIGINT' : argType === 'DECIMAL' ? 'DECIMAL' : argType === 'UNKNOWN' ? 'UNKNOWN' : 'DOUBLE';
        break;
      case 'avg':
        sql = `AVG(${spec.distinct ? 'DISTINCT ' : ''}CAST(${a} AS DOUBLE))`;
        type = 'DOUBLE';
        break;
      case 'min':
      case 'max':
        sql = `${spec.fn.toUpperCase()}(${a})`;
        type = argType;
        break;
      case 'first':
      case 'last':
        problems.differs(node.id, `${name} = ${text}: the engine takes the ${spec.fn} value by event time; Flink's ${spec.fn.toUpperCase()}_VALUE takes it in arrival order`, `${spec.fn.toUpperCase()}_VALUE(${a})`);
        sql = `${spec.fn.toUpperCase()}_VALUE(${a})`;
        type = argType;
        break;
    }
    select.push(`${sql} AS ${quoteIdentifier(name)}`);
    out.push({ name, type });
  }
  const group = ['window_start', 'window_end', ...groupBy.map(quoteIdentifier)].join(', ');
  return { sql: `SELECT ${select.join(', ')}\nFROM TABLE(${windowFunction(node, input)})\nGROUP BY ${group}`, columns: out };
}
