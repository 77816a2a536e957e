// What a node's status shows of its machine (SPEC O2): phase and transitions, per-resource states, counts, readySummary, conditions.
import { conditionReasons, nodeConditionTypes } from '../api/conditions.js';
import type { AppliedResource, LynqNodeStatus, ResourceStatus } from '../api/lynq-node.schema.js';
import { nodePhases } from '../api/phases.js';
import { kstatusConditions } from '../api/ready-condition.js';
import type { NodeContext } from '../machines/node.machine.js';
import { withCompletion, type JobCompletion } from './job-completion.js';
import {
  enterPhase,
  nextConditions,
  type ConditionInput,
  type PublishedState,
} from './published-state.js';

/** Phases a person needs to see; `Rendering` is always part of a pass and never published. */
export const publishedNodePhase = (phase: string): string | undefined =>
  phase === nodePhases.rendering ? nodePhases.applying : phase;

/**
 * Whether a pass (rendering, applying) is a verification pass: the node already shows Ready or
 * Degraded for the generation being rendered, so nothing is published until the pass ends
 * (SPEC O2: a restart or retry publishes no transient state).
 */
export const isVerificationPass = (
  published: PublishedState | undefined,
  status: LynqNodeStatus | undefined,
  generation: number,
): boolean =>
  (published?.phase === nodePhases.ready || published?.phase === nodePhases.degraded) &&
  status?.observedGeneration === generation;

/** Cleanup's progress while deleting: what remains and why. */
export interface CleanupProgress {
  readonly remaining: readonly AppliedResource[];
  readonly resources: readonly ResourceStatus[];
}

const conditionsFor = (
  phase: string,
  context: NodeContext,
  cleanup: CleanupProgress | undefined,
): ConditionInput[] => {
  const apply = context.lastApply;
  const outcome = apply?.outcome;
  const failure =
    context.lastError ??
    (apply !== undefined && outcome !== undefined && outcome.kind !== 'ready'
      ? { reason: outcome.reason, message: apply.message }
      : undefined);
  // Still on its way (readiness, or a removed resource held by a foreign finalizer): say what it waits on.
  const waiting =
    phase === nodePhases.applying && apply !== undefined && outcome?.kind === 'waiting'
      ? { reason: outcome.reason, message: apply.message }
      : undefined;
  const ready: ConditionInput =
    phase === nodePhases.ready
      ? {
          type: nodeConditionTypes.ready,
          status: 'True',
          reason: conditionReasons.allResourcesReady,
          message: apply?.message ?? 'All resources are ready',
        }
      : {
          type: nodeConditionTypes.ready,
          status: 'False',
          reason:
            phase === nodePhases.pending
              ? conditionReasons.waitingForRevision
              : phase === nodePhases.applying
                ? (waiting?.reason ?? conditionReasons.applying)
                : phase === nodePhases.deleting
                  ? conditionReasons.deleting
                  : (failure?.reason ?? conditionReasons.resourcesFailed),
          message:
            phase === nodePhases.pending
              ? 'The node has no revision yet'
              : phase === nodePhases.deleting
                ? (cleanup?.resources
                    .map((r) => `${r.id}: ${r.message ?? r.reason ?? ''}`)
                    .join('; ') ?? 'Removing resources')
                : phase === nodePhases.applying
                  ? (waiting?.message ?? 'Applying resources')
                  : (failure?.message ?? 'Resources failed'),
        };
  const progressing = phase === nodePhases.applying || phase === nodePhases.pending;
  const degraded = phase === nodePhases.degraded;
  // kstatus: Reconciling while work is under way (deleting too), Stalled while failed (SPEC O2).
  const [, reconciling, stalled] = kstatusConditions({
    state:
      phase === nodePhases.ready
        ? 'ready'
        : degraded
          ? 'stalled'
          : progressing || phase === nodePhases.deleting
            ? 'reconciling'
            : 'idle',
    reason: ready.reason,
    message: ready.message,
  });
  return [
    ready,
    ...(reconciling === undefined || stalled === undefined ? [] : [reconciling, stalled]),
    {
      type: nodeConditionTypes.progressing,
      status: progressing ? 'True' : 'False',
      reason: progressing ? ready.reason : phase,
      message: progressing ? ready.message : `The node is ${phase}`,
    },
    {
      // Only real failures: never while merely progressing.
      type: nodeConditionTypes.degraded,
      status: degraded ? 'True' : 'False',
      reason: degraded ? ready.reason : phase,
      message: degraded ? ready.message : `The node is ${phase}`,
    },
    apply?.conflictReason !== undefined && phase === nodePhases.degraded
      ? {
          type: nodeConditionTypes.conflicted,
          status: 'True',
          reason: apply.conflictReason,
          message:
            apply.resources
              .filter((r) => r.state === 'Conflicted')
              .map((r) => `${r.id}: ${r.message ?? ''}`)
              .join('; ') || apply.conflictReason,
        }
      : {
          type: nodeConditionTypes.conflicted,
          status: 'False',
          reason: conditionReasons.noConflict,
          message: 'No resource is in conflict',
        },
  ];
};

/**
 * The whole status to publish (merge patches clear what is left out, so everything is here).
 * Before the first apply of this process, resources and counts come from the node's status.
 */
const nodeStatusOf = (
  published: PublishedState,
  context: NodeContext,
  previous: LynqNodeStatus | undefined,
  generation: number,
  now: string,
  cleanup: CleanupProgress | undefined,
  completions: ReadonlyMap<string, JobCompletion> = new Map(),
): Record<string, unknown> => {
  const phase = published.phase;
  const apply = phase === nodePhases.deleting ? undefined : context.lastApply;
  const applied =
    cleanup?.remaining ?? apply?.appliedResources ?? context.observed?.appliedResources ?? [];
  // A Job that completed since the last pass shows it at once (N7): status is its durable record.
  const resources =
    cleanup?.resources ??
    (apply?.resources ?? previous?.resources ?? []).map((r) => withCompletion(r, completions));
  const desired = apply?.desired ?? previous?.desiredResources ?? 0;
  const readyCount = apply?.readyCount ?? previous?.readyResources ?? 0;
  const skipped = apply?.skippedResourceIds ?? previous?.skippedResourceIds ?? [];
  return {
    ...published,
    observedGeneration: generation,
    desiredResources: desired,
    readyResources: readyCount,
    failedResources: apply?.failedCount ?? previous?.failedResources ?? 0,
    skippedResources: skipped.length,
    skippedResourceIds: skipped,
    readySummary: `${String(readyCount)}/${String(desired)}`,
    appliedResources: applied,
    resources,
    conditions: nextConditions(
      previous?.conditions,
      conditionsFor(phase, context, cleanup),
      generation,
      now,
    ),
  };
};

/** What one machine snapshot writes: the state it publishes and the whole status. */
export interface NodePublication {
  readonly published: PublishedState;
  readonly status: Record<string, unknown>;
}

export interface NodePublicationInput {
  /** The machine's phase (`nodePhaseOf`); `Rendering` is published as `Applying`. */
  readonly phase: string;
  readonly context: NodeContext;
  /** What this actor last published, else what the node's status shows (DESIGN 1). */
  readonly published: PublishedState | undefined;
  /** The node's status as last observed. */
  readonly status: LynqNodeStatus | undefined;
  /** The node's `metadata.generation`. */
  readonly generation: number;
  readonly now: string;
  readonly cleanup: CleanupProgress | undefined;
  /** Jobs whose run completed, by resource id (N7); absent = none. */
  readonly completions?: ReadonlyMap<string, JobCompletion>;
}

/**
 * The publish decision of a node actor (SPEC O2, DESIGN 3). `undefined` while a verification
 * pass runs (a restart, resync or retry of a node that shows Ready or Degraded for this
 * generation), else the phase entered because of `context.trigger` and the whole status. A pass
 * that ends where status already stands yields exactly the stored status, so the status writer
 * sends nothing. A pass that is merely waiting (`lastApply.outcome`) is shown.
 */
export const nodePublication = (input: NodePublicationInput): NodePublication | undefined => {
  const { context, status, generation, now } = input;
  const phase = publishedNodePhase(input.phase);
  if (phase === undefined) return undefined;
  if (
    phase === nodePhases.applying &&
    context.lastApply?.outcome.kind !== 'waiting' &&
    isVerificationPass(input.published, status, generation)
  ) {
    return undefined;
  }
  const published = enterPhase(input.published, phase, context.trigger, now);
  const observedGeneration =
    phase === nodePhases.ready || phase === nodePhases.degraded
      ? (context.renderedGeneration ?? generation)
      : generation;
  return {
    published,
    status: nodeStatusOf(
      published,
      context,
      status,
      observedGeneration,
      now,
      phase === nodePhases.deleting ? input.cleanup : undefined,
      input.completions,
    ),
  };
};
