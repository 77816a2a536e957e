// How many of the fields a manifest sets Lynq's managedFields entries still own (SPEC N12): another manager that took one, by any operation, lowers it.
import { fieldManagers } from '../api/metadata-keys.js';
import { ignoredPaths, isIgnoredFieldPath } from './ignore-fields.js';
import { isRecord, type KubeObject } from './kube-object.js';

/** A field as `fieldsV1` spells it: one `f:<key>` token per map level. */
export type FieldPath = readonly string[];

/** Identity and server-populated fields: never owned in `fieldsV1`, never drift. */
const skippedTopLevel: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'status']);
const ownedMetadata: ReadonlySet<string> = new Set(['labels', 'annotations']);

const collect = (value: unknown, path: FieldPath, out: FieldPath[]): void => {
  if (value === null || value === undefined) return;
  if (isRecord(value)) {
    // An empty map may be dropped by the server's encoding: nothing to own in it.
    for (const [key, child] of Object.entries(value)) collect(child, [...path, `f:${key}`], out);
    return;
  }
  // Scalars and lists (owned at the list, whatever the list type) are leaves.
  out.push(path);
};

/**
 * The fields of a rendered manifest Lynq sets and owns: every scalar and every list, at its map
 * path, except `apiVersion`, `kind`, `status` and metadata other than labels and annotations.
 * Pure.
 */
export const manifestFieldPaths = (manifest: Record<string, unknown>): FieldPath[] => {
  const out: FieldPath[] = [];
  for (const [key, value] of Object.entries(manifest)) {
    if (skippedTopLevel.has(key)) continue;
    if (key === 'metadata') {
      if (!isRecord(value)) continue;
      for (const [metaKey, metaValue] of Object.entries(value)) {
        if (ownedMetadata.has(metaKey)) collect(metaValue, ['f:metadata', `f:${metaKey}`], out);
      }
      continue;
    }
    collect(value, [`f:${key}`], out);
  }
  return out;
};

const covers = (entries: readonly Record<string, unknown>[], path: FieldPath): boolean =>
  entries.some((fields) => {
    let node: unknown = fields;
    for (const token of path) {
      if (!isRecord(node) || !(token in node)) return false;
      node = node[token];
    }
    return true;
  });

/**
 * How many of `paths` some managedFields entry of Lynq's resource manager (`Apply` or `Update`,
 * main resource only) covers on `live`. A field another manager took, by a forced apply or by an
 * update that changed its value, is no longer Lynq's and does not count. Pure.
 */
export const ownedFieldCount = (live: KubeObject, paths: readonly FieldPath[]): number => {
  const entries = (live.metadata.managedFields ?? [])
    .filter(
      (entry) =>
        entry.manager === fieldManagers.resources &&
        (entry.subresource === undefined || entry.subresource === ''),
    )
    .map((entry) => entry['fieldsV1'])
    .filter(isRecord);
  return paths.filter((path) => covers(entries, path)).length;
};

/** The owned field paths of each rendered manifest, parsed once: watch events ask per change. */
const pathsCache = new WeakMap<
  object,
  { readonly ignoreFields: readonly string[]; readonly paths: readonly FieldPath[] }
>();

const pathsOf = (manifest: { readonly json: string }, ignoreFields: readonly string[]) => {
  const cached = pathsCache.get(manifest);
  if (cached?.ignoreFields === ignoreFields) return cached.paths;
  const parsed: unknown = JSON.parse(manifest.json);
  const ignored = ignoredPaths(ignoreFields);
  const paths = isRecord(parsed)
    ? manifestFieldPaths(parsed).filter((path) => !isIgnoredFieldPath(path, ignored))
    : [];
  pathsCache.set(manifest, { ignoreFields, paths });
  return paths;
};

/**
 * One list of field paths per distinct list: the manifests of one form's nodes mostly own the
 * same fields, and each node keeps its list between passes (SPEC N12). Bounded like the string
 * interner: starts afresh when full.
 */
let sharedPathLists = new Map<string, readonly FieldPath[]>();
const sharedPathListCapacity = 1_024;

/**
 * The fields of a rendered manifest Lynq owns, without those its `ignoreFields` leave to others
 * (N11): what `ownedFieldCount` counts. Equal lists are the same instance. Throws on bad JSON.
 */
export const ownedPathsOf = (
  manifest: { readonly json: string },
  ignoreFields: readonly string[] = [],
): readonly FieldPath[] => {
  const paths = pathsOf(manifest, ignoreFields);
  const key = JSON.stringify(paths);
  const known = sharedPathLists.get(key);
  if (known !== undefined) return known;
  if (sharedPathLists.size >= sharedPathListCapacity) sharedPathLists = new Map();
  sharedPathLists.set(key, paths);
  return paths;
};

/**
 * `ownedFieldCount` for a rendered manifest, without the fields its `ignoreFields` leave to
 * others (N11). The paths are parsed once per manifest object. Throws on bad JSON.
 */
export const ownedManifestFields = (
  live: KubeObject,
  manifest: { readonly json: string },
  ignoreFields: readonly string[] = [],
): number => ownedFieldCount(live, pathsOf(manifest, ignoreFields));
