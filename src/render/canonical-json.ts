// Canonical JSON (keys in one fixed order) and the desired hash of a manifest.

import { createHash } from 'node:crypto';

const arrayIndex = /^(0|[1-9][0-9]{0,8})$/;

/*
 * The fixed key order is the order JavaScript itself enumerates keys that were inserted sorted:
 * array-index-like keys first, numerically, then the others by code unit. Objects built with
 * their keys in this order serialise canonically through plain `JSON.stringify`, which is what
 * the renderer does on its hot path.
 */
const startsWithDigit = (key: string): boolean => {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57;
};

export const compareKeys = (a: string, b: string): number => {
  const ai = startsWithDigit(a) && arrayIndex.test(a);
  const bi = startsWithDigit(b) && arrayIndex.test(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** A copy of JSON data whose objects have their keys in canonical order, at every level. */
export const sortedDeep = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedDeep);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(compareKeys)) {
    if (record[key] !== undefined) out[key] = sortedDeep(record[key]);
  }
  return out;
};

/**
 * `record` with its keys in canonical order: `record` itself when they already are (the common
 * case on the render path, so no copy), else a shallow copy.
 */
export const sortedShallow = <T>(
  record: Readonly<Record<string, T>>,
): Readonly<Record<string, T>> => {
  const keys = Object.keys(record);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i += 1) {
    ordered = compareKeys(keys[i - 1] ?? '', keys[i] ?? '') <= 0;
  }
  if (ordered) return record;
  const out: Record<string, T> = {};
  for (const key of keys.sort(compareKeys)) out[key] = record[key] as T;
  return out;
};

/** JSON with object keys in canonical order at every level: equal data, equal text. */
export const canonicalJson = (value: unknown): string => {
  // JSON.stringify gives undefined for undefined and functions, whatever its declared type says.
  const text = JSON.stringify(sortedDeep(value)) as string | undefined;
  return text ?? 'null';
};

/** sha256 (hex) of a text. */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** sha256 (hex) of `canonicalJson(value)`. */
export const hashOf = (value: unknown): string => sha256(canonicalJson(value));
