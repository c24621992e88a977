// Tokens for showing schema text with colours: JSON (Avro, JSON Schema) and .proto. A small scanner is
// enough here: the text is shown, never edited, and an unknown character is just plain text.
export type TokenKind = 'key' | 'string' | 'number' | 'keyword' | 'comment' | 'plain';
export type Token = { kind: TokenKind; text: string };

const protoKeywords = new Set(['syntax', 'package', 'import', 'message', 'enum', 'optional', 'repeated', 'required', 'oneof', 'map', 'reserved', 'option', 'service', 'rpc', 'returns',
  'string', 'bytes', 'bool', 'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);
const jsonKeywords = new Set(['true', 'false', 'null']);

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const push = (kind: TokenKind, t: string): void => {
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === 'plain') last.text += t;
    else out.push({ kind, text: t });
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const comment = /^\/\/[^\n]*/.exec(rest);
    const string = /^"(?:[^"\\\n]|\\.)*"?/.exec(rest);
    const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest);
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (comment) {
      push('comment', comment[0]);
      i += comment[0].length;
    } else if (string) {
      // A JSON string followed by a colon is a key.
      const after = text.slice(i + string[0].length);
      push(/^\s*:/.test(after) ? 'key' : 'string', string[0]);
      i += string[0].length;
    } else if (number && !/[A-Za-z_]/.test(text[i - 1] ?? '')) {
      push('number', number[0]);
      i += number[0].length;
    } else if (word) {
      push(protoKeywords.has(word[0]) || jsonKeywords.has(word[0]) ? 'keyword' : 'plain', word[0]);
      i += word[0].length;
    } else {
      push('plain', text[i]!);
      i++;
    }
  }
  return out;
}
