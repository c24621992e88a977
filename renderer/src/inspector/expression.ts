// What the inspector needs from the engine's expression language: coloured tokens for the overlay
// highlighter and the first problem (with its position) as the user types. Both come from engine/expr
// (its own lexer, parser and checker), so colours and errors always agree with what a run will do.
import { checkAggregate, checkExpression, staticTypeOf, tokenize } from '../../../engine/expr/index.ts';
import type { FieldInfo } from '../../../engine/format/fields.ts';

export type TokenClass = 'keyword' | 'function' | 'column' | 'unknown' | 'string' | 'number' | 'operator' | 'punctuation' | 'error' | 'comment' | 'space';

export interface Token {
  text: string;
  start: number;
  cls: TokenClass;
}

export interface ExpressionProblem {
  message: string;
  position: number;
  length: number;
}

/** Tokens covering the text exactly once; `known` marks columns that the upstream does not produce. */
export function highlight(text: string, known?: ReadonlySet<string>): Token[] {
  const tokens = tokenize(text);
  return tokens.map((t, i): Token => {
    const source = text.slice(t.start, t.end);
    let cls: TokenClass;
    switch (t.kind) {
      case 'whitespace':
        cls = source.trimStart().startsWith('--') ? 'comment' : 'space';
        break;
      case 'identifier': {
        const previous = tokens.slice(0, i).reverse().find((p) => p.kind !== 'whitespace');
        const afterDot = previous?.kind === 'punctuation' && text.slice(previous.start, previous.end) === '.';
        const name = source.startsWith('"') ? source.slice(1, -1).replace(/""/g, '"') : source;
        cls = !afterDot && known && !known.has(name) ? 'unknown' : 'column';
        break;
      }
      default:
        cls = t.kind;
    }
    return { text: source, start: t.start, cls };
  });
}

/**
 * The first problem of an expression (or, with `aggregate`, a window aggregate such as
 * `sum(CASE WHEN … END)`), or undefined when it parses, compiles, every column it names exists and the
 * types fit (when the upstream fields are known; null skips those checks).
 */
export function checkExpressionText(text: string, fields: readonly FieldInfo[] | null, aggregate = false): ExpressionProblem | undefined {
  if (text.trim() === '') return { message: aggregate ? 'an aggregate is required, e.g. count(*) or sum(amount)' : 'an expression is required', position: 0, length: 0 };
  const names = fields?.map((f) => f.name);
  const types = fields ? new Map(fields.map((f) => [f.name, staticTypeOf(f.type)])) : undefined;
  const issue = (aggregate ? checkAggregate(text, names, types) : checkExpression(text, names, types))[0];
  return issue ? { message: issue.message, position: issue.position, length: issue.length ?? 1 } : undefined;
}

/** The columns an expression reads, in order of first use (for showing their sample values beside it). */
export function columnsUsed(text: string, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const t of highlight(text, known)) {
    const name = t.text.startsWith('"') ? t.text.slice(1, -1) : t.text;
    if (t.cls === 'column' && known.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * A validator message names the JSON key (`"where" at character 8: …`, `"aggregates.revenue" …`); the form
 * shows it under the field's label instead (`Condition, at character 8: …`).
 */
export function labelledProblem(message: string, key: string, label: string): string {
  const quoted = new RegExp(`^"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\.([^"]+))?"`);
  return message.replace(quoted, (_all, sub: string | undefined) => (sub ? `${label} "${sub}"` : label));
}

/** The identifier being typed at the caret (for completion), with where it starts. */
export function wordAt(text: string, caret: number): { word: string; start: number } {
  let start = caret;
  while (start > 0 && /[A-Za-z0-9_$]/.test(text[start - 1] ?? '')) start--;
  return { word: text.slice(start, caret), start };
}
