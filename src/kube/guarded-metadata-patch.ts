// Metadata changes as JSON patches whose `test` ops make them safe from a stale view: a finalizer added once, an annotation removed only while unchanged.
import type { Logger } from 'pino';
import { codeOf, messageOf } from '../errors.js';
import {
  apiErrorCodes,
  patchTypes,
  type ApiClient,
  type JsonPatchOperation,
} from './api-client.js';

/** What these patches need to know of the object, as last observed. */
export interface ObservedMetadata {
  readonly uid?: string;
  readonly finalizers?: readonly string[];
}

/**
 * A failed `test` op is a 422 (`KubeInvalid`); a deleted object a 404. Both mean the object is
 * no longer what the patch was computed from: nothing to do now, the next observation decides.
 */
const isStale = (err: unknown): boolean =>
  codeOf(err) === apiErrorCodes.invalid || codeOf(err) === apiErrorCodes.notFound;

/** A JSON pointer segment for `key` (RFC 6901: `~` → `~0`, `/` → `~1`). */
export const pointerSegment = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The patch that adds `finalizer` to the object `metadata` was read from, or `undefined` when it
 * is already there. It tests the uid and the whole finalizer list (`null` when absent) and then
 * writes the list with the finalizer appended, so however many stale copies of it are sent, the
 * finalizer ends up in the list once: every copy after the first fails its test.
 */
export const addFinalizerPatch = (
  metadata: ObservedMetadata,
  finalizer: string,
): JsonPatchOperation[] | undefined => {
  const current = metadata.finalizers ?? [];
  if (current.includes(finalizer)) return undefined;
  return [
    { op: 'test', path: '/metadata/uid', value: metadata.uid },
    { op: 'test', path: '/metadata/finalizers', value: metadata.finalizers ?? null },
    { op: 'add', path: '/metadata/finalizers', value: [...current, finalizer] },
  ];
};

/**
 * The patch that removes `finalizer` from the object `uid` where it stands at `index`. It tests
 * the uid and the finalizer's position, so it never removes another finalizer or touches a
 * re-created object: a stale copy fails its test (422) and removes nothing.
 */
export const removeFinalizerPatch = (
  uid: string | undefined,
  finalizer: string,
  index: number,
): JsonPatchOperation[] => [
  { op: 'test', path: '/metadata/uid', value: uid },
  { op: 'test', path: `/metadata/finalizers/${String(index)}`, value: finalizer },
  { op: 'remove', path: `/metadata/finalizers/${String(index)}` },
];

/**
 * The patch that removes the label or annotation `key` of the object `uid` while it still reads
 * `value`: a stale copy fails its test (422) and removes nothing.
 */
export const removeMetadataEntryPatch = (
  uid: string | undefined,
  map: 'labels' | 'annotations',
  key: string,
  value: string,
): JsonPatchOperation[] => {
  const pointer = `/metadata/${map}/${pointerSegment(key)}`;
  return [
    { op: 'test', path: '/metadata/uid', value: uid },
    { op: 'test', path: pointer, value },
    { op: 'remove', path: pointer },
  ];
};

export interface FinalizerAdder {
  /**
   * Adds the finalizer to the object at `path` unless `metadata` shows it or an add for `path`
   * is already under way. Never throws: a failure is logged, and the next observation of the
   * object (which a change always brings) tries again.
   */
  ensure(path: string, metadata: ObservedMetadata): void;
  /** Resolves when no add is under way (for tests and shutdown). */
  settled(): Promise<void>;
}

/** One finalizer, added at most once per object whatever the observations race. */
export const createFinalizerAdder = (
  client: ApiClient,
  logger: Logger,
  finalizer: string,
): FinalizerAdder => {
  const inFlight = new Map<string, Promise<void>>();
  return {
    ensure: (path, metadata) => {
      if (inFlight.has(path)) return;
      const ops = addFinalizerPatch(metadata, finalizer);
      if (ops === undefined) return;
      const done = client
        .patch(path, patchTypes.json, ops)
        .then(
          () => undefined,
          (err: unknown) => {
            if (isStale(err)) {
              logger.debug({ path, finalizer }, 'Finalizer list changed meanwhile; not added');
              return;
            }
            logger.warn({ err: messageOf(err), path, finalizer }, 'Adding a finalizer failed');
          },
        )
        .finally(() => inFlight.delete(path));
      inFlight.set(path, done);
    },
    settled: async () => {
      await Promise.all(inFlight.values());
    },
  };
};

/**
 * Removes annotation `key` from the object at `path` if the object is still `uid` and the
 * annotation still reads `value`. Resolves `true` when it removed it, `false` when the
 * precondition failed (someone changed or removed the annotation meanwhile, or the object went):
 * then there is nothing of ours to remove. Throws other API errors.
 */
export const removeAnnotationIfUnchanged = async (
  client: ApiClient,
  path: string,
  expected: { readonly uid: string | undefined; readonly key: string; readonly value: string },
  signal?: AbortSignal,
): Promise<boolean> => {
  try {
    await client.patch(
      path,
      patchTypes.json,
      removeMetadataEntryPatch(expected.uid, 'annotations', expected.key, expected.value),
      signal === undefined ? {} : { signal },
    );
    return true;
  } catch (err) {
    if (isStale(err)) return false;
    throw err;
  }
};
