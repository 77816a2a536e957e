// The LynqForm lifecycle as a pure statechart: validate every change, then cut revisions and move nodes at the rollout's pace while valid and not suspended (SPEC §1, F1–F6).
import { assign, fromPromise, setup } from 'xstate';
import { retryBackoffMillis } from './retry-backoff.js';
import type {
  FormFailure,
  FormObservation,
  FormRef,
  FormSyncInput,
  FormSyncOutput,
  FormValidateInput,
  FormValidateOutput,
} from './form.contract.js';
import { thrownFailure } from './thrown-failure.js';

export interface FormContext {
  readonly form: FormRef;
  readonly observed: FormObservation | undefined;
  /** The generation the last validation started from. */
  readonly validatedGeneration: number | undefined;
  /** The errors of the last validation; empty when valid. */
  readonly errors: readonly string[];
  /** The warnings of the last validation; they never make the form invalid. */
  readonly warnings: readonly string[];
  /** `undefined` until the first validation has finished. */
  readonly valid: boolean | undefined;
  readonly lastSync: FormSyncOutput | undefined;
  /** Nodes changed while a pass ran: run another right after. */
  readonly resyncRequested: boolean;
  readonly failures: number;
  readonly lastError: FormFailure | undefined;
  /** The event that caused the current state (SPEC O2). */
  readonly trigger: string;
}

/**
 * What caused a state, as status shows it (`phaseReason`, `transitions[].event`): domain events,
 * never the library's internal event names. A failure appends its code:
 * `revisions.failed: KubernetesUnreachable`.
 */
export const formTriggers = {
  /** The actor started and has not seen its form yet. */
  started: 'actor.started',
  /** The form object was seen with a new generation (SPEC F1: validated on every change). */
  observed: 'form.observed',
  /** The form got a deletion timestamp (SPEC F6). */
  deletionRequested: 'deletion.requested',
  /** The form's hub appeared or went away (SPEC F1 "hub exists"). */
  hubChanged: 'hub.changed',
  /** A node of the form appeared, went, or moved; possibly while a pass ran. */
  nodesChanged: 'nodes.changed',
  /** Validation found no error (SPEC F1). */
  validated: 'form.validated',
  /** Validation found errors: no node is created or moved (SPEC F1, F2). */
  invalid: 'form.invalid',
  /** Validation could not run (the cache or API server failed). */
  validationFailed: 'validation.failed',
  /** A pass moved the nodes to the current revision (SPEC F4). */
  revisionsSynced: 'revisions.synced',
  /** A pass of a suspended form: only new nodes got the current revision (SPEC §1 suspend). */
  revisionsHeld: 'revisions.held',
  /** A pass over revisions and nodes failed. */
  revisionsFailed: 'revisions.failed',
  /** The backoff after a failure elapsed. */
  backoffElapsed: 'backoff.elapsed',
  /** A node's progress deadline came: it is Ready by now or fails the rollout (F5). */
  progressDeadline: 'rollout.deadline',
} as const;

export type FormEvent =
  | { readonly type: 'form.observed'; readonly observation: FormObservation }
  /** The form's hub appeared or went away: validity may have changed (F1 "hub exists"). */
  | { readonly type: 'hub.changed' }
  /** A node of the form appeared, went, or its revision changed. */
  | { readonly type: 'nodes.changed' };

export interface FormInput {
  readonly form: FormRef;
}

const maxBackoffMillis = 60_000;

/**
 * How long after a node's progress deadline the form looks again: timers may fire a
 * millisecond early, and a look before the deadline would find nothing and wait again.
 */
const deadlineMarginMillis = 50;

/** Exponential backoff from 1 s, capped at 60 s. */
export const formRetryDelayMillis = (failures: number): number =>
  retryBackoffMillis(failures, maxBackoffMillis);

const failureOf = (error: unknown): FormFailure => {
  const { code, message } = thrownFailure(error);
  return { code: code ?? 'FormSyncFailed', message };
};

/** A settled form syncs again when its nodes changed (valid and suspended alike). */
const resyncForNodes = {
  target: 'syncing',
  actions: { type: 'recordTrigger', params: { trigger: formTriggers.nodesChanged } },
} as const;

export const formMachine = setup({
  types: {
    context: {} as FormContext,
    events: {} as FormEvent,
    input: {} as FormInput,
  },
  actors: {
    /** Validates the form as the cache holds it now (SPEC F1). */
    validateForm: fromPromise<FormValidateOutput, FormValidateInput>(() => {
      throw new Error('form.machine: provide validateForm');
    }),
    /**
     * Makes the revision of the valid spec, writes it to every node of the form that lacks it,
     * deletes revisions no node uses (SPEC F4, DESIGN 5).
     */
    syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(() => {
      throw new Error('form.machine: provide syncRevisions');
    }),
  },
  guards: {
    isDeleting: ({ event }) => event.type === 'form.observed' && event.observation.deleting,
    /** A new generation: the spec changed (status writes do not change it). */
    isNewGeneration: ({ context, event }) =>
      event.type === 'form.observed' &&
      event.observation.generation !== context.validatedGeneration,
    hasNoErrors: ({ event }) =>
      'output' in event && (event.output as FormValidateOutput).errors.length === 0,
    isResyncRequested: ({ context }) => context.resyncRequested,
    isSuspended: ({ event }) =>
      'output' in event && (event.output as FormSyncOutput).suspended === true,
    /** A node is updating: its progress deadline is a timer of this rollout (F5). */
    hasProgressDeadline: ({ context }) => context.lastSync?.nextDeadlineInMs !== undefined,
  },
  delays: {
    retryBackoff: ({ context }) => formRetryDelayMillis(context.failures),
    progressDeadline: ({ context }) =>
      (context.lastSync?.nextDeadlineInMs ?? 0) + deadlineMarginMillis,
  },
  actions: {
    recordObservation: assign({
      observed: ({ event, context }) =>
        event.type === 'form.observed' ? event.observation : context.observed,
    }),
    recordTrigger: assign((_, params: { readonly trigger: string }) => ({
      trigger: params.trigger,
    })),
    requestResync: assign({ resyncRequested: true }),
    recordValidationFailure: assign(({ context, event }) => {
      const failure = failureOf('error' in event ? event.error : undefined);
      return {
        failures: context.failures + 1,
        lastError: failure,
        trigger: `${formTriggers.validationFailed}: ${failure.code}`,
      };
    }),
    recordSyncFailure: assign(({ context, event }) => {
      const failure = failureOf('error' in event ? event.error : undefined);
      return {
        failures: context.failures + 1,
        lastError: failure,
        trigger: `${formTriggers.revisionsFailed}: ${failure.code}`,
      };
    }),
    startValidation: assign({
      validatedGeneration: ({ context }) => context.observed?.generation,
    }),
  },
}).createMachine({
  id: 'form',
  context: ({ input }) => ({
    form: input.form,
    observed: undefined,
    validatedGeneration: undefined,
    errors: [],
    warnings: [],
    valid: undefined,
    lastSync: undefined,
    resyncRequested: false,
    failures: 0,
    lastError: undefined,
    trigger: formTriggers.started,
  }),
  initial: 'pending',
  // Observations arrive on every change of the form, our own status writes included: only
  // deletion or a new generation lead anywhere.
  on: {
    'form.observed': [
      {
        guard: 'isDeleting',
        target: '.deleting',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: formTriggers.deletionRequested } },
        ],
      },
      {
        guard: 'isNewGeneration',
        target: '.validating',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: formTriggers.observed } },
        ],
      },
      { actions: 'recordObservation' },
    ],
    'hub.changed': {
      target: '.validating',
      actions: { type: 'recordTrigger', params: { trigger: formTriggers.hubChanged } },
    },
  },
  states: {
    pending: {
      description: 'Waiting for the form object to be observed.',
      on: { 'hub.changed': {}, 'nodes.changed': {} },
    },
    validating: {
      entry: 'startValidation',
      invoke: {
        src: 'validateForm',
        input: ({ context }) => ({
          form: context.form,
          generation: context.observed?.generation ?? 0,
        }),
        onDone: [
          {
            guard: 'hasNoErrors',
            target: 'syncing',
            actions: assign({
              errors: [],
              warnings: ({ event }) => event.output.warnings ?? [],
              valid: true,
              trigger: formTriggers.validated,
            }),
          },
          {
            target: 'invalid',
            actions: assign({
              errors: ({ event }) => event.output.errors,
              warnings: ({ event }) => event.output.warnings ?? [],
              valid: false,
              trigger: formTriggers.invalid,
            }),
          },
        ],
        onError: {
          target: 'retrying',
          actions: 'recordValidationFailure',
        },
      },
      on: { 'nodes.changed': { actions: 'requestResync' } },
    },
    syncing: {
      entry: assign({ resyncRequested: false }),
      invoke: {
        src: 'syncRevisions',
        input: ({ context }) => ({ form: context.form }),
        // The pass itself read `spec.suspend`, from the same cached form it synced.
        onDone: [
          {
            guard: 'isSuspended',
            target: 'suspended',
            actions: assign({
              lastSync: ({ event }) => event.output,
              failures: 0,
              lastError: undefined,
              trigger: formTriggers.revisionsHeld,
            }),
          },
          {
            target: 'valid',
            actions: assign({
              lastSync: ({ event }) => event.output,
              failures: 0,
              lastError: undefined,
              trigger: formTriggers.revisionsSynced,
            }),
          },
        ],
        onError: {
          target: 'retrying',
          actions: 'recordSyncFailure',
        },
      },
      on: { 'nodes.changed': { actions: 'requestResync' } },
    },
    valid: {
      description:
        'Valid; every node on the current revision, or moving to it at the rollout pace (F4), or held by a failed rollout (F5).',
      // Only nodes.changed requests a resync during a pass. A node becoming Ready is a
      // nodes.changed too: it frees a slot at once, no polling (F4).
      always: { guard: 'isResyncRequested', ...resyncForNodes },
      on: { 'nodes.changed': resyncForNodes },
      initial: 'settled',
      states: {
        settled: {
          description: 'No node is updating, or the next deadline is being set.',
          always: { guard: 'hasProgressDeadline', target: 'awaitingDeadline' },
        },
        awaitingDeadline: {
          description:
            'Nodes are updating: when the earliest progress deadline comes, look again (F5).',
          after: {
            progressDeadline: {
              target: '#form.syncing',
              actions: {
                type: 'recordTrigger',
                params: { trigger: formTriggers.progressDeadline },
              },
            },
          },
        },
      },
    },
    suspended: {
      description:
        'Valid and suspended (spec.suspend): new nodes get the current revision, no other node moves (SPEC §1).',
      always: { guard: 'isResyncRequested', ...resyncForNodes },
      on: { 'nodes.changed': resyncForNodes },
    },
    invalid: {
      description: 'Invalid: no node is created or moved until the form changes (SPEC F2).',
      on: { 'nodes.changed': {} },
    },
    retrying: {
      after: {
        retryBackoff: {
          target: 'validating',
          actions: { type: 'recordTrigger', params: { trigger: formTriggers.backoffElapsed } },
        },
      },
      on: { 'nodes.changed': { actions: 'requestResync' } },
    },
    deleting: {
      description:
        'Being deleted: its nodes go through the hub (FormGone, SPEC F6); nothing more to do here.',
      on: {
        'form.observed': { actions: 'recordObservation' },
        'hub.changed': {},
        'nodes.changed': {},
      },
    },
  },
});

/** Published form phases (SPEC O2); `validating` and `syncing` are passes that publish nothing. */
export const formPhaseOf = (value: unknown): string => {
  const top = typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? 'pending');
  const phases: Readonly<Record<string, string>> = {
    pending: 'Pending',
    validating: 'Validating',
    syncing: 'Syncing',
    valid: 'Ready',
    suspended: 'Suspended',
    invalid: 'Invalid',
    retrying: 'Degraded',
    deleting: 'Deleting',
  };
  return phases[top] ?? 'Pending';
};
