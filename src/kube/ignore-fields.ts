// `ignoreFields` (SPEC N11): on update, a listed field is left to others: omitted when another manager owns it, else sent with its live value.
import { parseJsonPath, type JsonPathSegment } from '../api/json-path.js';
import { fieldManagers } from '../api/metadata-keys.js';
import type { PatchStrategy } from '../api/lynq-form.schema.js';
import { isRecord, type KubeObject } from './kube-object.js';

/** One concrete step into an object: a map key or a list position. */
type Step = string | number;

/** Every concrete path in `value` that `segments` names (wildcards per element and per key). */
const expand = (value: unknown, segments: readonly JsonPathSegment[], at: Step[]): Step[][] => {
  const [head, ...rest] = segments;
  if (head === undefined) return [at];
  switch (head.kind) {
    case 'field':
      return isRecord(value) && head.name in value
        ? expand(value[head.name], rest, [...at, head.name])
        : [];
    case 'index':
      return Array.isArray(value) && head.index < value.length
        ? expand(value[head.index], rest, [...at, head.index])
        : [];
    case 'wildcard':
      if (Array.isArray(value)) {
        return (value as unknown[]).flatMap((item, i) => expand(item, rest, [...at, i]));
      }
      return isRecord(value)
        ? Object.entries(value).flatMap(([key, item]) => expand(item, rest, [...at, key]))
        : [];
  }
};

const valueAt = (value: unknown, path: readonly Step[]): unknown => {
  let node = value;
  for (const step of path) {
    if (typeof step === 'number')
      node = Array.isArray(node) ? (node as unknown[])[step] : undefined;
    else node = isRecord(node) ? node[step] : undefined;
  }
  return node;
};

/** A copy of `value` with the leaf at `path` set to `leaf`, or removed when `leaf` is undefined. */
const withLeaf = (value: unknown, path: readonly Step[], leaf: unknown): unknown => {
  const [step, ...rest] = path;
  if (step === undefined) return leaf;
  if (typeof step === 'number') {
    if (!Array.isArray(value)) return value;
    const copy = [...(value as unknown[])];
    copy[step] = withLeaf(copy[step], rest, leaf);
    return copy;
  }
  if (!isRecord(value)) return value;
  const next = withLeaf(value[step], rest, leaf);
  const others = Object.entries(value).filter(([key]) => key !== step);
  return Object.fromEntries(next === undefined ? others : [...others, [step, next]]);
};

/** Whether a `fieldsV1` list child key (`k:{...}`, `v:...`, `i:n`) names this element. */
const keyNames = (key: string, element: unknown, index: number): boolean => {
  try {
    if (key.startsWith('i:')) return Number(key.slice(2)) === index;
    if (key.startsWith('v:'))
      return JSON.stringify(JSON.parse(key.slice(2))) === JSON.stringify(element);
    if (key.startsWith('k:')) {
      const fields: unknown = JSON.parse(key.slice(2));
      return (
        isRecord(fields) &&
        isRecord(element) &&
        Object.entries(fields).every(([k, v]) => JSON.stringify(element[k]) === JSON.stringify(v))
      );
    }
  } catch (err) {
    // A key this code cannot read names no element it knows: not owned as far as it can tell.
    if (err instanceof SyntaxError) return false;
    throw err;
  }
  return false;
};

/** Whether one `fieldsV1` tree covers `path` of `object` (list steps matched by element). */
const covers = (fields: unknown, object: unknown, path: readonly Step[]): boolean => {
  let node = fields;
  let value = object;
  for (const step of path) {
    if (!isRecord(node)) return false;
    if (typeof step === 'number') {
      const element = Array.isArray(value) ? (value as unknown[])[step] : undefined;
      const key = Object.keys(node).find((k) => keyNames(k, element, step));
      if (key === undefined) return false;
      node = node[key];
      value = element;
    } else {
      const key = `f:${step}`;
      if (!(key in node)) return false;
      node = node[key];
      value = isRecord(value) ? value[step] : undefined;
    }
  }
  return true;
};

/** Managers that are Lynq itself: their ownership never makes a field someone else's. */
const lynqManagers: ReadonlySet<string> = new Set(Object.values(fieldManagers));

const ownedByOthers = (live: KubeObject, path: readonly Step[]): boolean =>
  (live.metadata.managedFields ?? []).some(
    (entry) =>
      entry.manager !== undefined &&
      !lynqManagers.has(entry.manager) &&
      covers(entry['fieldsV1'], live, path),
  );

/** The parsed `ignoreFields` of a resource; paths that do not parse were refused by F1. */
export const ignoredPaths = (paths: readonly string[]): JsonPathSegment[][] =>
  paths.flatMap((path) => {
    const parsed = parseJsonPath(path);
    return parsed.ok ? [[...parsed.segments]] : [];
  });

/**
 * The update body with every ignored field left to others (SPEC N11): a field another manager
 * owns on `live` is omitted from a server-side apply (so Lynq gives up its claim); otherwise,
 * and always for `merge` and `replace` (whose bodies replace what they name), the live value is
 * sent, or the field is left out when the live object has none. Creations and `Once` objects
 * never come here. Pure.
 */
export const withIgnoredFields = (
  desired: Record<string, unknown>,
  live: KubeObject,
  ignored: readonly (readonly JsonPathSegment[])[],
  strategy: PatchStrategy,
): Record<string, unknown> => {
  let body: unknown = desired;
  for (const segments of ignored) {
    for (const path of expand(body, segments, [])) {
      const omit = strategy === 'apply' && ownedByOthers(live, path);
      body = withLeaf(body, path, omit ? undefined : valueAt(live, path));
    }
  }
  return isRecord(body) ? body : desired;
};

/**
 * Whether a manifest field path (`f:` tokens, see `manifestFieldPaths`) lies under an ignored
 * path of map steps only: such fields are others' to take and never count as drift (N11, N12).
 * Pure.
 */
export const isIgnoredFieldPath = (
  path: readonly string[],
  ignored: readonly (readonly JsonPathSegment[])[],
): boolean =>
  ignored.some(
    (segments) =>
      segments.length <= path.length &&
      segments.every(
        (s, i) => s.kind === 'wildcard' || (s.kind === 'field' && path[i] === `f:${s.name}`),
      ),
  );
