// The parsed form of an expression. Every node keeps its source span (for error positions and messages that
// quote the offending part) and its depth (so evaluation recursion stays bounded whatever the input).

export type TimeUnit = 'MILLISECOND' | 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';
export type ExtractUnit = TimeUnit | 'DOW' | 'ISODOW' | 'DOY' | 'EPOCH' | 'DECADE' | 'CENTURY' | 'MILLENNIUM' | 'ISOYEAR';
export type IntervalUnit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH' | 'YEAR';

export type CastTypeName =
  | 'STRING' | 'VARCHAR' | 'CHAR'
  | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT'
  | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'BOOLEAN' | 'TIMESTAMP' | 'DATE';

export interface CastType {
  name: CastTypeName;
  /** VARCHAR/CHAR length, DECIMAL precision, TIMESTAMP fractional precision. */
  length?: number;
  /** DECIMAL scale. */
  scale?: number;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=';

interface Span {
  start: number;
  end: number;
  depth: number;
}

export type LiteralValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  | { type: 'number'; value: number; raw: string }
  | { type: 'string'; value: string }
  | { type: 'timestamp'; ms: number }
  | { type: 'date'; ms: number }
  | { type: 'interval'; amount: number; unit: IntervalUnit };

export type Expr =
  | (Span & { kind: 'literal'; literal: LiteralValue })
  | (Span & { kind: 'column'; path: string[] })
  | (Span & { kind: 'negate'; operand: Expr })
  | (Span & { kind: 'not'; operand: Expr })
  | (Span & { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr })
  | (Span & { kind: 'logical'; op: 'AND' | 'OR'; operands: Expr[] })
  | (Span & { kind: 'is'; operand: Expr; test: 'NULL' | 'TRUE' | 'FALSE'; negated: boolean })
  | (Span & { kind: 'in'; operand: Expr; list: Expr[]; negated: boolean })
  | (Span & { kind: 'between'; operand: Expr; low: Expr; high: Expr; negated: boolean })
  | (Span & { kind: 'like'; operand: Expr; pattern: Expr; escape: string | null; negated: boolean })
  | (Span & { kind: 'case'; operand: Expr | null; whens: { when: Expr; then: Expr }[]; otherwise: Expr | null })
  | (Span & { kind: 'cast'; operand: Expr; type: CastType; safe: boolean })
  | (Span & { kind: 'extract'; unit: ExtractUnit; operand: Expr })
  | (Span & { kind: 'floorTime'; unit: TimeUnit; operand: Expr; ceil: boolean })
  | (Span & { kind: 'trim'; mode: 'BOTH' | 'LEADING' | 'TRAILING'; chars: Expr | null; operand: Expr })
  | (Span & { kind: 'call'; name: string; args: Expr[] });

export type ExprKind = Expr['kind'];

/** Visits every node depth-first, parents before children, children left to right. */
export function walk(node: Expr, visit: (node: Expr) => void): void {
  visit(node);
  for (const child of children(node)) walk(child, visit);
}

export function children(node: Expr): Expr[] {
  switch (node.kind) {
    case 'literal':
    case 'column':
      return [];
    case 'negate':
    case 'not':
    case 'is':
    case 'cast':
    case 'extract':
    case 'floorTime':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'logical':
      return node.operands;
    case 'in':
      return [node.operand, ...node.list];
    case 'between':
      return [node.operand, node.low, node.high];
    case 'like':
      return [node.operand, node.pattern];
    case 'case': {
      const out: Expr[] = node.operand ? [node.operand] : [];
      for (const w of node.whens) out.push(w.when, w.then);
      if (node.otherwise) out.push(node.otherwise);
      return out;
    }
    case 'trim':
      return node.chars ? [node.chars, node.operand] : [node.operand];
    case 'call':
      return node.args;
  }
}
