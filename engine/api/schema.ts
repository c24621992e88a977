// A tiny runtime schema language for the params that cross the host boundary. Each validator returns the
// value typed, or throws an EngineError (ENG_HOST_REQUEST) naming the exact path and what was expected.
// Hand-rolled instead of ajv because it must also run in the Electron main process without a build step,
// and because the inferred types let the compiler check the table in validate.ts against the contract.
import { EngineError } from '../errors.ts';

export interface Validator<T> {
  check(value: unknown, path: string): T;
  /** Set by `optional()`: the object validator makes the key optional. */
  readonly optional?: boolean;
}

type Shape = Record<string, Validator<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Infer<V> = V extends Validator<infer T> ? T : never;
type Flatten<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends Shape> = Flatten<{ [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }>;

export function fail(path: string, expected: string, value: unknown): never {
  throw new EngineError('ENG_HOST_REQUEST', `${path} must be ${expected} (got ${describe(value)})`, { path });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

export function string(options: { min?: number; max?: number; pattern?: RegExp; patternName?: string } = {}): Validator<string> {
  const { min = 0, max = 10_000_000, pattern, patternName } = options;
  return {
    check(value, path) {
      if (typeof value !== 'string') fail(path, 'a string', value);
      if (value.length < min) fail(path, min === 1 ? 'a non-empty string' : `a string of at least ${min} characters`, value);
      if (value.length > max) fail(path, `a string of at most ${max} characters`, value);
      if (pattern && !pattern.test(value)) fail(path, patternName ?? `a string matching ${pattern}`, value);
      return value;
    },
  };
}

export function number(options: { integer?: boolean; min?: number; max?: number } = {}): Validator<number> {
  const { integer = false, min = -Infinity, max = Infinity } = options;
  const kind = integer ? 'an integer' : 'a number';
  const range = min > -Infinity && max < Infinity ? ` between ${min} and ${max}` : min > -Infinity ? ` ≥ ${min}` : max < Infinity ? ` ≤ ${max}` : '';
  return {
    check(value, path) {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `${kind}${range}`, value);
      if (integer && !Number.isInteger(value)) fail(path, `${kind}${range}`, value);
      if (value < min || value > max) fail(path, `${kind}${range}`, value);
      return value;
    },
  };
}

export function boolean(): Validator<boolean> {
  return {
    check(value, path) {
      if (typeof value !== 'boolean') fail(path, 'true or false', value);
      return value;
    },
  };
}

export function literal<const T extends readonly (string | number)[]>(...values: T): Validator<T[number]> {
  const text = values.map((v) => JSON.stringify(v)).join(', ');
  return {
    check(value, path) {
      if (!values.includes(value as T[number])) fail(path, values.length === 1 ? text : `one of ${text}`, value);
      return value as T[number];
    },
  };
}

export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return { check: (value, path) => (value === null ? null : inner.check(value, path)) };
}

export function optional<T>(inner: Validator<T>): Validator<T | undefined> & { readonly optional: true } {
  return { optional: true, check: (value, path) => (value === undefined ? undefined : inner.check(value, path)) };
}

export function array<T>(inner: Validator<T>, options: { max?: number } = {}): Validator<T[]> {
  const { max = 1_000_000 } = options;
  return {
    check(value, path) {
      if (!Array.isArray(value)) fail(path, 'an array', value);
      if (value.length > max) fail(path, `an array of at most ${max} items`, value);
      return value.map((item, i) => inner.check(item, `${path}[${i}]`));
    },
  };
}

export function record<T>(inner: Validator<T>): Validator<Record<string, T>> {
  return {
    check(value, path) {
      if (!isPlainObject(value)) fail(path, 'an object', value);
      const out: Record<string, T> = {};
      for (const [key, item] of Object.entries(value)) out[key] = inner.check(item, `${path}.${key}`);
      return out;
    },
  };
}

/** An object with exactly these keys: unknown keys are refused, so a typo in a param name is not ignored. */
export function object<S extends Shape>(shape: S): Validator<ObjectOf<S>> {
  return {
    check(value, path) {
      if (!isPlainObject(value)) fail(path, 'an object', value);
      for (const key of Object.keys(value)) {
        if (!Object.prototype.hasOwnProperty.call(shape, key)) {
          throw new EngineError('ENG_HOST_REQUEST', `${path} has an unknown field "${key}" (expected ${Object.keys(shape).join(', ') || 'no fields'})`, { path: `${path}.${key}` });
        }
      }
      const out: Record<string, unknown> = {};
      for (const [key, validator] of Object.entries(shape)) {
        const item = validator.check(value[key], `${path}.${key}`);
        if (item !== undefined) out[key] = item;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** The first alternative that accepts the value; the error lists what was expected. */
export function union<T extends Validator<unknown>[]>(expected: string, ...alternatives: T): Validator<Infer<T[number]>> {
  return {
    check(value, path) {
      for (const alternative of alternatives) {
        try {
          return alternative.check(value, path) as Infer<T[number]>;
        } catch (error) {
          if (!(error instanceof EngineError)) throw error;
        }
      }
      return fail(path, expected, value);
    },
  };
}

/** Anything JSON-like; deeper checks happen in the engine (e.g. the pipeline validator). */
export function unknown(): Validator<unknown> {
  return { check: (value) => value };
}

export function custom<T>(expected: string, accept: (value: unknown) => boolean): Validator<T> {
  return {
    check(value, path) {
      if (!accept(value)) fail(path, expected, value);
      return value as T;
    },
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
