// An apply outcome as one resource's result in a pass (SPEC N6, N7, N8, N13): what status shows, what the node now holds, and what it remembers.
import { conditionReasons } from '../api/conditions.js';
import type { ResourceStatus } from '../api/lynq-node.schema.js';
import { resourceStates } from '../api/phases.js';
import { resourceMessage } from '../api/resource-message.js';
import { applyReasons, type ApplyOutcome, type OwningNode } from '../kube/apply-resource.js';
import { isJobInfo } from '../kube/child-watcher.js';
import { ownedManifestFields } from '../kube/field-ownership.js';
import { forgetHash, rememberHash } from './applied-hashes.js';
import { completedRunOf } from './job-completion.js';
import type { NodeApplyMemory, NodeEventSink } from './node-apply.actor.js';
import type { ResourceResult } from './node-pass-outcome.js';
import type { PlannedResource } from './node-render.actor.js';
import {
  failedResult,
  manifestIdentity,
  resourceStatus,
  type ResourceReport,
} from './node-resource-status.js';

/** What one pass's results are made with. */
export interface ResourceResultContext {
  readonly memory: NodeApplyMemory;
  readonly node: OwningNode;
  readonly emit: NodeEventSink;
  readonly report: ResourceReport;
  /** The last pass's status per resource id. */
  readonly previousById: ReadonlyMap<string, ResourceStatus>;
  /** The pass's start, ISO. */
  readonly now: string;
}

/**
 * The result maker of one pass. A conflict or failure forgets the hash applied to the object, so
 * the next pass reads it (N13); an applied, created or unchanged object is remembered with the
 * fields Lynq owns on it (N12), its Job run recorded (N7), and an adoption told as an event (N6).
 * `desiredUnchanged`: the desired object is the one last applied (a drift repair, a resync, a
 * restart), so the readiness clock keeps running from `lastDesiredChange` (N8).
 */
export const resourceResultOf = ({
  memory,
  node,
  emit,
  report,
  previousById,
  now,
}: ResourceResultContext) => {
  /**
   * `desiredUnchanged`: the desired object is the one last applied (a drift repair, a resync,
   * a restart), so the readiness clock keeps running from `lastDesiredChange` (N8).
   */
  return (r: PlannedResource, outcome: ApplyOutcome, desiredUnchanged: boolean): ResourceResult => {
    const manifest = r.manifest;
    if (manifest !== undefined && (outcome.state === 'conflict' || outcome.state === 'failed')) {
      // The object is not, or may no longer be, what was last applied to it (someone else holds
      // it, it is going away, a write was refused): the next pass reads it before it decides
      // that nothing needs writing, even for the hash applied before (N13).
      forgetHash(memory.hashes, r.id, manifestIdentity(manifest, node));
    }
    switch (outcome.state) {
      case 'applied':
      case 'created':
      case 'unchanged': {
        if (manifest === undefined) throw new Error('unreachable: applied without a manifest');
        if (isJobInfo(manifest)) {
          // A new run forgets the last one; a Job read complete is remembered (N7).
          const ran = completedRunOf(outcome.object);
          if (outcome.state === 'created') memory.completions.delete(r.id);
          else if (ran !== undefined) memory.completions.set(r.id, { hash: ran });
        }
        rememberHash(
          memory.hashes,
          r.id,
          manifestIdentity(manifest, node),
          manifest.hash,
          outcome.object === undefined
            ? undefined
            : ownedManifestFields(outcome.object, manifest, r.policies.ignoreFields),
        );
        if (outcome.reason === applyReasons.adopted) {
          // Taking over what someone else made is worth a line in the node's history (N6).
          emit({
            type: 'Normal',
            reason: applyReasons.adopted,
            message: resourceMessage(r.id, outcome.message),
          });
        }
        const before = previousById.get(r.id)?.lastDesiredChange;
        const lastDesiredChange =
          outcome.state === 'unchanged' || desiredUnchanged ? (before ?? now) : now;
        return {
          status: resourceStatus(r.id, resourceStates.ready, 'Applied', '', lastDesiredChange),
          failed: false,
          ready: true,
          retryable: false,
          applied: {
            id: r.id,
            ...manifestIdentity(manifest, node),
            deletionPolicy: r.policies.deletionPolicy,
            creationPolicy: r.policies.creationPolicy,
            ...(r.policies.deleteAdopted ? { deleteAdopted: true } : {}),
            level: r.level,
          },
          conflictReason: undefined,
        };
      }
      case 'conflict': {
        const status = resourceStatus(
          r.id,
          resourceStates.conflicted,
          outcome.reason,
          outcome.message,
          previousById.get(r.id)?.lastDesiredChange ?? now,
        );
        report(status, 'Warning', conditionReasons.resourceConflict);
        return failedResult(status, true, outcome.reason);
      }
      case 'failed': {
        const status = resourceStatus(
          r.id,
          resourceStates.failed,
          outcome.reason,
          outcome.message,
          previousById.get(r.id)?.lastDesiredChange ?? now,
        );
        report(status, 'Warning', outcome.reason);
        return failedResult(status, outcome.retryable !== false);
      }
    }
  };
};
