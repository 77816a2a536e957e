// A running form: form.machine with its real actors, status published from its snapshots and the node cache, events when validity changes (SPEC F1–F4, O1, O2).
import type { Logger } from 'pino';
import { createActor, fromPromise, type SnapshotFrom } from 'xstate';
import {
  conditionReasons,
  conditionStatuses,
  formConditionTypes,
  nodeConditionTypes,
} from '../api/conditions.js';
import { groupVersion } from '../api/crd-builder.js';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { canonicalJson } from '../api/canonical-json.js';
import { rolloutPhases } from '../api/phases.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { NodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import { lynqStatusPath } from '../kube/lynq-paths.js';
import type { StatusWriter } from '../kube/status-writer.js';
import type {
  FormObservation,
  FormRef,
  FormSyncInput,
  FormSyncOutput,
  FormValidateInput,
  FormValidateOutput,
} from '../machines/form.contract.js';
import { formMachine, formPhaseOf } from '../machines/form.machine.js';
import type { RolloutPlan } from '../reconcile/rollout-plan.js';
import type { TemplateEnvironment } from '../render/environment.js';
import { coalescedCall } from './coalesced-call.js';
import { formConditions, maxMessageLength, warningsText } from './form-conditions.js';
import { leadingThrottle } from './leading-throttle.js';
import { nodesFailedEvents, type FailedNode } from './node-change-summary.js';
import { nextRolloutTimes, rolloutStatus, type RolloutTimes } from './form-rollout-status.js';
import {
  rolloutPlanOf,
  syncFormRevisions,
  validateFormOnce,
  type FormPorts,
  type RevisionWrites,
} from './form-sync.actor.js';
import {
  enterPhase,
  nextConditions,
  publishedStateOf,
  type PublishedState,
} from './published-state.js';

export interface FormActorDeps {
  readonly ports: FormPorts;
  /**
   * The template environment with the real function library (SPEC F1: every template parses),
   * loaded when the first form is validated.
   */
  readonly env: () => Promise<TemplateEnvironment>;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** An info line per node of the form that turns failed (SPEC O5). */
  readonly nodeLog?: NodeLifecycleLog;
  /** Validity changed (or was first known): the hub re-plans its nodes (SPEC F2, H10). */
  readonly validityChanged: (form: FormRef) => void;
  /** How long node status changes gather before the form recounts its nodes. Default 200 ms. */
  readonly recountDelayMs?: number;
  /**
   * Least time between two node-change wake-ups of the form: the first goes at once (a freed
   * rollout slot is taken at once, F4), a burst (a hub creating 10,000 nodes) costs one pass
   * per spacing instead of a pass over every node per node event. Default 100 ms.
   */
  readonly nodesChangedSpacingMs?: number;
  readonly now?: () => Date;
  /**
   * The actor failed unexpectedly and has stopped: its supervisor starts a new one from the
   * object's status later (DESIGN 10). Absent = only logged.
   */
  readonly failed?: (error: unknown) => void;
}

export interface FormActor {
  /** The reflector saw the form added or changed. */
  observe(form: LynqForm): void;
  /** The form's hub appeared or went away. */
  hubChanged(): void;
  /** A node of the form appeared, went, or its revision changed. */
  nodesChanged(): void;
  /** Only the status of a node changed: the counts may have (SPEC F3). */
  nodeStatusChanged(): void;
  /**
   * Whether the hub may create and update nodes of this form: validated at its current
   * generation and found valid. Unknown (not yet validated) counts as not valid (SPEC F2).
   */
  isValid(): boolean;
  snapshot(): SnapshotFrom<typeof formMachine>;
  stop(): void;
}

const observeForm = (form: LynqForm): FormObservation => ({
  generation: form.metadata.generation ?? 0,
  deleting: form.metadata.deletionTimestamp !== undefined,
});

/** Phases a person needs to see; validating and syncing are passes that publish nothing (SPEC O2). */
const publishedPhase = (phase: string): boolean => phase !== 'Validating' && phase !== 'Syncing';

const hasCondition = (node: LynqNode, type: string): boolean =>
  node.status?.conditions?.some((c) => c.type === type && c.status === conditionStatuses.true) ??
  false;

const validityOf = (form: LynqForm | undefined): boolean | undefined => {
  const valid = form?.status?.conditions?.find((c) => c.type === formConditionTypes.valid);
  return valid === undefined ? undefined : valid.status === conditionStatuses.true;
};

/** Starts a form actor; it waits in `pending` until the first `observe`. */
export const startFormActor = (ref: FormRef, deps: FormActorDeps): FormActor => {
  const now = (): string => (deps.now?.() ?? new Date()).toISOString();
  const nowMillis = (): number => (deps.now?.() ?? new Date()).getTime();
  const logger = deps.logger.child({ kind: 'LynqForm', namespace: ref.namespace, name: ref.name });
  const written: RevisionWrites = new Map();
  const machine = formMachine.provide({
    actors: {
      validateForm: fromPromise<FormValidateOutput, FormValidateInput>(({ input }) =>
        deps.env().then((env) => validateFormOnce(deps.ports, env, input.form)),
      ),
      syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(({ input, signal }) =>
        syncFormRevisions(deps.ports, input.form, signal, written, nowMillis),
      ),
    },
  });
  const actor = createActor(machine, { input: { form: ref } });
  const statusPath = lynqStatusPath('lynqforms', ref.namespace, ref.name);

  let latest: LynqForm | undefined;
  let published: PublishedState | undefined;
  let lastContent: string | undefined;
  /** The validity last announced (event, hub); from status at start, so a restart is silent. */
  let announced: boolean | undefined;
  let announcedToHub: boolean | undefined;
  let lastErrorText: string | undefined;
  /** The rollout's times, from status at start, so a restart keeps them (DESIGN 1). */
  let rolloutTimes: RolloutTimes | undefined;
  /** The failed nodes last reported (event), from status at start, so a restart repeats nothing. */
  let reportedFailure: string | undefined;
  /** Names of the nodes last seen Degraded: a node is reported when it joins, again after it left. */
  let failedNodes = new Set<string>();

  const involved = () => ({
    apiVersion: groupVersion,
    kind: 'LynqForm',
    namespace: ref.namespace,
    name: ref.name,
    uid: latest?.metadata.uid ?? '',
  });

  const currentValidity = (snapshot: SnapshotFrom<typeof formMachine>): boolean | undefined => {
    const { context } = snapshot;
    if (context.valid === undefined || snapshot.matches('validating')) return undefined;
    if (context.validatedGeneration !== (latest?.metadata.generation ?? 0)) return undefined;
    return context.valid;
  };

  const publish = (snapshot: SnapshotFrom<typeof formMachine>): void => {
    const form = latest;
    if (form === undefined) return;
    const phase = formPhaseOf(snapshot.value);
    const { context } = snapshot;
    if (!publishedPhase(phase) || context.valid === undefined) return;
    const stamp = now();
    published = enterPhase(
      published ?? publishedStateOf(form.status),
      phase,
      context.trigger,
      stamp,
    );
    const allNodes = deps.ports.nodesOfForm(ref);
    const nodes = allNodes.filter((n) => n.metadata.deletionTimestamp === undefined);
    const ready = nodes.filter((n) => hasCondition(n, nodeConditionTypes.ready));
    const failed = nodes.filter((n) => hasCondition(n, nodeConditionTypes.degraded)).length;
    reportFailedNodes(form, nodes);
    const currentRevision = context.lastSync?.currentRevision ?? form.status?.currentRevision;
    // The same planner as the pass, over the cache as it is now, so counts follow node events.
    const plan =
      currentRevision === undefined
        ? undefined
        : rolloutPlanOf(form, currentRevision, allNodes, written, nowMillis());
    reportRollout(plan);
    const conditions = nextConditions(
      form.status?.conditions,
      formConditions({
        valid: context.valid,
        errors: context.errors,
        warnings: context.warnings,
        phase,
        nodes: { total: nodes.length, ready: ready.length, failed },
        plan,
      }),
      context.validatedGeneration ?? form.metadata.generation ?? 0,
      stamp,
    );
    const content = {
      ...published,
      observedGeneration: context.validatedGeneration ?? form.metadata.generation ?? 0,
      ...(currentRevision === undefined ? {} : { currentRevision }),
      totalNodes: nodes.length,
      readyNodes: ready.length,
      failedNodes: failed,
      ...(plan === undefined || currentRevision === undefined
        ? {}
        : {
            rollout: rolloutStatus(
              (rolloutTimes = nextRolloutTimes(rolloutTimes, currentRevision, plan, stamp)),
              plan,
            ),
          }),
      conditions,
    };
    const text = canonicalJson(content);
    if (text === lastContent) return;
    lastContent = text;
    deps.statusWriter.publish(statusPath, content);
  };

  /**
   * The nodes that turned Degraded since the last look: one Warning `NodesFailed` per node
   * reason on the form, naming them (SPEC O1), and one `Node failed` line each (O5).
   */
  const reportFailedNodes = (form: LynqForm, nodes: readonly LynqNode[]): void => {
    const now = new Map<string, FailedNode>();
    for (const node of nodes) {
      const degraded = node.status?.conditions?.find(
        (c) => c.type === nodeConditionTypes.degraded && c.status === conditionStatuses.true,
      );
      const name = node.metadata.name ?? '';
      if (degraded !== undefined) now.set(name, { name, reason: degraded.reason });
    }
    const fresh = [...now.values()].filter((n) => !failedNodes.has(n.name));
    failedNodes = new Set(now.keys());
    if (fresh.length === 0) return;
    for (const summary of nodesFailedEvents(fresh)) {
      void deps.events.record({ object: involved(), type: 'Warning', ...summary });
    }
    for (const node of fresh) {
      deps.nodeLog?.record({
        action: 'failed',
        hub: `${ref.namespace}/${form.spec.hubId}`,
        form: ref.name,
        node: node.name,
        reason: node.reason,
      });
    }
  };

  /**
   * One Warning `RolloutFailed` per distinct set of failed nodes (F5, O1), and one Normal
   * `RolloutResumed` when the failure clears.
   */
  const reportRollout = (plan: RolloutPlan | undefined): void => {
    if (plan === undefined) return;
    const failure =
      plan.phase === rolloutPhases.failed ? plan.failedNodes.join('\u0000') : undefined;
    if (failure === reportedFailure) return;
    const before = reportedFailure;
    reportedFailure = failure;
    if (failure !== undefined) {
      logger.warn({ failedNodes: plan.failedNodes }, 'Rollout failed');
      void deps.events.record({
        object: involved(),
        type: 'Warning',
        reason: conditionReasons.rolloutFailed,
        message: (plan.message ?? 'The rollout failed').slice(0, maxMessageLength),
      });
    } else if (before !== undefined) {
      logger.info({ phase: plan.phase }, 'Rollout resumed');
      void deps.events.record({
        object: involved(),
        type: 'Normal',
        reason: conditionReasons.rolloutResumed,
        message: `The rollout continues: ${plan.phase}`,
      });
    }
  };

  /** Events only when validity changes (SPEC F1, O1), and the hub hears every change at once. */
  const announce = (snapshot: SnapshotFrom<typeof formMachine>): void => {
    const validity = currentValidity(snapshot);
    if (validity !== announcedToHub) {
      announcedToHub = validity;
      deps.validityChanged(ref);
    }
    if (validity === undefined || validity === announced) return;
    announced = validity;
    const errors = snapshot.context.errors;
    logger.info({ valid: validity, errors }, validity ? 'Form valid' : 'Form invalid');
    void deps.events.record({
      object: involved(),
      type: validity ? 'Normal' : 'Warning',
      reason: validity ? conditionReasons.valid : conditionReasons.invalid,
      message: validity ? 'The form is valid' : errors.join('; '),
    });
  };

  let reportedWarnings: string | undefined;
  /** Valid's message as status showed it when the actor started: a restart repeats nothing. */
  let restoredValidMessage: string | undefined;
  /**
   * One Warning event per distinct set of warnings, at the generation that has them (SPEC O1);
   * a form without warnings clears the memory, so the same set coming back is reported again.
   */
  const reportWarnings = (snapshot: SnapshotFrom<typeof formMachine>): void => {
    if (currentValidity(snapshot) === undefined) return;
    const warnings = snapshot.context.warnings;
    const set = warnings.join('\u0000');
    if (set === reportedWarnings) return;
    const alreadyShown =
      reportedWarnings === undefined &&
      warnings.length > 0 &&
      restoredValidMessage?.endsWith(warningsText(warnings)) === true;
    reportedWarnings = set;
    if (warnings.length === 0 || alreadyShown) return;
    logger.warn({ warnings }, 'Form warnings');
    void deps.events.record({
      object: involved(),
      type: 'Warning',
      reason: conditionReasons.resourceKindMismatch,
      message: warnings.join('; ').slice(0, maxMessageLength),
    });
  };

  const reportError = (snapshot: SnapshotFrom<typeof formMachine>): void => {
    const error = snapshot.context.lastError;
    const text = error === undefined ? undefined : `${error.code}: ${error.message}`;
    if (text === lastErrorText) return;
    lastErrorText = text;
    if (error !== undefined)
      logger.warn({ code: error.code, message: error.message }, 'Form sync failed');
  };

  // Counting is a pass over every node of the form: one per window, not one per node event.
  const recount = coalescedCall(() => {
    publish(actor.getSnapshot());
  }, deps.recountDelayMs ?? 200);

  const nodesChanged = leadingThrottle(() => {
    actor.send({ type: 'nodes.changed' });
  }, deps.nodesChangedSpacingMs ?? 100);

  actor.subscribe({
    next: (snapshot) => {
      reportError(snapshot);
      announce(snapshot);
      reportWarnings(snapshot);
      publish(snapshot);
    },
    error: (err: unknown) => {
      logger.error({ err }, 'Form actor failed');
      deps.failed?.(err);
    },
  });
  actor.start();

  return {
    observe: (form) => {
      if (latest === undefined) {
        announced = validityOf(form);
        restoredValidMessage = form.status?.conditions?.find(
          (c) => c.type === formConditionTypes.valid,
        )?.message;
        if (form.status !== undefined) {
          // A rebuilt actor whose form already shows this content publishes nothing (SPEC O2).
          lastContent = canonicalJson(form.status);
        }
        const rollout = form.status?.rollout;
        if (rollout?.targetRevision !== undefined && rollout.startTime !== undefined) {
          rolloutTimes = {
            target: rollout.targetRevision,
            startTime: rollout.startTime,
            ...(rollout.completionTime === undefined
              ? {}
              : { completionTime: rollout.completionTime }),
          };
        }
        if (rollout?.phase === rolloutPhases.failed) {
          reportedFailure = (rollout.failedNodeNames ?? []).join('\u0000');
        }
      }
      latest = form;
      deps.statusWriter.observe(statusPath, form.status);
      actor.send({ type: 'form.observed', observation: observeForm(form) });
    },
    hubChanged: () => {
      actor.send({ type: 'hub.changed' });
    },
    nodesChanged: () => {
      nodesChanged.request();
    },
    nodeStatusChanged: () => {
      recount.request();
    },
    isValid: () => currentValidity(actor.getSnapshot()) === true,
    snapshot: () => actor.getSnapshot(),
    stop: () => {
      recount.cancel();
      nodesChanged.cancel();
      actor.stop();
      deps.statusWriter.forget(statusPath);
    },
  };
};
