// Releasing one object a node holds (SPEC N10): a targeted JSON patch that drops the node's hold and marks the orphan, keeping all data.
import {
  annotationKeys,
  fieldManagers,
  labelKeys,
  type OrphanReason,
} from '../api/metadata-keys.js';
import { LynqError } from '../errors.js';
import {
  apiErrorCodes,
  createApiClient,
  patchTypes,
  type JsonPatchOperation,
} from './api-client.js';
import { failedRemovalOutcome } from './apply-failure.js';
import { pointerToken, type OwningNode, type ResourceWriteDeps } from './apply-resource.js';
import { asKubeObject, isRecord, type KubeObject } from './kube-object.js';
import { describeObject, servedObjectPath, type ObjectIdentity } from './resource-paths.js';

export interface ReleaseRequest {
  readonly node: OwningNode;
  /** The object, as recorded in `status.appliedResources`. */
  readonly target: ObjectIdentity;
  readonly reason: OrphanReason;
  /** The release time written to `lynq.sh/orphaned-at`. Default: now. */
  readonly now?: Date | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * `released`: the node no longer holds it and it carries the orphan markers (also when it was
 * released before). `gone`: it does not exist. `notHeld`: another node or nobody holds it; left
 * alone. `failed`: the API refused or failed.
 */
export type ReleaseState = 'released' | 'gone' | 'notHeld' | 'failed';

export interface ReleaseOutcome {
  readonly state: ReleaseState;
  readonly reason: string;
  readonly message: string;
  readonly object?: KubeObject;
  readonly retryable?: boolean;
}

const nodeKey = (node: OwningNode): string => `${node.namespace}/${node.name}`;

/**
 * The release patch for `live`, held by `node`. It tests the uid, both tracking labels and (for
 * the owner reference it removes) the reference's uid at its index, so it applies only to the
 * exact state it was computed from; it removes the tracking labels and the node's owner
 * reference, and adds label `lynq.sh/orphaned: "true"` and annotations `orphaned-at`,
 * `orphaned-reason` and `orphaned-from` (so this node can re-hold it). Nothing else changes. Pure.
 */
export const releasePatch = (
  live: KubeObject,
  node: OwningNode,
  reason: OrphanReason,
  now: Date,
): JsonPatchOperation[] => {
  const label = (key: string): string => `/metadata/labels/${pointerToken(key)}`;
  const annotation = (key: string): string => `/metadata/annotations/${pointerToken(key)}`;
  const ops: JsonPatchOperation[] = [
    { op: 'test', path: '/metadata/uid', value: live.metadata.uid },
    { op: 'test', path: label(labelKeys.node), value: node.name },
    { op: 'test', path: label(labelKeys.nodeNamespace), value: node.namespace },
  ];
  const refs = live.metadata['ownerReferences'];
  if (Array.isArray(refs)) {
    // Removed from the highest index down, so earlier indexes stay valid.
    const ours = (refs as unknown[])
      .map((ref, index) => ({ ref, index }))
      .filter(({ ref }) => isRecord(ref) && ref['uid'] === node.uid)
      .reverse();
    for (const { index } of ours) {
      ops.push(
        { op: 'test', path: `/metadata/ownerReferences/${index}/uid`, value: node.uid },
        { op: 'remove', path: `/metadata/ownerReferences/${index}` },
      );
    }
  }
  ops.push(
    { op: 'remove', path: label(labelKeys.node) },
    { op: 'remove', path: label(labelKeys.nodeNamespace) },
    { op: 'add', path: label(labelKeys.orphaned), value: 'true' },
  );
  // No node keeps a released object's mark in step, so it leaves with the release (SPEC H8).
  if (live.metadata.labels?.[labelKeys.deletionProtection] !== undefined) {
    ops.push({ op: 'remove', path: label(labelKeys.deletionProtection) });
  }
  if (live.metadata.annotations === undefined) {
    ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
  }
  ops.push(
    { op: 'add', path: annotation(annotationKeys.orphanedAt), value: now.toISOString() },
    { op: 'add', path: annotation(annotationKeys.orphanedReason), value: reason },
    { op: 'add', path: annotation(annotationKeys.orphanedFrom), value: nodeKey(node) },
  );
  return ops;
};

const maxAttempts = 4;

/**
 * Releases the object if this node holds it, with `releasePatch` under field manager
 * `lynq-release` (never an apply, so no field Lynq owns is dropped: the data stays). Idempotent:
 * an object this node already released is `released` without a write. Never throws for API
 * failures (a `failed` outcome); rethrows only an abort of `signal`.
 */
export const releaseResource = async (
  deps: ResourceWriteDeps,
  req: ReleaseRequest,
): Promise<ReleaseOutcome> => {
  const { node, target, signal } = req;
  const client = createApiClient(deps.transport, deps.timeoutMs ?? 30_000);
  const what = describeObject(target);
  const gone: ReleaseOutcome = { state: 'gone', reason: 'AlreadyGone', message: `${what} is gone` };
  try {
    const path = await servedObjectPath(deps.paths, target, signal);
    if (path === undefined) return gone;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      const live = asKubeObject(await client.get(path, signal));
      if (live === undefined) return gone;
      const labels = live.metadata.labels ?? {};
      const held =
        labels[labelKeys.node] === node.name && labels[labelKeys.nodeNamespace] === node.namespace;
      if (!held) {
        return live.metadata.annotations?.[annotationKeys.orphanedFrom] === nodeKey(node)
          ? { state: 'released', reason: req.reason, message: `${what} was released`, object: live }
          : {
              state: 'notHeld',
              reason: 'NotHeld',
              message: `${what} is not held by node ${nodeKey(node)}; left alone`,
              object: live,
            };
      }
      try {
        const patched = asKubeObject(
          await client.patch(
            path,
            patchTypes.json,
            releasePatch(live, node, req.reason, req.now ?? new Date()),
            {
              fieldManager: fieldManagers.release,
              ...(signal === undefined ? {} : { signal }),
            },
          ),
        );
        return {
          state: 'released',
          reason: req.reason,
          message: `released ${what} (${req.reason})`,
          ...(patched === undefined ? {} : { object: patched }),
        };
      } catch (err) {
        // A failed test: the object changed since it was read; read it again. Should it fail for
        // another reason every time, the last error is what gets reported.
        if (err instanceof LynqError && err.code === apiErrorCodes.invalid) {
          lastError = err;
          continue;
        }
        throw err;
      }
    }
    throw lastError;
  } catch (err) {
    return failedRemovalOutcome(err, signal);
  }
};
