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
import { formReadiness, kstatusConditions } from '../api/ready-condition.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import { lynqStatusPath } from '../kube/lynq-paths.js';
import type { StatusWriter } from '../kube/status-writer.js';
import {
  formMachine,
  formPhaseOf,
  type FormObservation,
  type FormRef,
  type FormSyncInput,
  type FormSyncOutput,
  type FormValidateInput,
  type FormValidateOutput,
} from '../machines/form.machine.js';
import type { TemplateEnvironment } from '../render/environment.js';
import { coalescedCall } from './coalesced-call.js';
import {
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
  /** The template environment with the real function library (SPEC F1: every template parses). */
  readonly env: TemplateEnvironment;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** Validity changed (or was first known): the hub re-plans its nodes (SPEC F2, H10). */
  readonly validityChanged: (form: FormRef) => void;
  /** How long node status changes gather before the form recounts its nodes. Default 200 ms. */
  readonly recountDelayMs?: number;
  readonly now?: () => Date;
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

export const observeForm = (form: LynqForm): FormObservation => ({
  generation: form.metadata.generation ?? 0,
  deleting: form.metadata.deletionTimestamp !== undefined,
});

/** Phases a person needs to see; validating and syncing are passes that publish nothing (SPEC O2). */
const publishedPhase = (phase: string): boolean => phase !== 'Validating' && phase !== 'Syncing';

/** Kubernetes caps condition messages at 32768 bytes; stay well below. */
const maxMessageLength = 16_000;

const hasCondition = (node: LynqNode, type: string): boolean =>
  node.status?.conditions?.some((c) => c.type === type && c.status === conditionStatuses.true) ??
  false;

/** How warnings ride along in Valid's message: they never make the form invalid (SPEC F1). */
const warningsText = (warnings: readonly string[]): string =>
  warnings.length === 0 ? '' : `; ${String(warnings.length)} warning(s): ${warnings.join('; ')}`;

const validityOf = (form: LynqForm | undefined): boolean | undefined => {
  const valid = form?.status?.conditions?.find((c) => c.type === formConditionTypes.valid);
  return valid === undefined ? undefined : valid.status === conditionStatuses.true;
};

/** Starts a form actor; it waits in `pending` until the first `observe`. */
export const startFormActor = (ref: FormRef, deps: FormActorDeps): FormActor => {
  const now = (): string => (deps.now?.() ?? new Date()).toISOString();
  const logger = deps.logger.child({ kind: 'LynqForm', namespace: ref.namespace, name: ref.name });
  const written: RevisionWrites = new Map();
  const machine = formMachine.provide({
    actors: {
      validateForm: fromPromise<FormValidateOutput, FormValidateInput>(({ input }) =>
        Promise.resolve(validateFormOnce(deps.ports, deps.env, input.form)),
      ),
      syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(({ input, signal }) =>
        syncFormRevisions(deps.ports, input.form, signal, written),
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
    const nodes = deps.ports
      .nodesOfForm(ref)
      .filter((n) => n.metadata.deletionTimestamp === undefined);
    const ready = nodes.filter((n) => hasCondition(n, nodeConditionTypes.ready));
    const failed = nodes.filter((n) => hasCondition(n, nodeConditionTypes.degraded)).length;
    const currentRevision = context.lastSync?.currentRevision ?? form.status?.currentRevision;
    const updated = nodes.filter(
      (n) => currentRevision !== undefined && n.spec.revision === currentRevision,
    );
    const readyUpdated = updated.filter((n) => hasCondition(n, nodeConditionTypes.ready)).length;
    // Suspended with nodes behind: the rollout waits for the form to be unsuspended.
    const held = snapshot.matches('suspended') && updated.length < nodes.length;
    const errors = context.errors;
    const warningText = warningsText(context.warnings);
    const allReady = ready.length === nodes.length;
    const conditions = nextConditions(
      form.status?.conditions,
      [
        context.valid
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
              message:
                `${String(errors.length)} error(s): ${errors.join('; ')}${warningText}`.slice(
                  0,
                  maxMessageLength,
                ),
            },
        // An invalid form applied nothing: its nodes keep what they had (SPEC F2).
        context.valid
          ? {
              type: formConditionTypes.applied,
              status: allReady ? 'True' : 'False',
              reason: allReady ? conditionReasons.allNodesReady : conditionReasons.nodesNotReady,
              message: `${String(ready.length)} of ${String(nodes.length)} nodes ready, ${String(failed)} failed`,
            }
          : {
              type: formConditionTypes.applied,
              status: 'False',
              reason: conditionReasons.invalid,
              message: `Not applied while the form is invalid; its nodes keep their revision: ${String(ready.length)} of ${String(nodes.length)} ready, ${String(failed)} failed`,
            },
        // Ready only when valid and every node is Ready (SPEC O2, kstatus).
        ...kstatusConditions(
          formReadiness({
            phase,
            valid: context.valid,
            errors,
            nodes: { total: nodes.length, ready: ready.length, failed },
          }),
        ).map((c) => ({ ...c, message: c.message.slice(0, maxMessageLength) })),
      ],
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
      ...(currentRevision === undefined
        ? {}
        : {
            rollout: {
              phase: held
                ? rolloutPhases.paused
                : nodes.length === 0
                  ? rolloutPhases.idle
                  : updated.length === nodes.length && readyUpdated === nodes.length
                    ? rolloutPhases.complete
                    : rolloutPhases.inProgress,
              targetRevision: currentRevision,
              updatedNodes: updated.length,
              updatingNodes: updated.length - readyUpdated,
              readyUpdatedNodes: readyUpdated,
              ...(held
                ? {
                    message: `Suspended (spec.suspend): ${String(nodes.length - updated.length)} of ${String(nodes.length)} nodes keep an older revision; unsuspend to roll out`,
                  }
                : {}),
            },
          }),
      conditions,
    };
    const text = canonicalJson(content);
    if (text === lastContent) return;
    lastContent = text;
    deps.statusWriter.publish(statusPath, content);
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

  actor.subscribe({
    next: (snapshot) => {
      reportError(snapshot);
      announce(snapshot);
      reportWarnings(snapshot);
      publish(snapshot);
    },
    error: (err: unknown) => {
      logger.error({ err }, 'Form actor failed');
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
      }
      latest = form;
      deps.statusWriter.observe(statusPath, form.status);
      actor.send({ type: 'form.observed', observation: observeForm(form) });
    },
    hubChanged: () => {
      actor.send({ type: 'hub.changed' });
    },
    nodesChanged: () => {
      actor.send({ type: 'nodes.changed' });
    },
    nodeStatusChanged: () => {
      recount.request();
    },
    isValid: () => currentValidity(actor.getSnapshot()) === true,
    snapshot: () => actor.getSnapshot(),
    stop: () => {
      recount.cancel();
      actor.stop();
      deps.statusWriter.forget(statusPath);
    },
  };
};
