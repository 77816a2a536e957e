// What to do with one object for a node, as data: a pure function of the live object, the desired one, the policies and the holder (SPEC N5–N7, N10, N12, N13, N16, H8).
import { annotationKeys, labelKeys } from '../api/metadata-keys.js';
import type { RenderedManifest } from '../render/render-types.js';
import { applyReasons, type ApplyOutcome, type ApplyRequest } from './apply-contract.js';
import { isMarkedHash } from './desired-object.js';
import { ownedManifestFields } from './field-ownership.js';
import type { KubeObject } from './kube-object.js';
import { createdBy, creatorOf, holderOf, isOrphaned, otherClaimants } from './resource-holder.js';
import { checkTarget } from './target-policy.js';

/**
 * One step of an apply. `done` ends it without a write (the outcome says why: a conflict, a
 * deletion under way, nothing to change); the others are one write, after which the object is
 * read again (`rehold`) or the apply ends with the write's result.
 */
export type ApplyDecision =
  | { readonly kind: 'done'; readonly outcome: ApplyOutcome }
  /** Absent: created by POST, so of two nodes racing for it exactly one wins (N6). */
  | { readonly kind: 'create' }
  /** Released by this node: orphan markers off, tracking back, then decided again (N10). */
  | { readonly kind: 'rehold' }
  /** A `Once` object whose deletion-protection mark differs from the node's (H8). */
  | { readonly kind: 'mark'; readonly marked: boolean }
  /**
   * The strategy's write on the read resourceVersion: `applied` to an object this node holds
   * (its tracking labels, its release mark or its creation record say so), `adopted` taking over
   * one no node holds (Force), `reheld` the write that follows a re-hold.
   */
  | { readonly kind: 'write'; readonly as: 'applied' | 'adopted' | 'reheld' };

/** What is known before anything is read. */
export type ApplyPlanInput = Pick<
  ApplyRequest,
  'node' | 'manifest' | 'policies' | 'lastAppliedHash' | 'drifted' | 'targets'
>;

/**
 * The outcome of an apply that needs no read, or `undefined` when the object must be read:
 * a target outside the allow-lists fails for good (N16); an equal hash without drift sends
 * nothing (N13); a `Once` object is never updated, except for the deletion-protection mark (H8).
 * Pure.
 */
export const decideUnread = (req: ApplyPlanInput): ApplyOutcome | undefined => {
  const { node, manifest, policies } = req;
  if (req.targets !== undefined) {
    const verdict = checkTarget(
      manifest,
      { namespace: node.namespace, rowUid: node.rowUid ?? '' },
      req.targets,
    );
    if (!verdict.allowed) {
      return {
        state: 'failed',
        reason: verdict.reason,
        message: verdict.message,
        retryable: false,
      };
    }
  }
  if (req.lastAppliedHash === undefined || req.drifted === true) return undefined;
  if (req.lastAppliedHash === manifest.hash) {
    return {
      state: 'unchanged',
      reason: applyReasons.unchanged,
      message: 'the desired hash equals the hash last applied',
    };
  }
  if (
    policies.creationPolicy === 'Once' &&
    isMarkedHash(req.lastAppliedHash) === isMarkedHash(manifest.hash)
  ) {
    return {
      state: 'unchanged',
      reason: applyReasons.createdOnce,
      message: 'created once; never updated',
    };
  }
  return undefined;
};

/** What is known once the object was read. */
export interface ApplyDecisionInput extends Pick<
  ApplyRequest,
  'node' | 'policies' | 'drifted' | 'minOwned' | 'completed' | 'targets'
> {
  readonly manifest: Pick<RenderedManifest, 'hash' | 'json' | 'apiVersion' | 'kind' | 'name'>;
  /** The live object; `undefined` when it does not exist. */
  readonly live: KubeObject | undefined;
  /** Whether the kind is namespaced (cluster-scoped objects are never taken over by default). */
  readonly namespaced: boolean;
  /** This apply re-held the object already (it is read again after the re-hold). */
  readonly reheld: boolean;
  /** `Kind namespace/name`, for messages. */
  readonly what: string;
}

/**
 * The next step of an apply for the object as read. Pure. Guarantees: an object held by another
 * node is never written (`OwnerConflict`); an existing object no node holds is written only under
 * `conflictPolicy: Force` (else `ResourceConflict`), and a cluster-scoped one only with both
 * opt-ins; an object being deleted waits; a `Once` object is only created, re-held or marked; a
 * verification (`drifted: false`) writes nothing to an object that carries the desired hash while
 * Lynq owns as many of its fields as after its last write (N12); a gone Job whose run completed
 * is not created again (N7).
 */
export const decideApply = (input: ApplyDecisionInput): ApplyDecision => {
  const { live, node, manifest, policies, what } = input;
  if (live === undefined) {
    return input.completed === true
      ? {
          kind: 'done',
          outcome: {
            state: 'unchanged',
            reason: applyReasons.completed,
            message: `${what} completed and is gone; a finished Job is never run again`,
          },
        }
      : { kind: 'create' };
  }
  const holder = holderOf(live, node);
  if (holder.by === 'node') {
    return {
      kind: 'done',
      outcome: {
        state: 'conflict',
        reason: applyReasons.ownerConflict,
        message: `${what} is held by node ${holder.node}`,
        conflictWith: `node ${holder.node}`,
        object: live,
      },
    };
  }
  if (holder.by === 'none' && policies.conflictPolicy === 'Stuck') {
    const others = otherClaimants(live);
    return {
      kind: 'done',
      outcome: {
        state: 'conflict',
        reason: applyReasons.resourceConflict,
        message: `${what} exists and no node holds it (${others}); conflictPolicy Stuck leaves it untouched`,
        conflictWith: others,
        object: live,
      },
    };
  }
  if (holder.by === 'none' && !input.namespaced && !createdBy(live, node)) {
    const optedIn =
      input.targets?.allowClusterScopedTakeover === true &&
      policies.allowClusterScopedTakeover === true;
    if (!optedIn) {
      const origin = creatorOf(live);
      return {
        kind: 'done',
        outcome: {
          state: 'conflict',
          reason: applyReasons.resourceConflict,
          message: `${what} ${origin}; a cluster-scoped object is never taken over unless the operator runs with --allow-cluster-scoped-takeover and the resource sets allowClusterScopedTakeover: true`,
          conflictWith: origin,
          object: live,
        },
      };
    }
  }
  if (live.metadata.deletionTimestamp !== undefined) {
    return {
      kind: 'done',
      outcome: {
        state: 'failed',
        reason: applyReasons.terminating,
        message: `${what} is being deleted; it is written again once it is gone`,
        object: live,
        retryable: true,
      },
    };
  }
  if (holder.by === 'self' && isOrphaned(live)) return { kind: 'rehold' };
  if (
    holder.by === 'self' &&
    !input.reheld &&
    input.drifted === false &&
    policies.creationPolicy === 'WhenNeeded' &&
    live.metadata.annotations?.[annotationKeys.desiredHash] === manifest.hash &&
    (input.minOwned === undefined ||
      ownedManifestFields(live, manifest, policies.ignoreFields) >= input.minOwned)
  ) {
    // The write happened but its record did not (a restart between write and status), or a
    // verification found the object as last written.
    return {
      kind: 'done',
      outcome: {
        state: 'unchanged',
        reason: applyReasons.unchanged,
        message: `${what} already carries the desired hash`,
        object: live,
      },
    };
  }
  if (holder.by === 'self' && policies.creationPolicy === 'Once') {
    const marked = node.marked === true;
    // The mark follows the node's even on an object that is otherwise never updated.
    if ((live.metadata.labels?.[labelKeys.deletionProtection] === 'true') !== marked) {
      return { kind: 'mark', marked };
    }
    return {
      kind: 'done',
      outcome: input.reheld
        ? {
            state: 'applied',
            reason: applyReasons.reheld,
            message: `re-held ${what}`,
            object: live,
          }
        : {
            state: 'unchanged',
            reason: applyReasons.createdOnce,
            message: `${what} was created once; never updated`,
            object: live,
          },
    };
  }
  // Held by this node, or taken over under Force.
  if (input.reheld) return { kind: 'write', as: 'reheld' };
  return { kind: 'write', as: holder.by === 'none' ? 'adopted' : 'applied' };
};
