// The compiled form handed to operators: the text, its evaluator, the columns it reads and its Flink SQL.
import type { Row } from '../runtime/types.ts';
import type { Expr } from './ast.ts';
import { walk } from './ast.ts';
import { compileTree } from './compile.ts';
import { render } from './flink.ts';
import { parse } from './parser.ts';
import { evalError } from './values.ts';
import { EngineError } from '../errors.ts';

export interface CompiledExpression {
  readonly text: string;
  /** SQL semantics: NULL is null; a failure throws EngineError('ENG_EXPR_EVAL') naming the function or operand. */
  evaluate(row: Row): unknown;
  /** Column paths read, deduplicated, in order of appearance: ['amount', 'customer.address.city']. */
  readonly columns: readonly string[];
  /**
   * Set when the whole expression is one top-level column (`amount`): evaluate(row) is then
   * `row[column] ?? null` for a row's own field, and a hot loop may read it so without the call.
   */
  readonly column?: string;
  /** The same expression as Flink SQL text. */
  toFlinkSql(): string;
}

export function columnsOf(tree: Expr): string[] {
  const seen = new Set<string>();
  walk(tree, (node) => {
    if (node.kind === 'column') seen.add(node.path.join('.'));
  });
  return [...seen];
}

/** Wraps a tree that was parsed from `text` (whole text, or a slice for aggregate arguments). */
export function fromTree(tree: Expr, text: string, sourceText: string): CompiledExpression {
  const evaluator = compileTree(tree, sourceText);
  const columns = Object.freeze(columnsOf(tree));
  const site = { text, position: tree.start };
  const column = tree.kind === 'column' && tree.path.length === 1 ? tree.path[0] : undefined;
  return {
    text,
    columns,
    // Always present (undefined or not), so every compiled expression has one shape for the call sites.
    column,
    evaluate(row: Row): unknown {
      try {
        return evaluator(row);
      } catch (error) {
        // Only EngineErrors leave evaluate(): anything else (a stack overflow on a pathological row) is
        // still this event's evaluation failure.
        if (error instanceof EngineError) throw error;
        throw evalError(site, error instanceof Error ? error.message : String(error));
      }
    },
    toFlinkSql: () => render(tree),
  };
}

/**
 * Parses and compiles an expression once. Throws EngineError ENG_EXPR_SYNTAX or ENG_EXPR_UNKNOWN_FUNCTION
 * with `details.position` (0-based character offset) and `details.length`.
 */
export function compileExpression(text: string): CompiledExpression {
  if (typeof text !== 'string') throw new EngineError('ENG_EXPR_SYNTAX', 'the expression must be text', { position: 0, length: 0 });
  const tree = parse(text);
  return fromTree(tree, text, text);
}

/** Filter semantics: only `true` passes; NULL and false drop the event. */
export function isTruthy(value: unknown): boolean {
  return value === true;
}
