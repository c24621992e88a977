// The one tokenizer behind both the parser and the editor's syntax highlighting, so the colours a user sees
// always agree with what the parser will do. It never throws: bad input becomes `error` lexemes and the
// parser turns the first one into a positioned syntax error.

export type LexemeKind = 'number' | 'string' | 'word' | 'quoted' | 'operator' | 'punctuation' | 'whitespace' | 'error';

export interface Lexeme {
  kind: LexemeKind;
  start: number;
  end: number;
  /**
   * word: the upper-cased word (keywords and function names are case-insensitive); quoted: the identifier
   * without quotes and with doubled quotes undone; string: the literal's value; error: what is wrong;
   * everything else: the source text.
   */
  value: string;
  /** word only: the word as written (column names are case-sensitive). */
  raw?: string;
}

const twoCharOperators = new Set(['||', '<=', '>=', '<>', '!=']);
const oneCharOperators = new Set(['+', '-', '*', '/', '%', '=', '<', '>']);
const punctuation = new Set(['(', ')', ',', '.']);

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWordStart(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) return true;
  return code > 127 && /\p{L}/u.test(String.fromCodePoint(text.codePointAt(i) ?? 0));
}

function isWordPart(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36 || isDigit(code)) return true;
  return code > 127 && /[\p{L}\p{N}]/u.test(String.fromCodePoint(text.codePointAt(i) ?? 0));
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 0xa0 || code === 0xfeff;
}

/** Splits `text` into lexemes covering every character exactly once (whitespace and comments included). */
export function lex(text: string): Lexeme[] {
  const out: Lexeme[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const start = i;
    const code = text.charCodeAt(i);
    const ch = text[i] ?? '';
    const next = text[i + 1] ?? '';
    if (isSpace(code)) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      out.push({ kind: 'whitespace', start, end: i, value: ' ' });
    } else if (ch === '-' && next === '-') {
      // A line comment, as in Flink SQL; `a --1` therefore does not mean `a - (-1)` here either.
      while (i < n && text[i] !== '\n') i++;
      out.push({ kind: 'whitespace', start, end: i, value: ' ' });
    } else if (ch === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) {
        out.push({ kind: 'error', start, end: n, value: 'unterminated comment' });
        i = n;
      } else {
        i = close + 2;
        out.push({ kind: 'whitespace', start, end: i, value: ' ' });
      }
    } else if (isDigit(code) || (ch === '.' && isDigit(next.charCodeAt(0)))) {
      i = lexNumber(text, i, out);
    } else if (ch === "'") {
      i = lexQuoted(text, i, "'", 'string', 'unterminated string literal', out);
    } else if (ch === '"' || ch === '`') {
      i = lexQuoted(text, i, ch, 'quoted', 'unterminated quoted identifier', out);
    } else if (isWordStart(text, i)) {
      i += code > 0xffff || (code >= 0xd800 && code <= 0xdbff) ? 2 : 1;
      while (i < n && isWordPart(text, i)) i += text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff ? 2 : 1;
      const raw = text.slice(start, i);
      out.push({ kind: 'word', start, end: i, value: raw.toUpperCase(), raw });
    } else if (twoCharOperators.has(ch + next)) {
      i += 2;
      out.push({ kind: 'operator', start, end: i, value: ch + next });
    } else if (oneCharOperators.has(ch)) {
      i += 1;
      out.push({ kind: 'operator', start, end: i, value: ch });
    } else if (punctuation.has(ch)) {
      i += 1;
      out.push({ kind: 'punctuation', start, end: i, value: ch });
    } else {
      i += code >= 0xd800 && code <= 0xdbff && i + 1 < n ? 2 : 1;
      out.push({ kind: 'error', start, end: i, value: `unexpected character '${text.slice(start, i)}'` });
    }
  }
  return out;
}

function lexNumber(text: string, i: number, out: Lexeme[]): number {
  const start = i;
  const n = text.length;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (text[i] === '.') {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    let j = i + 1;
    if (text[j] === '+' || text[j] === '-') j++;
    if (!isDigit(text.charCodeAt(j))) {
      out.push({ kind: 'error', start, end: j, value: 'malformed number: the exponent has no digits' });
      return j;
    }
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    i = j;
  }
  out.push({ kind: 'number', start, end: i, value: text.slice(start, i) });
  return i;
}

function lexQuoted(text: string, i: number, quote: string, kind: 'string' | 'quoted', unterminated: string, out: Lexeme[]): number {
  const start = i;
  let value = '';
  i++;
  for (;;) {
    const close = text.indexOf(quote, i);
    if (close < 0) {
      out.push({ kind: 'error', start, end: text.length, value: unterminated });
      return text.length;
    }
    value += text.slice(i, close);
    if (text[close + 1] === quote) {
      value += quote;
      i = close + 2;
    } else {
      i = close + 1;
      break;
    }
  }
  out.push({ kind, start, end: i, value });
  return i;
}
