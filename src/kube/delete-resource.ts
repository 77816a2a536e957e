// Deleting one object a node holds (SPEC N9): background propagation, and what still keeps it (finalizers).
import { conditionReasons } from '../api/conditions.js';
import { fieldManagers, labelKeys } from '../api/metadata-keys.js';
import { apiError, createApiClient, patchTypes } from './api-client.js';
import { failedRemovalOutcome } from './apply-failure.js';
import { createdBy, type OwningNode, type ResourceWriteDeps } from './apply-resource.js';
import { removeMetadataEntryPatch } from './guarded-metadata-patch.js';
import { asKubeObject, type KubeObject } from './kube-object.js';
import { namespaceContents } from './namespace-contents.js';
import { isTrackedBy } from './resource-holder.js';
import { describeObject, servedObjectPath, type ObjectIdentity } from './resource-paths.js';

export interface DeleteRequest {
  readonly node: OwningNode;
  /** The object, as recorded in `status.appliedResources`. */
  readonly target: ObjectIdentity;
  /** The resource says `deleteAdopted: true`: an object it took over is deleted too (SPEC N6). */
  readonly deleteAdopted?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * `gone`: it no longer exists (or its kind is no longer served). `deleting`: deletion started,
 * finalizers still hold it. `notHeld`: it exists but this node does not hold it, so it was left
 * alone. `release`: this node holds it but may not delete it (it adopted it, or it is a
 * Namespace that holds more than the node applied): the caller releases it instead, untouched
 * otherwise. `failed`: the API refused or failed.
 */
export type DeleteState = 'gone' | 'deleting' | 'notHeld' | 'release' | 'failed';

export interface DeleteOutcome {
  readonly state: DeleteState;
  readonly reason: string;
  readonly message: string;
  /** For `deleting`: the finalizers the object waits on. */
  readonly finalizers?: readonly string[];
  readonly retryable?: boolean;
}

export const deleteReasons = {
  deleted: 'Deleted',
  alreadyGone: 'AlreadyGone',
  notHeld: 'NotHeld',
  adopted: 'Adopted',
  namespaceInUse: 'NamespaceInUse',
  waitingOnFinalizer: conditionReasons.waitingOnFinalizer,
} as const;

const isNamespace = (target: ObjectIdentity): boolean =>
  target.apiVersion === 'v1' && target.kind === 'Namespace';

/**
 * Why the node must release rather than delete `live` (SPEC N6), or `undefined` when it may
 * delete it: an object it did not create is deleted only with `deleteAdopted`; a Namespace it
 * created only while it holds nothing but what the node applied (a kind the operator may not
 * list counts as something).
 */
const reasonToKeep = async (
  deps: ResourceWriteDeps,
  req: DeleteRequest,
  live: KubeObject,
  what: string,
): Promise<DeleteOutcome | undefined> => {
  const { node, target, signal } = req;
  if (!createdBy(live, node)) {
    return req.deleteAdopted === true
      ? undefined
      : {
          state: 'release',
          reason: deleteReasons.adopted,
          message: `${what} was not created by this node (adopted); released, not deleted (deleteAdopted is not set)`,
        };
  }
  if (!isNamespace(target)) return undefined;
  const contents = await namespaceContents(deps.transport, target.name, node, {
    ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
    signal,
  });
  if (contents.foreign.length > 0) {
    return {
      state: 'release',
      reason: deleteReasons.namespaceInUse,
      message: `${what} holds objects this node did not apply (${contents.foreign.join(', ')}); released, not deleted`,
    };
  }
  if (contents.unchecked.length > 0) {
    return {
      state: 'release',
      reason: deleteReasons.namespaceInUse,
      message: `${what} may hold objects the operator is not allowed to list (${contents.unchecked.join(', ')}); released, not deleted`,
    };
  }
  return undefined;
};

/** `waiting on finalizer a, b`: the per-resource message SPEC N9 asks for. */
const waitingOnFinalizers = (finalizers: readonly string[]): string =>
  `waiting on finalizer ${finalizers.join(', ')}`;

const waiting = (live: KubeObject): DeleteOutcome | undefined => {
  const finalizers = live.metadata.finalizers ?? [];
  return finalizers.length === 0
    ? undefined
    : {
        state: 'deleting',
        reason: deleteReasons.waitingOnFinalizer,
        message: waitingOnFinalizers(finalizers),
        finalizers,
        retryable: true,
      };
};

/**
 * Deletes the object when this node holds it (its tracking labels name the node) and created it
 * (or the resource allows deleting adopted objects), and, for a Namespace, when it holds nothing
 * else; otherwise says `release`. Deletes with
 * `propagationPolicy: Background`, right after a read that shows this node holds it (objects of
 * other nodes and unheld objects are never deleted). An object already being deleted gets no second
 * DELETE. Never throws for API failures (a `failed` outcome); rethrows only an abort of `signal`.
 */
export const deleteResource = async (
  deps: ResourceWriteDeps,
  req: DeleteRequest,
): Promise<DeleteOutcome> => {
  const { node, target, signal } = req;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const client = createApiClient(deps.transport, timeoutMs);
  const what = describeObject(target);
  const gone: DeleteOutcome = {
    state: 'gone',
    reason: deleteReasons.alreadyGone,
    message: `${what} is gone`,
  };
  try {
    const path = await servedObjectPath(deps.paths, target, signal);
    if (path === undefined) return gone;
    const live = asKubeObject(await client.get(path, signal));
    if (live === undefined) return gone;
    // Tracked, not merely held (`holderOf`): an object the node released or that lost its
    // labels is not the node's to delete.
    if (!isTrackedBy(live, node)) {
      return {
        state: 'notHeld',
        reason: deleteReasons.notHeld,
        message: `${what} is not held by node ${node.namespace}/${node.name}; left alone`,
      };
    }
    if (live.metadata.deletionTimestamp !== undefined) {
      return (
        waiting(live) ?? {
          state: 'deleting',
          reason: deleteReasons.deleted,
          message: `${what} is being deleted`,
          retryable: true,
        }
      );
    }
    const keep = await reasonToKeep(deps, req, live, what);
    if (keep !== undefined) return keep;
    const protection = live.metadata.labels?.[labelKeys.deletionProtection];
    if (protection !== undefined) {
      // The node decided to delete it (gone from the form, or the node itself is going): the
      // deletion-protection label that makes the admission policy deny the DELETE goes first
      // (SPEC H8).
      await client.patch(
        path,
        patchTypes.json,
        removeMetadataEntryPatch(
          live.metadata.uid,
          'labels',
          labelKeys.deletionProtection,
          protection,
        ),
        { fieldManager: fieldManagers.protection, ...(signal === undefined ? {} : { signal }) },
      );
    }
    // DeleteOptions go in the query: the transport does not frame DELETE bodies (Node sends
    // them unchunked and without a length), so a body would corrupt the kept-alive socket and
    // preconditions cannot be sent. The read just above is the check that it is still ours.
    const res = await deps.transport.request({
      method: 'DELETE',
      path: `${path}?propagationPolicy=Background`,
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    if (res.status === 404) return gone;
    if (res.status !== 200 && res.status !== 202) throw apiError(`DELETE ${path}`, res);
    const after = asKubeObject(res.body);
    return (
      (after === undefined ? undefined : waiting(after)) ?? {
        state: 'gone',
        reason: deleteReasons.deleted,
        message: `deleted ${what}`,
      }
    );
  } catch (err) {
    return failedRemovalOutcome(err, signal);
  }
};
