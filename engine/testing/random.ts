// Seeded random numbers for the randomised tests: the same seed gives the same inputs on every machine, so
// a failing case names its seed and can be run again. Not for anything but tests.

/** mulberry32: floats in [0, 1). */
export function randomFloats(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit linear congruential generator (Numerical Recipes' constants): whole numbers in [0, n). */
export function randomInts(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}
