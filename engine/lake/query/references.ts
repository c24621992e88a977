// Finds lake table names in user SQL and rewrites `table@ref` into a quoted identifier that names a
// per-query temp view. A small lexer instead of a regex, because a regex cannot tell `sales@v1` in a FROM
// clause from 'bob@sales.com' in a string literal, a "quoted@identifier" or a comment.

/** A reference to a table at a given ref (`sales@42`, `sales@nightly`, `"Sales"@"tag with space"`). */
export interface VersionedReference {
  table: string;
  ref: string;
  /** Source span of the whole `table@ref` text. */
  start: number;
  end: number;
}

export interface References {
  /** Lower-cased names of lake tables used without a version. */
  plain: Set<string>;
  versioned: VersionedReference[];
  /** How many times lake tables are referenced in all (a table used twice counts twice). */
  count: number;
}

interface Token {
  kind: 'word' | 'quoted' | 'other';
  /** Identifier text: unquoted, with doubled quotes collapsed. */
  text: string;
  start: number;
  end: number;
}

const wordStart = /[A-Za-z_\u0080-\uffff]/;
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/;
const refPart = /[A-Za-z0-9_.\-]/;

/** Splits SQL into identifiers, skipping strings, comments and everything else we do not need. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'") {
      i = skipQuoted(sql, i, "'", false);
    } else if ((c === 'E' || c === 'e') && next === "'" && !isWordBefore(sql, i)) {
      i = skipQuoted(sql, i + 1, "'", true);
    } else if (c === '$' && !isWordBefore(sql, i)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? sql.length : end + tag[0].length;
      } else {
        tokens.push({ kind: 'other', text: c, start: i, end: i + 1 });
        i++;
      }
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      tokens.push({ kind: 'quoted', text: sql.slice(i + 1, end - 1).replaceAll('""', '"'), start: i, end });
      i = end;
    } else if (wordStart.test(c)) {
      let end = i + 1;
      while (end < sql.length && wordPart.test(sql[end]!)) end++;
      tokens.push({ kind: 'word', text: sql.slice(i, end), start: i, end });
      i = end;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      tokens.push({ kind: 'other', text: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

function isWordBefore(sql: string, i: number): boolean {
  return i > 0 && wordPart.test(sql[i - 1]!);
}

/** Index just past the closing quote (or the end of text for an unterminated literal). */
function skipQuoted(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Reads the ref after `@` at `at`: a quoted identifier or a run of letters, digits, `_ . -`. */
function readRef(sql: string, at: number): { ref: string; end: number } | null {
  if (sql[at] === '"') {
    const end = skipQuoted(sql, at, '"', false);
    if (sql[end - 1] !== '"' || end - at < 3) return null;
    return { ref: sql.slice(at + 1, end - 1).replaceAll('""', '"'), end };
  }
  let end = at;
  while (end < sql.length && refPart.test(sql[end]!) && !(sql[end] === '-' && sql[end + 1] === '-')) end++;
  // A trailing dot is punctuation (`sales@v1.` never names a ref); trailing dashes likewise.
  while (end > at && (sql[end - 1] === '.' || sql[end - 1] === '-')) end--;
  return end > at ? { ref: sql.slice(at, end), end } : null;
}

/**
 * Lake table references in `sql`. `isTable` receives a lower-cased name. Qualified names (`other.sales`),
 * function calls (`sales(...)`) and column references (`sales.amount`) are not table references.
 */
export function findReferences(sql: string, isTable: (lowerName: string) => boolean): References {
  const tokens = tokenize(sql);
  const plain = new Set<string>();
  const versioned: VersionedReference[] = [];
  let count = 0;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    if (token.kind === 'other') continue;
    const name = token.text.toLowerCase();
    if (!isTable(name)) continue;
    const previous = tokens[t - 1];
    if (previous?.kind === 'other' && previous.text === '.' && previous.end === token.start) continue;
    if (sql[token.end] === '@') {
      const ref = readRef(sql, token.end + 1);
      if (ref) {
        versioned.push({ table: name, ref: ref.ref, start: token.start, end: ref.end });
        count++;
        while (tokens[t + 1] && tokens[t + 1]!.start < ref.end) t++;
        continue;
      }
    }
    const following = tokens[t + 1];
    if (following?.kind === 'other' && (following.text === '(' || following.text === '.') && following.start === token.end) continue;
    plain.add(name);
    count++;
  }
  return { plain, versioned, count };
}

/** The identifier a versioned reference is rewritten to, and the temp view's name. */
export function versionedViewName(table: string, ref: string): string {
  return `${table}@${ref}`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `sql` with each versioned reference replaced by the quoted name of its temp view. */
export function rewriteReferences(sql: string, versioned: VersionedReference[]): string {
  let out = '';
  let at = 0;
  for (const reference of [...versioned].sort((a, b) => a.start - b.start)) {
    out += sql.slice(at, reference.start) + quoteIdentifier(versionedViewName(reference.table, reference.ref));
    at = reference.end;
  }
  return out + sql.slice(at);
}
