// How one apply pass ended, as data: ready, waiting for a resource, or failed (SPEC N2, N8, N9, N10, O2).
import { conditionReasons } from '../api/conditions.js';
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';
import { resourceStates } from '../api/phases.js';
import type { NodeApplyOutput, NodePassOutcome } from '../machines/node.contract.js';

/** Where one planned resource stands after a pass. */
export interface ResourceResult {
  readonly status: ResourceStatus;
  /** Failed, conflicted or skipped: dependants react per N2. */
  readonly failed: boolean;
  readonly ready: boolean;
  /**
   * Applied but not ready yet, or held back by a dependency that is (N2: blocks without
   * failing); `timeoutInMillis` is how long until its readiness timeout, for a waiting resource.
   */
  readonly waiting?: { readonly dependency?: string; readonly timeoutInMillis?: number };
  readonly retryable: boolean;
  readonly applied: AppliedResource | undefined;
  readonly conflictReason: string | undefined;
}

/** A resource that left the form and is not gone yet: why, and whether only a finalizer holds it. */
export interface PendingRemoval {
  readonly status: ResourceStatus;
  /** Its deletion started; only someone else's finalizer holds it (no failure, N9, N10). */
  readonly waiting: boolean;
}

export interface PassResults {
  /** The planned resource ids in plan order, each with its result (a missing one is not ready). */
  readonly planned: readonly { readonly id: string; readonly result: ResourceResult | undefined }[];
  readonly removals: readonly PendingRemoval[];
  /** The reason of a render that failed the whole node (T5): it names the failure. */
  readonly renderFailure?: string | undefined;
}

/**
 * The outcome of a pass from its results. Pure. Ready when every planned resource is ready and
 * no removal is pending; waiting when nothing failed and only readiness (N8) or someone else's
 * finalizer (N10) is awaited, a pending removal taking precedence (the backoff looks again);
 * failed otherwise, retryable when any resource may pass by itself or a removal is pending.
 */
export const passOutcome = (pass: PassResults): NodePassOutcome => {
  const results = pass.planned.map((p) => p.result);
  const readyCount = results.filter((r) => r?.ready === true).length;
  const waiting = pass.planned.filter((p) => p.result?.waiting !== undefined);
  if (readyCount === pass.planned.length && pass.removals.length === 0) {
    return { kind: 'ready', reason: conditionReasons.allResourcesReady };
  }
  const onlyAwaiting =
    readyCount + waiting.length === pass.planned.length && pass.removals.every((r) => r.waiting);
  const [removal] = pass.removals;
  if (onlyAwaiting && removal !== undefined) {
    return {
      kind: 'waiting',
      on: 'removal',
      resource: removal.status.id,
      reason: removal.status.reason ?? conditionReasons.waitingOnFinalizer,
    };
  }
  const [first] = waiting;
  if (onlyAwaiting && first !== undefined) {
    const deadlines = waiting.flatMap((p) =>
      p.result?.waiting?.timeoutInMillis === undefined ? [] : [p.result.waiting.timeoutInMillis],
    );
    return {
      kind: 'waiting',
      on: 'readiness',
      // A dependant held back names what it waits for.
      resource: first.result?.waiting?.dependency ?? first.id,
      reason: conditionReasons.waitingForReady,
      ...(deadlines.length > 0 ? { deadlineMillis: Math.min(...deadlines) } : {}),
    };
  }
  const conflictReason = results.find((r) => r?.conflictReason !== undefined)?.conflictReason;
  return {
    kind: 'failed',
    retryable: results.some((r) => r?.retryable === true) || pass.removals.length > 0,
    reason: pass.renderFailure ?? conflictReason ?? conditionReasons.resourcesFailed,
  };
};

/** Everything a pass reports besides the objects it holds: outcome, counts, message (SPEC O2). Pure. */
export const passSummary = (
  pass: PassResults,
): Omit<NodeApplyOutput, 'resources' | 'appliedResources'> => {
  const outcome = passOutcome(pass);
  const results = pass.planned.map((p) => p.result);
  const readyCount = results.filter((r) => r?.ready === true).length;
  const skipped = pass.planned.filter((p) => p.result?.status.state === resourceStates.skipped);
  const notReady = [
    ...pass.planned.flatMap((p) =>
      p.result === undefined || p.result.status.state === resourceStates.ready
        ? []
        : [p.result.status],
    ),
    ...pass.removals.map((r) => r.status),
  ];
  return {
    outcome,
    message:
      outcome.kind === 'ready'
        ? `${String(readyCount)}/${String(pass.planned.length)} resources ready`
        : notReady
            .slice(0, 5)
            .map(
              (s) =>
                `${s.id}: ${s.reason ?? s.state}${s.message === undefined ? '' : ` (${s.message})`}`,
            )
            .join('; '),
    skippedResourceIds: skipped.map((p) => p.id),
    desired: pass.planned.length,
    readyCount,
    failedCount: results.filter((r) => r?.failed === true).length - skipped.length,
    conflictReason: results.find((r) => r?.conflictReason !== undefined)?.conflictReason,
  };
};
