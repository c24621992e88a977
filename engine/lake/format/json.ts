// JSON that keeps 64-bit integers exact. Iceberg metadata holds `long`s (snapshot ids drawn from the whole
// positive 63-bit range by Java, and any long another writer adds) that JSON.parse would round to the
// nearest double above 2^53. Here an integer literal that is not a safe JavaScript integer parses as a
// bigint, and every bigint is written back as its exact digits, so nothing we pass through changes.

/** Parses JSON text; integers outside ±(2^53-1) become bigints, everything else is what JSON.parse gives. */
export function parseLosslessJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const space = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const stringAt = (): string => {
    // the literal is handed to JSON.parse, which knows every escape
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail('Unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      i += c === 0x5c ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): unknown => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail('Expected a property name');
        const key = stringAt();
        space();
        if (text[i] !== ':') fail('Expected ":"');
        i++;
        // defineProperty: a "__proto__" key is plain data, as with JSON.parse
        Object.defineProperty(out, key, { value: value(), enumerable: true, writable: true, configurable: true });
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return out;
        } else fail('Expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return out;
        } else fail('Expected "," or "]"');
      }
    }
    if (c === '"') return stringAt();
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!literal) return fail(i >= text.length ? 'Unexpected end of JSON input' : `Unexpected token ${JSON.stringify(c)}`);
    const token = literal[0];
    i += token.length;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    const n = Number(token);
    if (/^-?\d+$/.test(token) && !Number.isSafeInteger(n)) return BigInt(token);
    return n;
  };
  const result = value();
  space();
  if (i < text.length) fail('Unexpected text after the JSON value');
  return result;
}

/** JSON.stringify that writes bigints as exact integer literals (JSON.stringify alone throws on them). */
export function stringifyLosslessJson(value: unknown): string {
  // bigints become a marker string first; the marker holds a per-call random token so no real string matches
  const token = `\u0000big${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${token}${v.toString()}` : v));
  const marker = JSON.stringify(token).slice(1, -1);
  return text.replace(new RegExp(`"${marker.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(-?\\d+)"`, 'g'), '$1');
}
