// SQL LIKE without regular expressions: a backtracking-free wildcard matcher (O(text × pattern) worst
// case), so an imported pipeline cannot stall the engine with a pathological pattern.

const literal = 0;
const anyOne = 1;
const anyRun = 2;

export type LikeMatcher = (text: string) => boolean;

/** Compiles a LIKE pattern; returns an error message instead when the escape sequences are malformed. */
export function compileLike(pattern: string, escape: string | null): LikeMatcher | string {
  const kinds: number[] = [];
  const chars: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (escape !== null && c === escape) {
      const next = pattern[i + 1];
      if (next === undefined || (next !== '%' && next !== '_' && next !== escape)) {
        return `invalid escape in LIKE pattern '${pattern}': the escape character must precede %, _ or itself`;
      }
      kinds.push(literal);
      chars.push(next);
      i++;
    } else if (c === '%') {
      // Consecutive % are one wildcard.
      if (kinds[kinds.length - 1] !== anyRun) {
        kinds.push(anyRun);
        chars.push('');
      }
    } else if (c === '_') {
      kinds.push(anyOne);
      chars.push('');
    } else {
      kinds.push(literal);
      chars.push(c);
    }
  }
  return specialise(kinds, chars) ?? general(kinds, chars);
}

/** The shapes almost every real pattern has: 'abc', 'abc%', '%abc', '%abc%'. */
function specialise(kinds: number[], chars: string[]): LikeMatcher | null {
  const runs = kinds.filter((k) => k === anyRun).length;
  if (kinds.includes(anyOne)) return null;
  const text = chars.join('');
  const n = kinds.length;
  if (runs === 0) return (s) => s === text;
  if (runs === 1 && n === 1) return () => true;
  if (runs === 1 && kinds[n - 1] === anyRun) return (s) => s.startsWith(text);
  if (runs === 1 && kinds[0] === anyRun) return (s) => s.endsWith(text);
  if (runs === 2 && kinds[0] === anyRun && kinds[n - 1] === anyRun) return (s) => s.includes(text);
  return null;
}

function general(kinds: number[], chars: string[]): LikeMatcher {
  const m = kinds.length;
  return (s) => {
    const n = s.length;
    let si = 0;
    let pi = 0;
    let starP = -1;
    let starS = 0;
    while (si < n) {
      const k = pi < m ? kinds[pi] : -1;
      if (k === anyOne || (k === literal && chars[pi] === s[si])) {
        si++;
        pi++;
      } else if (k === anyRun) {
        starP = pi;
        starS = si;
        pi++;
      } else if (starP >= 0) {
        // Let the last % swallow one more character and retry; earlier % never need revisiting.
        pi = starP + 1;
        starS++;
        si = starS;
      } else {
        return false;
      }
    }
    while (pi < m && kinds[pi] === anyRun) pi++;
    return pi === m;
  };
}
