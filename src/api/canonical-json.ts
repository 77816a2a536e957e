// Canonical JSON: equal data always gives equal text (object keys in one fixed order, at every level).

const arrayIndex = /^(0|[1-9][0-9]{0,8})$/;

const isArrayIndex = (key: string): boolean => {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && arrayIndex.test(key);
};

/**
 * The canonical key order. It is the order in which JavaScript itself enumerates the keys of an
 * object whose keys were inserted sorted (array-index-like keys first, numerically, then the
 * others by UTF-16 code unit), so `JSON.stringify` of such an object is canonical as it is; a
 * plain code-unit sort could not be produced by `JSON.stringify` at all.
 */
export const compareCanonicalKeys = (a: string, b: string): number => {
  const ai = isArrayIndex(a);
  const bi = isArrayIndex(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/**
 * A copy of JSON data whose objects have their keys in canonical order at every level; `undefined`
 * members are dropped, as `JSON.stringify` would. Non-plain values (Date, Buffer…) are returned
 * as they are and serialise through their own `toJSON`.
 */
export const canonicalCopy = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonicalCopy);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(compareCanonicalKeys)) {
    const member = record[key];
    if (member !== undefined) out[key] = canonicalCopy(member);
  }
  return out;
};

/**
 * `record` with its keys in canonical order: `record` itself when they already are (the common
 * case on the render path, so no copy), else a shallow copy.
 */
export const canonicalShallow = <T>(
  record: Readonly<Record<string, T>>,
): Readonly<Record<string, T>> => {
  const keys = Object.keys(record);
  let ordered = true;
  for (let i = 1; i < keys.length && ordered; i += 1) {
    ordered = compareCanonicalKeys(keys[i - 1] ?? '', keys[i] ?? '') <= 0;
  }
  if (ordered) return record;
  const out: Record<string, T> = {};
  for (const key of keys.sort(compareCanonicalKeys)) out[key] = record[key] as T;
  return out;
};

/**
 * JSON text with object keys in canonical order at every level, without whitespace: equal data,
 * equal text. `undefined` at the top gives `"null"`. Throws `TypeError` for a bigint or a
 * cycle, as `JSON.stringify` does.
 */
export const canonicalJson = (value: unknown): string => {
  // JSON.stringify gives undefined for undefined (and functions), whatever its declared type says.
  const text = JSON.stringify(canonicalCopy(value)) as string | undefined;
  return text ?? 'null';
};
