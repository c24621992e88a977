// Tokens for syntax highlighting: the parser's own lexer, classified for colour. Never throws, and the
// tokens tile the text exactly (concatenating their text gives the input back).
import { isKnownFunction } from './functions.ts';
import { lex } from './lexer.ts';
import { reservedWords } from './parser.ts';

export type TokenKind = 'keyword' | 'identifier' | 'number' | 'string' | 'operator' | 'function' | 'punctuation' | 'whitespace' | 'error';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
}

/** Words that read as keywords in context (types, units, literal prefixes) besides the reserved ones. */
const contextualKeywords: ReadonlySet<string> = new Set([
  'CAST', 'TRY_CAST', 'EXTRACT', 'TIMESTAMP', 'DATE', 'INTERVAL', 'STRING', 'VARCHAR', 'CHAR', 'CHARACTER', 'INT', 'INTEGER',
  'BIGINT', 'SMALLINT', 'TINYINT', 'DOUBLE', 'PRECISION', 'FLOAT', 'REAL', 'DECIMAL', 'DEC', 'NUMERIC', 'BOOLEAN',
  'MILLISECOND', 'SECOND', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR', 'DOW', 'ISODOW', 'DOY', 'EPOCH',
  'DECADE', 'CENTURY', 'MILLENNIUM', 'ISOYEAR', 'BOTH', 'LEADING', 'TRAILING', 'UNKNOWN', 'TO', 'WITHOUT', 'TIME', 'ZONE',
  'ASYMMETRIC', 'ALL',
]);

export function tokenize(text: string): Token[] {
  if (typeof text !== 'string') return [];
  const lexemes = lex(text);
  const out: Token[] = [];
  let previous: string | null = null;
  for (let i = 0; i < lexemes.length; i++) {
    const l = lexemes[i];
    if (!l) continue;
    let kind: TokenKind;
    switch (l.kind) {
      case 'word': {
        let j = i + 1;
        while (lexemes[j]?.kind === 'whitespace') j++;
        const after = lexemes[j];
        const call = after?.kind === 'punctuation' && after.value === '(';
        if (previous === '.') kind = 'identifier';
        else if (call && (isKnownFunction(l.value) || !reservedWords.has(l.value))) kind = 'function';
        else if (reservedWords.has(l.value)) kind = 'keyword';
        else if (contextualKeywords.has(l.value) && (after?.kind !== 'punctuation' || after.value === '(' || after.value === ')')
          && !(after?.kind === 'operator')) kind = 'keyword';
        else kind = 'identifier';
        break;
      }
      case 'quoted':
        kind = 'identifier';
        break;
      default:
        kind = l.kind;
    }
    out.push({ kind, start: l.start, end: l.end });
    if (l.kind !== 'whitespace') previous = l.kind === 'punctuation' ? l.value : l.kind;
  }
  return out;
}
