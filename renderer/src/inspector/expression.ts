// What the inspector needs from the engine's expression language: coloured tokens for the overlay
// highlighter and the first problem (with its position) as the user types. Both come from engine/expr
// (its own lexer, parser and checker), so colours and errors always agree with what a run will do.
import { checkExpression, tokenize } from '../../../engine/expr/index.ts';

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
 * The first problem of an expression, or undefined when it parses, compiles and every column it names
 * exists (when the upstream fields are known; pass undefined to skip that check).
 */
export function checkExpressionText(text: string, known?: ReadonlySet<string>): ExpressionProblem | undefined {
  if (text.trim() === '') return { message: 'an expression is required', position: 0, length: 0 };
  const issue = checkExpression(text, known ? [...known] : undefined)[0];
  return issue ? { message: issue.message, position: issue.position, length: issue.length ?? 1 } : undefined;
}

/** The identifier being typed at the caret (for completion), with where it starts. */
export function wordAt(text: string, caret: number): { word: string; start: number } {
  let start = caret;
  while (start > 0 && /[A-Za-z0-9_$]/.test(text[start - 1] ?? '')) start--;
  return { word: text.slice(start, caret), start };
}
