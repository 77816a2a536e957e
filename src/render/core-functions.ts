// The functions the engine itself needs: bounded nunjucks globals and the typing filters of T3.

import { parse as parseYaml } from 'yaml';
import { allowCall } from './sandbox-runtime.js';
import { TemplateFault, templateCodes } from './template-fault.js';

type Fn = (...args: never[]) => unknown;

const limitFault = (message: string): TemplateFault =>
  new TemplateFault(templateCodes.limitExceeded, message);

const typeFault = (message: string): TemplateFault =>
  new TemplateFault(templateCodes.typeError, message);

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) as string | undefined;
  return text ?? typeof value;
};

const finite = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw typeFault(`${what} must be a finite number, got ${describe(value)}`);
  }
  return value;
};

/** nunjucks' `range(start?, stop, step?)`, counting its length before it allocates anything. */
const boundedRange =
  (maxLength: number) =>
  (...args: unknown[]): number[] => {
    const [a, b, c] = args;
    const start = b === undefined ? 0 : finite(a, 'range start');
    const stop = b === undefined ? finite(a, 'range stop') : finite(b, 'range stop');
    const step = c === undefined ? 1 : finite(c, 'range step');
    if (step === 0) throw typeFault('range step must not be 0');
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > maxLength) {
      throw limitFault(`range would have ${count} elements; the limit is ${maxLength}`);
    }
    const out = new Array<number>(count);
    for (let i = 0; i < count; i += 1) out[i] = start + i * step;
    return out;
  };

/** nunjucks' `cycler(...)`, built from closures so its methods need no `this`. */
export const cycler = (...items: unknown[]): Record<string, unknown> => {
  let index = -1;
  let current: unknown = null;
  return {
    get current(): unknown {
      return current;
    },
    next: allowCall((): unknown => {
      index = items.length === 0 ? -1 : (index + 1) % items.length;
      current = index < 0 ? null : items[index];
      return current;
    }),
    reset: allowCall((): string => {
      index = -1;
      current = null;
      return '';
    }),
  };
};

/** nunjucks' `joiner(sep)`: empty on the first call, `sep` afterwards. */
export const joiner = (sep: unknown = ','): (() => string) => {
  let first = true;
  const text = typeof sep === 'string' ? sep : String(sep);
  return allowCall(() => {
    const out = first ? '' : text;
    first = false;
    return out;
  });
};

/** Sprig's notion of empty: these take the default. */
const isEmptyValue = (value: unknown): boolean =>
  value === undefined ||
  value === null ||
  value === '' ||
  value === 0 ||
  value === false ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

const toInt = (value: unknown): number => {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) {
    return Math.trunc(Number(value));
  }
  throw typeFault(`cannot convert ${describe(value)} to an integer`);
};

const toFloat = (value: unknown): number => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  throw typeFault(`cannot convert ${describe(value)} to a number`);
};

const toBool = (value: unknown): boolean => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  }
  throw typeFault(`cannot convert ${describe(value)} to a boolean`);
};

const isPlain = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || proto === Array.prototype;
};

/** Checks that a typed value is JSON data (what a manifest field can hold). */
export const assertJsonValue = (value: unknown, what: string): unknown => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw typeFault(`${what} is not a finite number`);
    return value;
  }
  if (typeof value === 'object' && isPlain(value)) {
    for (const item of Object.values(value)) assertJsonValue(item, what);
    return value;
  }
  throw typeFault(`${what} is not JSON data (${typeof value})`);
};

/** The last filters that make a leaf typed (T3), and the coercion that guarantees the type. */
export const typedFilters = {
  int: toInt,
  float: toFloat,
  bool: toBool,
  fromJson: (value: unknown): unknown => assertJsonValue(value, 'fromJson result'),
  fromYaml: (value: unknown): unknown => assertJsonValue(value, 'fromYaml result'),
  typed: (value: unknown): unknown => assertJsonValue(value, 'typed value'),
} as const satisfies Record<string, (value: unknown) => unknown>;

export type TypedFilterName = keyof typeof typedFilters;

export const isTypedFilterName = (name: string): name is TypedFilterName =>
  Object.hasOwn(typedFilters, name);

const parseText = (what: string, parse: (text: string) => unknown) => (value: unknown) => {
  if (typeof value !== 'string') throw typeFault(`${what} expects a string`);
  try {
    return parse(value);
  } catch (err: unknown) {
    throw new TemplateFault(
      templateCodes.evaluation,
      `${what}: ${err instanceof Error ? err.message : String(err)}`,
      undefined,
      err,
    );
  }
};

/**
 * Filters the engine needs whatever the function library provides; the library's own entries of
 * the same names replace these (it owns their documented behaviour).
 */
export const coreFilters = (): Record<string, Fn> => ({
  default: (value: unknown, fallback: unknown = '') => (isEmptyValue(value) ? fallback : value),
  d: (value: unknown, fallback: unknown = '') => (isEmptyValue(value) ? fallback : value),
  int: toInt,
  float: toFloat,
  bool: toBool,
  typed: (value: unknown) => value,
  fromJson: parseText('fromJson', (text) => JSON.parse(text) as unknown),
  fromYaml: parseText('fromYaml', (text) => parseYaml(text, { maxAliasCount: 100 }) as unknown),
});

/** nunjucks' own globals, bounded; they win over a library entry of the same name. */
export const coreGlobals = (maxSequenceLength: number): Record<string, Fn> => ({
  range: boundedRange(maxSequenceLength),
  cycler,
  joiner,
});

/** Sprig's `default(d, x)` as a global. */
export const coreGlobalDefaults = (): Record<string, Fn> => ({
  default: (fallback: unknown, value: unknown) => (isEmptyValue(value) ? fallback : value),
});
