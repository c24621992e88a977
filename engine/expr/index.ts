// The SQL expression language: filters, computed columns, window aggregates, editor support and Flink SQL
// export. Everything else in this folder is internal.
export type { CompiledExpression } from './expression.ts';
export { compileExpression, isTruthy } from './expression.ts';
export type { ExpressionIssue } from './check.ts';
export { checkAggregate, checkExpression } from './check.ts';
export type { StaticType } from './types.ts';
export { expressionStaticType, staticTypeOf, typeIssues } from './types.ts';
export type { AggregateFunction, AggregateSpec } from './aggregate.ts';
export { parseAggregate } from './aggregate.ts';
export type { Token, TokenKind } from './highlight.ts';
export { tokenize } from './highlight.ts';
// Value helpers other areas use for messages and timestamps, so they format values as expressions do.
export { describe as describeValue, formatTimestamp, parseTimestamp } from './values.ts';
