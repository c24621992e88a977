// What the inspector needs from the engine's expression language: coloured tokens for the overlay
// highlighter and the first problem (with its position) as the user types. It uses the engine's own lexer
// and parser, so colours and errors always agree with what a run will do.
import { walk } from '../../../engine/expr/ast.ts';
import { aggregateNames, lazyFunctions, scalarFunctions } from '../../../engine/expr/functions.ts';
import { lex } from '../../../engine/expr/lexer.ts';
import { parse, reservedWords } from '../../../engine/expr/parser.ts';
import { isEngineError } from '../../../engine/errors.ts';

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

function isFunctionName(word: string): boolean {
  return scalarFunctions.has(word) || lazyFunctions.has(word) || aggregateNames.has(word.toLowerCase()) || aggregateNames.has(word);
}

/** Tokens covering the text exactly once; `known` marks columns that the upstream does not produce. */
export function highlight(text: string, known?: ReadonlySet<string>): Token[] {
  const lexemes = lex(text);
  return lexemes.map((l, i): Token => {
    const source = text.slice(l.start, l.end);
    let cls: TokenClass;
    switch (l.kind) {
      case 'whitespace':
        cls = source.trimStart().startsWith('--') ? 'comment' : 'space';
        break;
      case 'number':
        cls = 'number';
        break;
      case 'string':
        cls = 'string';
        break;
      case 'operator':
        cls = 'operator';
        break;
      case 'punctuation':
        cls = 'punctuation';
        break;
      case 'error':
        cls = source.startsWith('--') ? 'comment' : 'error';
        break;
      case 'quoted':
        cls = known && !known.has(l.value) ? 'unknown' : 'column';
        break;
      case 'word': {
        const next = lexemes.slice(i + 1).find((n) => n.kind !== 'whitespace');
        const previous = lexemes.slice(0, i).reverse().find((n) => n.kind !== 'whitespace');
        const afterDot = previous?.kind === 'punctuation' && previous.value === '.';
        if (next?.kind === 'punctuation' && next.value === '(' && isFunctionName(l.value)) cls = 'function';
        else if (reservedWords.has(l.value)) cls = 'keyword';
        else if (!afterDot && known && !known.has(l.raw ?? l.value)) cls = 'unknown';
        else cls = 'column';
        break;
      }
    }
    return { text: source, start: l.start, cls };
  });
}

/**
 * The first problem of an expression, or undefined when it parses and every column it names exists
 * (when the upstream fields are known; pass undefined to skip that check).
 */
export function checkExpressionText(text: string, known?: ReadonlySet<string>): ExpressionProblem | undefined {
  if (text.trim() === '') return { message: 'an expression is required', position: 0, length: 0 };
  try {
    const tree = parse(text);
    if (!known) return undefined;
    let problem: ExpressionProblem | undefined;
    walk(tree, (node) => {
      if (problem || node.kind !== 'column') return;
      const name = node.path[0] ?? '';
      if (!known.has(name)) {
        const list = [...known].slice(0, 12).join(', ');
        problem = { message: `unknown field "${name}"; the input has ${list}${known.size > 12 ? ', …' : ''}`, position: node.start, length: node.end - node.start };
      }
    });
    return problem;
  } catch (error) {
    if (isEngineError(error)) {
      const details = (error.details ?? {}) as { position?: number; length?: number };
      return { message: error.message, position: details.position ?? 0, length: details.length ?? 1 };
    }
    return { message: error instanceof Error ? error.message : String(error), position: 0, length: 0 };
  }
}

/** The identifier being typed at the caret (for completion), with where it starts. */
export function wordAt(text: string, caret: number): { word: string; start: number } {
  let start = caret;
  while (start > 0 && /[A-Za-z0-9_$]/.test(text[start - 1] ?? '')) start--;
  return { word: text.slice(start, caret), start };
}
