// A form's rollout as its status shows it: the Progressing condition and `status.rollout` with its start and completion times (SPEC F4, F5).
import { conditionReasons, formConditionTypes } from '../api/conditions.js';
import { rolloutPhases, type RolloutPhase } from '../api/phases.js';
import type { RolloutPlan } from '../reconcile/rollout-plan.js';

/** Condition `Progressing` (F5): False only when the rollout failed, naming the nodes. */
export const progressingCondition = (plan: RolloutPlan) => {
  const reasons = {
    [rolloutPhases.idle]: conditionReasons.noNodes,
    [rolloutPhases.inProgress]: conditionReasons.rolloutInProgress,
    [rolloutPhases.paused]: conditionReasons.rolloutPaused,
    [rolloutPhases.failed]: conditionReasons.rolloutFailed,
    [rolloutPhases.complete]: conditionReasons.rolloutComplete,
  } as const satisfies Record<RolloutPhase, string>;
  const { counts } = plan;
  return {
    type: formConditionTypes.progressing,
    status: plan.phase === rolloutPhases.failed ? ('False' as const) : ('True' as const),
    reason: reasons[plan.phase],
    message:
      plan.message ??
      `${String(counts.updated)} of ${String(counts.total)} nodes updated, ${String(counts.readyUpdated)} ready, ${String(counts.updating)} updating`,
  };
};

/** How many failed nodes status names; the message and the count say how many more. */
const maxFailedNames = 50;

/** When the rollout of one target started and completed, as status shows them. */
export interface RolloutTimes {
  readonly target: string;
  readonly startTime: string;
  readonly completionTime?: string;
}

/** The times of `target`: kept while the target stays, completionTime set once it completed. */
export const nextRolloutTimes = (
  previous: RolloutTimes | undefined,
  target: string,
  plan: RolloutPlan,
  stamp: string,
): RolloutTimes => {
  const same = previous?.target === target ? previous : { target, startTime: stamp };
  return same.completionTime === undefined && plan.phase === rolloutPhases.complete
    ? { ...same, completionTime: stamp }
    : same;
};

/** `status.rollout` (F4, F5): what `kubectl describe lynqform` shows of the rollout. */
export const rolloutStatus = (times: RolloutTimes, plan: RolloutPlan) => {
  const { completionTime } = times;
  const target = times.target;
  return {
    phase: plan.phase,
    targetRevision: target,
    updatedNodes: plan.counts.updated,
    updatingNodes: plan.counts.updating,
    readyUpdatedNodes: plan.counts.readyUpdated,
    failedNodes: plan.counts.failed,
    ...(plan.failedNodes.length === 0
      ? {}
      : { failedNodeNames: plan.failedNodes.slice(0, maxFailedNames) }),
    startTime: times.startTime,
    ...(completionTime === undefined ? {} : { completionTime }),
    ...(plan.message === undefined ? {} : { message: plan.message }),
  };
};
