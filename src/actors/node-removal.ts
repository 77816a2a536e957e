// Removing what a node holds no more (SPEC N6, N9, N10): deleted or released per its recorded policy, deepest level first.
import { conditionReasons } from '../api/conditions.js';
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';
import { orphanReasons } from '../api/metadata-keys.js';
import { resourceStates } from '../api/phases.js';
import { resourceMessage } from '../api/resource-message.js';
import { messageOf } from '../errors.js';
import type { OwningNode, ResourceWriteDeps } from '../kube/apply-resource.js';
import { deleteResource } from '../kube/delete-resource.js';
import { releaseResource } from '../kube/release-resource.js';
import { identityKey } from './applied-hashes.js';
import type { NodeEventSink } from './node-apply.actor.js';
import type { PendingRemoval } from './node-pass-outcome.js';
import { resourceStatus, type ResourceReport } from './node-resource-status.js';
import { runBounded } from './run-bounded.js';

/** What a pass's removals leave: what the node still holds of the stale, and what is pending. */
export interface StaleRemoval {
  /** Held objects the pass neither re-applied nor removed: still the node's. */
  readonly kept: readonly AppliedResource[];
  /** Objects that left the form and are not gone yet (a moved object's old place is silent). */
  readonly pending: readonly PendingRemoval[];
}

/**
 * The objects the node held that the pass did not apply again: gone from the form, or moved to
 * another identity (N10). Pure. `applied` maps resource id to what this pass applied.
 */
export const staleHeld = (
  held: readonly AppliedResource[],
  plannedIds: ReadonlySet<string>,
  applied: (id: string) => AppliedResource | undefined,
): { readonly stale: AppliedResource[]; readonly kept: AppliedResource[] } => {
  const kept: AppliedResource[] = [];
  const stale: AppliedResource[] = [];
  for (const before of held) {
    const now = applied(before.id);
    if (!plannedIds.has(before.id)) stale.push(before);
    else if (now !== undefined && identityKey(now) !== identityKey(before)) stale.push(before);
    else if (now === undefined) kept.push(before);
  }
  return { stale, kept };
};

/**
 * Removes `stale` deepest level first, at most `concurrency` at once. An object that could not
 * be removed stays held (`kept`); one that left the form is reported as pending with why.
 * Throws only when `signal` aborts.
 */
export const removeStale = async (
  write: ResourceWriteDeps,
  node: OwningNode,
  stale: readonly AppliedResource[],
  plannedIds: ReadonlySet<string>,
  concurrency: number,
  signal: AbortSignal,
  emit: NodeEventSink,
  report: ResourceReport,
): Promise<StaleRemoval> => {
  const kept: AppliedResource[] = [];
  const pending: PendingRemoval[] = [];
  const deepestFirst = [...new Set(stale.map((s) => s.level))].sort((a, b) => b - a);
  for (const level of deepestFirst) {
    const group = stale.filter((s) => s.level === level);
    const settled = await runBounded(
      group.map(
        (target) => async () =>
          removeResource(write, node, target, signal, orphanReasons.removedFromTemplate, emit),
      ),
      concurrency,
      signal,
    );
    if (signal.aborted) throw signal.reason;
    settled.forEach((s, i) => {
      const target = group[i];
      if (target === undefined) return;
      const error =
        s.status === 'fulfilled'
          ? s.value
          : { reason: conditionReasons.applyError, message: messageOf(s.reason) };
      if (error === undefined) return;
      kept.push(target);
      if (plannedIds.has(target.id)) return;
      const status: ResourceStatus = resourceStatus(
        target.id,
        resourceStates.deleting,
        error.reason,
        error.message,
        undefined,
      );
      pending.push({ status, waiting: error.waiting === true });
      report(status, 'Warning', error.reason);
    });
  }
  return { kept, pending };
};

/**
 * Deletes (`Delete`) or releases (`Retain`) one object the node held. A `Delete` object the node
 * may not delete (adopted, or a Namespace holding others' objects, SPEC N6) is released instead,
 * with a Warning event saying why. `undefined` when it is done with (gone, released, or not ours
 * any more); else why not yet, with `waiting` when its deletion has started and only finalizers
 * hold it (no failure).
 */
export const removeResource = async (
  write: ResourceWriteDeps,
  node: OwningNode,
  target: AppliedResource,
  signal: AbortSignal,
  reason: (typeof orphanReasons)[keyof typeof orphanReasons],
  emit: NodeEventSink,
): Promise<{ reason: string; message: string; waiting?: true } | undefined> => {
  const identity = {
    apiVersion: target.apiVersion,
    kind: target.kind,
    namespace: target.namespace,
    name: target.name,
  };
  const release = async () => {
    const outcome = await releaseResource(write, { node, target: identity, reason, signal });
    // The object stays, no longer managed: a fact on the node (O1), logged by its actor (O5).
    if (outcome.state === 'released') {
      emit({
        type: 'Normal',
        reason,
        message: resourceMessage(target.id, 'released: the object stays, no longer managed'),
        released: true,
      });
    }
    return outcome.state === 'failed'
      ? { reason: outcome.reason, message: outcome.message }
      : undefined;
  };
  if (target.deletionPolicy === 'Retain') return release();
  const outcome = await deleteResource(write, {
    node,
    target: identity,
    deleteAdopted: target.deleteAdopted === true,
    signal,
  });
  switch (outcome.state) {
    case 'release': {
      const failed = await release();
      if (failed === undefined) {
        emit({
          type: 'Warning',
          reason: outcome.reason,
          message: resourceMessage(target.id, outcome.message),
        });
      }
      return failed;
    }
    case 'gone':
    case 'notHeld':
      return undefined;
    case 'deleting':
      return { reason: outcome.reason, message: outcome.message, waiting: true };
    case 'failed':
      return { reason: outcome.reason, message: outcome.message };
  }
};
