// Shared value model of the function library: plain data only, Sprig's coercions, and the limits.

import { renderLimits } from '../limits.js';

/** A dict as the library builds it: no prototype, so no inherited member can ever be reached. */
export type Dict = Record<string, unknown>;

/** Keys that could reach or replace a prototype if the dict were ever copied into a plain object. */
const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Deepest nesting the copying functions follow; beyond it the value is refused (cycles end here). */
const maxDepth = 100;

/** Thrown by a safety guard (a limit, a forbidden key, a too deep value): never turned into "". */
export class GuardError extends Error {
  override readonly name = 'GuardError';
}

/** Creates an empty dict without a prototype. */
export function newDict(): Dict {
  return Object.create(null) as Dict;
}

/** True for a plain object (a dict): `{}` literals, JSON/YAML objects and our own dicts. */
export function isDict(value: unknown): value is Dict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** True for an array (a list). */
export function isList(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

/** Reads an own property only: inherited members are never data. */
export function ownValue(dict: Dict, key: string): unknown {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

/**
 * Returns `key` as a dict key.
 * @throws Error when the key is `__proto__`, `constructor` or `prototype`.
 */
export function safeKey(fn: string, key: unknown): string {
  const text = toGoString(key);
  if (forbiddenKeys.has(text)) throw new GuardError(`${fn}: the key "${text}" is not allowed`);
  return text;
}

/** Most nodes (scalars, lists, dicts) one copy may visit: shared references are copied apart. */
const maxCopyNodes = renderLimits.maxSequenceLength * 10;

/**
 * Deep-copies plain data (strings, numbers, booleans, null, lists, dicts) into fresh lists and
 * prototype-free dicts; `undefined` becomes null.
 * @throws Error on functions, class instances, forbidden keys, nesting deeper than 100, or more
 *   nodes than the copy budget (a list holding the same big dict many times).
 */
export function copyPlain(fn: string, value: unknown): unknown {
  let nodes = 0;
  const copy = (v: unknown, depth: number): unknown => {
    if (depth > maxDepth)
      throw new GuardError(`${fn}: value is nested deeper than ${maxDepth} levels`);
    if (++nodes > maxCopyNodes) {
      throw new GuardError(`${fn}: value has more than ${maxCopyNodes} elements`);
    }
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'number':
        return v;
      case 'undefined':
        return null;
      case 'object': {
        if (v === null) return null;
        if (isList(v)) return v.map((item) => copy(item, depth + 1));
        if (isDict(v)) {
          const out = newDict();
          for (const key of Object.keys(v)) out[safeKey(fn, key)] = copy(v[key], depth + 1);
          return out;
        }
        throw new Error(`${fn}: only plain data (lists, dicts, scalars) is accepted`);
      }
      case 'function':
        throw new GuardError(`${fn}: functions are not values`);
      case 'bigint':
      case 'symbol':
        throw new Error(`${fn}: unsupported value of type ${typeof v}`);
    }
  };
  return copy(value, 0);
}

/**
 * Refuses to serialize a value whose text would exceed `renderLimits.maxStringLength`, measured
 * before anything is built (a list may hold the same large string many times).
 * @throws Error naming the function.
 */
export function checkSerializedSize(fn: string, value: unknown): void {
  const limit = renderLimits.maxStringLength;
  let size = 0;
  const visit = (v: unknown, depth: number): void => {
    if (depth > maxDepth)
      throw new GuardError(`${fn}: value is nested deeper than ${maxDepth} levels`);
    if (typeof v === 'string') size += v.length + 2;
    else if (isList(v)) {
      size += 2;
      for (const item of v) {
        visit(item, depth + 1);
        size += 1;
        if (size > limit) break;
      }
    } else if (isDict(v)) {
      size += 2;
      for (const key of Object.keys(v)) {
        size += key.length + 4;
        visit(v[key], depth + 1);
        if (size > limit) break;
      }
    } else size += 4;
    if (size > limit) {
      throw new GuardError(`${fn}: the result would be more than ${limit} characters`);
    }
  };
  visit(value, 0);
}

/**
 * Formats a value the way Sprig's `toString` (Go's `%v`) does, with JavaScript number formatting:
 * null prints as the empty string, lists as `[a b]`, dicts as `map[k:v]` with sorted keys.
 */
export function toGoString(value: unknown, depth = 0): string {
  if (depth === 0 && typeof value === 'object' && value !== null) {
    checkSerializedSize('toString', value);
  }
  if (depth > maxDepth)
    throw new GuardError(`toString: value is nested deeper than ${maxDepth} levels`);
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    case 'object':
      if (value === null) return '';
      if (isList(value)) return `[${value.map((v) => toGoString(v, depth + 1)).join(' ')}]`;
      if (isDict(value)) {
        const parts = Object.keys(value)
          .sort()
          .map((k) => `${k}:${toGoString(value[k], depth + 1)}`);
        return `map[${parts.join(' ')}]`;
      }
      throw new Error('toString: only plain data can be turned into a string');
    case 'function':
      throw new GuardError('toString: functions are not values');
    case 'bigint':
    case 'symbol':
      throw new Error(`toString: unsupported value of type ${typeof value}`);
  }
}

/** Sprig's notion of empty: null, "", 0, false, an empty list or an empty dict. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value === '';
  if (typeof value === 'number') return value === 0 || Number.isNaN(value);
  if (typeof value === 'boolean') return !value;
  if (isList(value)) return value.length === 0;
  if (isDict(value)) return Object.keys(value).length === 0;
  return false;
}

/** Go's integer literal syntax as `strconv.ParseInt(s, 0, 64)` accepts it. */
const goIntegerPattern =
  /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/;

/** Parses a Go integer literal (base prefixes, leading-0 octal); NaN when it is not one. */
export function parseGoInteger(text: string): number {
  const trimmed = text.replace(/\.0*$/, ''); // cast's trimZeroDecimal: "12.00" is 12
  if (!goIntegerPattern.test(trimmed)) return Number.NaN;
  const negative = trimmed.startsWith('-');
  const body = trimmed.replace(/^[+-]/, '').replaceAll('_', '');
  let magnitude: number;
  if (/^0[xX]/.test(body)) magnitude = Number.parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) magnitude = Number.parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) magnitude = Number.parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith('0')) magnitude = Number.parseInt(body.slice(1), 8);
  else magnitude = Number.parseInt(body, 10);
  return negative ? -magnitude : magnitude;
}

/** Sprig's `toInt64` (cast.ToInt64): truncates floats, parses strings, 0 for anything else. */
export function toInt64(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const parsed = parseGoInteger(value);
    return Number.isNaN(parsed) ? 0 : parsed;
  }
  return 0;
}

/** Sprig's `toFloat64` (cast.ToFloat64): parses strings, 0 for anything it cannot read. */
export function toFloat64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(value)) {
    return Number(value);
  }
  return 0;
}

/**
 * Reads an argument Go declares as `int`: an integral number, or a string holding one.
 * @throws Error naming the function and the argument otherwise.
 */
export function intArg(fn: string, label: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  throw new Error(`${fn}: ${label} must be an integer, got ${describe(value)}`);
}

/** Reads an argument Go declares as `string`: scalars are formatted, containers refused. */
export function strArg(fn: string, label: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${fn}: ${label} must be a string, got ${describe(value)}`);
}

/**
 * Reads a list argument (null reads as the empty list, as a nil slice does in Go).
 * @throws Error when the value is not a list.
 */
export function listArg(fn: string, value: unknown): readonly unknown[] {
  if (value === null || value === undefined) return [];
  if (isList(value)) return value;
  throw new Error(`${fn}: expected a list, got ${describe(value)}`);
}

/**
 * Reads a dict argument.
 * @throws Error when the value is not a dict.
 */
export function dictArg(fn: string, value: unknown): Dict {
  if (isDict(value)) return value;
  throw new Error(`${fn}: expected a dict, got ${describe(value)}`);
}

/** A short description of a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isList(value)) return 'a list';
  if (isDict(value)) return 'a dict';
  return typeof value;
}

/**
 * Refuses to build a string longer than `renderLimits.maxStringLength`; call before allocating.
 * @throws Error naming the function.
 */
export function checkStringLength(fn: string, length: number): void {
  if (length > renderLimits.maxStringLength) {
    throw new GuardError(
      `${fn}: the result would be ${length} characters, more than the limit of ${renderLimits.maxStringLength}`,
    );
  }
}

/**
 * Refuses to build a sequence longer than `renderLimits.maxSequenceLength`; call before allocating.
 * @throws Error naming the function.
 */
export function checkSequenceLength(fn: string, length: number): void {
  if (length > renderLimits.maxSequenceLength) {
    throw new GuardError(
      `${fn}: the result would have ${length} elements, more than the limit of ${renderLimits.maxSequenceLength}`,
    );
  }
}

/** Go's `reflect.DeepEqual` over plain data. */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > maxDepth)
    throw new GuardError(`deepEqual: value is nested deeper than ${maxDepth} levels`);
  if (a === b) return true;
  if (isList(a) && isList(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i], depth + 1));
  }
  if (isDict(a) && isDict(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k], depth + 1));
  }
  return (a === null || a === undefined) && (b === null || b === undefined);
}
