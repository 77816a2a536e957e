// The form's conditions from its last validation, its nodes and its rollout: Valid, Applied, the kstatus trio and Progressing (SPEC F1, F2, F5, O2).
import { conditionReasons, formConditionTypes } from '../api/conditions.js';
import { rolloutPhases } from '../api/phases.js';
import { formReadiness, kstatusConditions, type NodeCounts } from '../api/ready-condition.js';
import type { RolloutPlan } from '../reconcile/rollout-plan.js';
import { progressingCondition } from './form-rollout-status.js';
import type { ConditionInput } from './published-state.js';

/** Kubernetes caps condition messages at 32768 bytes; stay well below. */
export const maxMessageLength = 16_000;

export interface FormConditionsInput {
  readonly valid: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** The published form phase (`formPhaseOf`). */
  readonly phase: string;
  /** The form's nodes that are not being deleted. */
  readonly nodes: NodeCounts;
  /** The rollout as the planner sees it now; undefined before the first revision. */
  readonly plan: RolloutPlan | undefined;
}

/** How warnings ride along in Valid's message: they never make the form invalid (SPEC F1). */
export const warningsText = (warnings: readonly string[]): string =>
  warnings.length === 0 ? '' : `; ${String(warnings.length)} warning(s): ${warnings.join('; ')}`;

/** The conditions the form publishes, every message within `maxMessageLength`. Pure. */
export const formConditions = (input: FormConditionsInput): ConditionInput[] => {
  const { valid, errors, phase, nodes, plan } = input;
  const warningText = warningsText(input.warnings);
  const allReady = nodes.ready === nodes.total;
  return [
    valid
      ? {
          type: formConditionTypes.valid,
          status: 'True',
          reason: conditionReasons.valid,
          message: `The form is valid${warningText}`.slice(0, maxMessageLength),
        }
      : {
          type: formConditionTypes.valid,
          status: 'False',
          reason: conditionReasons.invalid,
          message: `${String(errors.length)} error(s): ${errors.join('; ')}${warningText}`.slice(
            0,
            maxMessageLength,
          ),
        },
    // An invalid form applied nothing: its nodes keep what they had (SPEC F2).
    valid
      ? {
          type: formConditionTypes.applied,
          status: allReady ? 'True' : 'False',
          reason: allReady ? conditionReasons.allNodesReady : conditionReasons.nodesNotReady,
          message: `${String(nodes.ready)} of ${String(nodes.total)} nodes ready, ${String(nodes.failed)} failed`,
        }
      : {
          type: formConditionTypes.applied,
          status: 'False',
          reason: conditionReasons.invalid,
          message: `Not applied while the form is invalid; its nodes keep their revision: ${String(nodes.ready)} of ${String(nodes.total)} ready, ${String(nodes.failed)} failed`,
        },
    // Ready only when valid and every node is Ready (SPEC O2, kstatus).
    ...kstatusConditions(
      formReadiness({
        phase,
        valid,
        errors,
        nodes,
        ...(plan?.phase === rolloutPhases.failed ? { rolloutFailedNodes: plan.failedNodes } : {}),
      }),
    ).map((c) => ({ ...c, message: c.message.slice(0, maxMessageLength) })),
    ...(plan === undefined ? [] : [progressingCondition(plan)]),
  ];
};
