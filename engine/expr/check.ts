// Validation for editors and the pipeline validator: every problem with its position, never an exception.
import type { ErrorCode } from '../errors.ts';
import { isEngineError } from '../errors.ts';
import { walk } from './ast.ts';
import { parseAggregate } from './aggregate.ts';
import type { Expr } from './ast.ts';
import { compileTree } from './compile.ts';
import { parse, parseAggregateCall } from './parser.ts';
import { closest } from './suggest.ts';
import type { StaticType } from './types.ts';
import { analyseTypes, typeIssues } from './types.ts';

export interface ExpressionIssue {
  message: string;
  position: number;
  length?: number;
  /** ENG_EXPR_SYNTAX, ENG_EXPR_UNKNOWN_FUNCTION, ENG_EXPR_UNKNOWN_COLUMN or ENG_EXPR_TYPE. */
  code?: ErrorCode;
}

function positionOf(details: unknown): { position: number; length?: number } {
  if (details && typeof details === 'object') {
    const d = details as { position?: unknown; length?: unknown };
    if (typeof d.position === 'number') return typeof d.length === 'number' ? { position: d.position, length: d.length } : { position: d.position };
  }
  return { position: 0 };
}

/**
 * Problems in `text`: [] when it compiles. With `knownColumns`, a column whose top-level name is not among
 * them is an issue too (for `a.b` only `a` is checked: nested shapes are not known upstream). With
 * `columnTypes`, operands whose types can never work together (`amount > 'abc'`) are issues as well.
 */
export function checkExpression(text: string, knownColumns?: readonly string[], columnTypes?: ReadonlyMap<string, StaticType>): ExpressionIssue[] {
  try {
    const tree = parse(text);
    compileTree(tree, text);
    const issues = knownColumns ? unknownColumns(tree, knownColumns) : [];
    return issues.length > 0 ? issues : columnTypes ? typeIssues(tree, text, columnTypes) : [];
  } catch (error) {
    return fromError(error);
  }
}

function unknownColumns(tree: Expr, knownColumns: readonly string[]): ExpressionIssue[] {
  const known = new Set(knownColumns);
  const issues: ExpressionIssue[] = [];
  walk(tree, (node) => {
    if (node.kind !== 'column') return;
    const top = node.path[0] ?? '';
    if (!known.has(top)) {
      const guess = closest(top, knownColumns);
      const hint = guess
        ? ` (did you mean ${guess}?)`
        : knownColumns.length > 0 ? `; available: ${knownColumns.slice(0, 20).join(', ')}${knownColumns.length > 20 ? ', …' : ''}` : '';
      issues.push({ message: `unknown column '${top}'${hint}`, position: node.start, length: node.end - node.start, code: 'ENG_EXPR_UNKNOWN_COLUMN' });
    }
  });
  return issues;
}

/**
 * Problems in a window aggregate (`sum(CASE WHEN … END)`, `count(distinct x)`): [] when it parses and its
 * argument checks like any expression; sum and avg also need a numeric argument.
 */
export function checkAggregate(text: string, knownColumns?: readonly string[], columnTypes?: ReadonlyMap<string, StaticType>): ExpressionIssue[] {
  try {
    const spec = parseAggregate(text);
    const call = parseAggregateCall(text);
    if (!call.arg) return [];
    const issues = knownColumns ? unknownColumns(call.arg, knownColumns) : [];
    if (issues.length > 0 || !columnTypes) return issues;
    const { type, issues: typed } = analyseTypes(call.arg, text, columnTypes);
    if (typed.length > 0) return typed;
    if ((spec.fn === 'sum' || spec.fn === 'avg') && type !== 'number' && type !== 'unknown') {
      const written = text.slice(call.arg.start, call.arg.end).trim();
      return [{ message: `${spec.fn}() needs numbers, but ${written} is ${type === 'string' ? 'text' : `a ${type}`}; use count, min, max, first or last, or CAST(… AS DOUBLE)`, position: call.arg.start, length: call.arg.end - call.arg.start, code: 'ENG_EXPR_TYPE' }];
    }
    return [];
  } catch (error) {
    return fromError(error);
  }
}

function fromError(error: unknown): ExpressionIssue[] {
  if (isEngineError(error)) {
    // The message ends with "at position N" for logs; the editor shows the position itself.
    const message = error.message.replace(/ at position \d+$/, '');
    return [{ message, ...positionOf(error.details), code: error.code }];
  }
  return [{ message: error instanceof Error ? error.message : String(error), position: 0, code: 'ENG_EXPR_SYNTAX' }];
}
