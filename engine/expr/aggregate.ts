// Window aggregates: `count(*)`, `count(x)`, `count(DISTINCT x)`, `sum(amount * 2)`, … The argument is an
// ordinary expression compiled like any other.
import { EngineError } from '../errors.ts';
import type { CompiledExpression } from './expression.ts';
import { fromTree } from './expression.ts';
import { parseAggregateCall, syntaxError } from './parser.ts';
import { closest } from './suggest.ts';

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'first' | 'last';

export interface AggregateSpec {
  fn: AggregateFunction;
  distinct: boolean;
  star: boolean;
  arg: CompiledExpression | null;
  text: string;
}

const names: Readonly<Record<string, AggregateFunction>> = {
  count: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max', first: 'first', last: 'last',
  first_value: 'first', last_value: 'last',
};

/** Parses one aggregate call; throws like compileExpression (an unknown aggregate is ENG_EXPR_UNKNOWN_FUNCTION). */
export function parseAggregate(text: string): AggregateSpec {
  if (typeof text !== 'string') throw syntaxError('the aggregate must be text', 0, 0);
  const call = parseAggregateCall(text);
  const fn = names[call.name];
  if (!fn) {
    const written = text.slice(call.nameStart, call.nameEnd);
    const guess = closest(written, Object.keys(names));
    throw new EngineError('ENG_EXPR_UNKNOWN_FUNCTION',
      `unknown aggregate '${written}'${guess ? ` (did you mean ${guess}?)` : ''}: expected count, sum, avg, min, max, first or last at position ${call.nameStart}`,
      { position: call.nameStart, length: call.nameEnd - call.nameStart });
  }
  if (call.star && fn !== 'count') throw syntaxError(`${fn}(*) is not an aggregate: only count(*) takes *`, call.nameStart, call.nameEnd - call.nameStart);
  if (call.star && call.distinct) throw syntaxError('count(DISTINCT *) is not valid: name the column to count', call.nameStart, call.nameEnd - call.nameStart);
  const arg = call.arg ? fromTree(call.arg, text.slice(call.arg.start, call.arg.end), text) : null;
  return { fn, distinct: call.distinct, star: call.star, arg, text };
}
