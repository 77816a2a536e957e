// The kstatus conditions every Lynq kind shows (SPEC O2): Ready, Reconciling and Stalled, from what the object and everything it owns report.
import { conditionReasons } from './conditions.js';

/** The fields of a condition a kind decides; the status writer adds generation and time. */
export interface ConditionFields {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** The condition types kstatus reads (Flux, Argo CD, `kubectl wait`). */
export const kstatusConditionTypes = {
  ready: 'Ready',
  reconciling: 'Reconciling',
  stalled: 'Stalled',
} as const;

/**
 * Where an object stands, in kstatus' three outcomes: `ready` (it and everything it owns are
 * ready), `reconciling` (work under way that is expected to finish by itself), `stalled` (an
 * error or a failure that needs a change from someone), or `idle` (neither ready nor working,
 * e.g. suspended).
 */
export interface Readiness {
  readonly state: 'ready' | 'reconciling' | 'stalled' | 'idle';
  readonly reason: string;
  readonly message: string;
}

/**
 * Ready, Reconciling and Stalled for one readiness. Ready is True only in `ready`; the two
 * abnormal-true conditions are True only in their own state, so at most one of the three is True.
 */
export const kstatusConditions = (readiness: Readiness): ConditionFields[] => {
  const { state, reason, message } = readiness;
  const flag = (on: boolean, type: string): ConditionFields => ({
    type,
    status: on ? 'True' : 'False',
    reason: on ? reason : state === 'ready' ? conditionReasons.allReady : reason,
    message: on ? message : state === 'ready' ? 'Nothing left to do' : message,
  });
  return [
    {
      type: kstatusConditionTypes.ready,
      status: state === 'ready' ? 'True' : 'False',
      reason,
      message,
    },
    flag(state === 'reconciling', kstatusConditionTypes.reconciling),
    flag(state === 'stalled', kstatusConditionTypes.stalled),
  ];
};

/** What a hub or form knows of the nodes it owns (nodes being deleted left out). */
export interface NodeCounts {
  readonly total: number;
  readonly ready: number;
  readonly failed: number;
}

const nodesText = (nodes: NodeCounts): string =>
  `${String(nodes.ready)} of ${String(nodes.total)} nodes ready, ${String(nodes.failed)} failed`;

/**
 * Readiness that depends on owned nodes: `ready` only when every node is Ready; any failed node
 * makes it `stalled` (a failed node waits for a row, form or cluster change); else `reconciling`.
 */
const nodesReadiness = (nodes: NodeCounts, readyText: string): Readiness =>
  nodes.failed > 0
    ? { state: 'stalled', reason: conditionReasons.nodesFailed, message: nodesText(nodes) }
    : nodes.ready < nodes.total
      ? { state: 'reconciling', reason: conditionReasons.nodesNotReady, message: nodesText(nodes) }
      : {
          state: 'ready',
          reason: conditionReasons.allNodesReady,
          message: `${readyText}; ${nodesText(nodes)}`,
        };

export interface HubReadinessInput {
  /** The published hub phase (`hubPhaseOf`). */
  readonly phase: string;
  /** The last sync's failure, if the hub is degraded by one. */
  readonly error: { readonly code: string; readonly message: string } | undefined;
  readonly nodes: NodeCounts;
}

/** A hub is ready when its last sync succeeded and every node it owns is Ready. */
export const hubReadiness = (input: HubReadinessInput): Readiness => {
  const { phase, error } = input;
  switch (phase) {
    case 'Ready':
      return nodesReadiness(input.nodes, 'Rows synced to nodes');
    case 'Suspended':
      return { state: 'idle', reason: conditionReasons.suspended, message: 'spec.suspend is true' };
    case 'Degraded':
      return {
        state: 'stalled',
        reason: error?.code ?? conditionReasons.datasourceError,
        message: error?.message ?? 'The last sync failed',
      };
    case 'Deleting':
      return { state: 'reconciling', reason: conditionReasons.deleting, message: 'Deleting nodes' };
    default:
      return {
        state: 'reconciling',
        reason: conditionReasons.notReadYet,
        message: 'The first sync has not finished',
      };
  }
};

export interface FormReadinessInput {
  /** The published form phase (`formPhaseOf`). */
  readonly phase: string;
  readonly valid: boolean;
  /** Validation errors, when invalid. */
  readonly errors: readonly string[];
  readonly nodes: NodeCounts;
  /** Nodes that failed the rollout's progress deadline (F5): the form is stalled until they heal. */
  readonly rolloutFailedNodes?: readonly string[];
}

/**
 * A form is ready when it is valid and every node it owns is Ready; an invalid form is stalled
 * (it waits for an edit), whatever its nodes show (SPEC F1, F2).
 */
export const formReadiness = (input: FormReadinessInput): Readiness => {
  if (!input.valid) {
    return {
      state: 'stalled',
      reason: conditionReasons.invalid,
      message: `The form is invalid: ${input.errors.join('; ')}`,
    };
  }
  switch (input.phase) {
    case 'Suspended':
      return { state: 'idle', reason: conditionReasons.suspended, message: 'spec.suspend is true' };
    case 'Deleting':
      return { state: 'reconciling', reason: conditionReasons.deleting, message: 'Deleting nodes' };
    case 'Degraded':
      return {
        state: 'reconciling',
        reason: conditionReasons.retrying,
        message: 'Syncing the form failed; retrying',
      };
    default:
      if (input.rolloutFailedNodes !== undefined && input.rolloutFailedNodes.length > 0) {
        return {
          state: 'stalled',
          reason: conditionReasons.rolloutFailed,
          message: `The rollout failed: not Ready within progressDeadlineSeconds: ${input.rolloutFailedNodes.join(', ')}`,
        };
      }
      return nodesReadiness(input.nodes, 'The form is valid');
  }
};
