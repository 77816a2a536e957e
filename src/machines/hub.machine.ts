// The LynqHub lifecycle as a pure statechart: when to sync, back off, suspend and finalize (SPEC H1, H7, H8, H10, H11).
import { assign, fromPromise, setup } from 'xstate';
import { conditionReasons } from '../api/conditions.js';
import { retryBackoffMillis } from './retry-backoff.js';
import {
  rowsReadDetail,
  syncOutputDetail,
  type HubObservation,
  type HubFinalizeInput,
  type HubRef,
  type HubSyncFailure,
  type HubSyncInput,
  type HubSyncOutput,
} from './hub.contract.js';
import { thrownFailure } from './thrown-failure.js';

/** The counts a failed sync carried, if it got that far. */
const syncOutputOf = (error: unknown): HubSyncOutput | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { details } = error as { details?: Readonly<Record<string, unknown>> };
  const output = details?.[syncOutputDetail];
  return typeof output === 'object' && output !== null && 'desired' in output
    ? (output as HubSyncOutput)
    : undefined;
};

export interface HubContext {
  readonly hub: HubRef;
  readonly observed: HubObservation | undefined;
  /** The reconcile-at value already acted upon. */
  readonly handledReconcileAt: string | undefined;
  /** The generation the last sync started from; status writes do not change it. */
  readonly syncedGeneration: number | undefined;
  /** A form changed or a sync was asked for while one was running: sync again right after. */
  readonly resyncRequested: boolean;
  /** Consecutive failed syncs, for the backoff. */
  readonly failures: number;
  readonly lastError: HubSyncFailure | undefined;
  /**
   * Kept across failures: a failed sync never erases the last good counts (SPEC H7). A sync that
   * read and counted the rows, then failed to write, replaces them: they are the newest.
   */
  readonly lastGood: HubSyncOutput | undefined;
  /** The event that caused the current state (SPEC O2). */
  readonly trigger: string;
}

/**
 * What caused a state, as status shows it (`phaseReason`, `transitions[].event`): domain events,
 * never the library's internal event names. A failure appends its code:
 * `datasource.failed: DatasourceAuthFailed`.
 */
export const hubTriggers = {
  /** The actor started and has not seen its hub yet. */
  started: 'actor.started',
  /** The hub object was seen: first sight, a new generation or a new reconcile-at value. */
  observed: 'hub.observed',
  /** `spec.suspend` became true (SPEC H11). */
  suspended: 'hub.suspended',
  /** The hub got a deletion timestamp (SPEC H8). */
  deletionRequested: 'deletion.requested',
  /** A form of the hub was created, changed or deleted (SPEC H10). */
  formsChanged: 'forms.changed',
  /** A sync was asked for (a new allow-deletions token, SPEC H9). */
  syncRequested: 'sync.requested',
  /** The database reported a change of the hub's table (change detection, SPEC H1b). */
  rowsChanged: 'rows.changed',
  /** Something asked for a sync while one ran; it runs right after. */
  resyncRequested: 'resync.requested',
  /** The poll period elapsed (SPEC H1). */
  syncDue: 'sync.due',
  /** The backoff after a failed sync or finalization elapsed (SPEC H7). */
  backoffElapsed: 'backoff.elapsed',
  /** A sync read the rows and wrote what they ask for. */
  rowsRead: 'rows.read',
  /** A sync failed talking to the datasource (codes `Datasource*`, SPEC H7). */
  datasourceFailed: 'datasource.failed',
  /** A sync failed for another reason: a Secret, an identifier, a node write, the API server. */
  syncFailed: 'sync.failed',
  /** Deleting the hub's nodes or its finalizer failed (SPEC H8). */
  finalizeFailed: 'finalize.failed',
} as const;

/** `datasource.failed: <code>` for datasource codes, `sync.failed: <code>` for any other. */
const syncFailedTrigger = (failure: HubSyncFailure): string =>
  `${failure.code.startsWith('Datasource') ? hubTriggers.datasourceFailed : hubTriggers.syncFailed}: ${failure.code}`;

export type HubEvent =
  | { readonly type: 'hub.observed'; readonly observation: HubObservation }
  | { readonly type: 'forms.changed' }
  | { readonly type: 'sync.requested' }
  /** A hint from change detection (SPEC H1b): read again soon. Never carries rows. */
  | { readonly type: 'rows.changed' };

export interface HubInput {
  readonly hub: HubRef;
}

const defaultSyncIntervalMillis = 30_000;
/**
 * Retries while the API server is unreachable stay this close together, so a hub recovers
 * within seconds of an outage, as its watches do. Such a retry costs one refused GET of
 * a Secret, or a read of the rows when the sync got that far.
 */
const unreachableRetryCapMillis = 2_000;

/** Exponential backoff from 1 s, capped at the sync interval (SPEC H7). */
export const hubRetryDelayMillis = (failures: number, syncIntervalMillis: number): number =>
  retryBackoffMillis(failures, syncIntervalMillis);

/** The delay before the next attempt after `lastError`. */
const retryDelayAfter = (context: HubContext): number => {
  const interval = context.observed?.syncIntervalMillis ?? defaultSyncIntervalMillis;
  const unreachable = context.lastError?.code === conditionReasons.kubernetesUnreachable;
  return hubRetryDelayMillis(
    context.failures,
    unreachable ? Math.min(interval, unreachableRetryCapMillis) : interval,
  );
};

const syncFailure = (error: unknown): HubSyncFailure => {
  const { code, message, details } = thrownFailure(error);
  return {
    code: code ?? 'SyncFailed',
    message,
    // Unmarked means not known to have read: never claim a reachable datasource by default.
    rowsRead: details?.[rowsReadDetail] === true,
  };
};

export const hubMachine = setup({
  types: {
    context: {} as HubContext,
    events: {} as HubEvent,
    input: {} as HubInput,
  },
  actors: {
    /** Reads the rows and writes the node changes; rejects with a coded error (fails closed). */
    syncHub: fromPromise<HubSyncOutput, HubSyncInput>(() => {
      throw new Error('hub.machine: provide syncHub');
    }),
    /** Deletes the hub's nodes, waits for them, then removes the hub's finalizer (SPEC H8). */
    finalizeHub: fromPromise<undefined, HubFinalizeInput>(() => {
      throw new Error('hub.machine: provide finalizeHub');
    }),
  },
  guards: {
    /** The observed hub has a deletion timestamp. */
    isDeleting: ({ event }) => event.type === 'hub.observed' && event.observation.deleting,
    isSuspended: ({ event }) => event.type === 'hub.observed' && event.observation.suspend,
    /** A new generation (spec change, suspend lifted) or a new reconcile-at value (SPEC H11). */
    needsSync: ({ context, event }) =>
      event.type === 'hub.observed' &&
      (event.observation.generation !== context.syncedGeneration ||
        (event.observation.reconcileAt !== undefined &&
          event.observation.reconcileAt !== context.handledReconcileAt)),
    isResyncRequested: ({ context }) => context.resyncRequested,
  },
  delays: {
    syncInterval: ({ context }) =>
      context.observed?.syncIntervalMillis ?? defaultSyncIntervalMillis,
    retryBackoff: ({ context }) => retryDelayAfter(context),
  },
  actions: {
    recordObservation: assign({
      observed: ({ event, context }) =>
        event.type === 'hub.observed' ? event.observation : context.observed,
    }),
    recordTrigger: assign((_, params: { readonly trigger: string }) => ({
      trigger: params.trigger,
    })),
    requestResync: assign({ resyncRequested: true }),
    startSync: assign({
      resyncRequested: false,
      handledReconcileAt: ({ context }) => context.observed?.reconcileAt,
      syncedGeneration: ({ context }) => context.observed?.generation,
    }),
  },
}).createMachine({
  id: 'hub',
  context: ({ input }) => ({
    hub: input.hub,
    observed: undefined,
    handledReconcileAt: undefined,
    syncedGeneration: undefined,
    resyncRequested: false,
    failures: 0,
    lastError: undefined,
    lastGood: undefined,
    trigger: hubTriggers.started,
  }),
  initial: 'pending',
  // Observations arrive on every change of the hub object, our own status writes included: only
  // deletion, suspension, a new generation or a new reconcile-at value lead anywhere.
  on: {
    'hub.observed': [
      {
        guard: 'isDeleting',
        target: '.deleting',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: hubTriggers.deletionRequested } },
        ],
      },
      {
        guard: 'isSuspended',
        target: '.suspended',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: hubTriggers.suspended } },
        ],
      },
      {
        guard: 'needsSync',
        target: '.syncing',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: hubTriggers.observed } },
        ],
      },
      { actions: 'recordObservation' },
    ],
  },
  states: {
    pending: {
      description: 'Waiting for the hub object to be observed.',
    },
    syncing: {
      entry: 'startSync',
      invoke: {
        src: 'syncHub',
        input: ({ context }) => ({
          hub: context.hub,
          generation: context.observed?.generation ?? 0,
        }),
        onDone: {
          target: 'ready',
          actions: assign({
            lastGood: ({ event }) => event.output,
            failures: 0,
            lastError: undefined,
            trigger: hubTriggers.rowsRead,
          }),
        },
        onError: {
          target: 'degraded',
          actions: assign(({ context, event }) => {
            const failure = syncFailure(event.error);
            return {
              failures: context.failures + 1,
              lastError: failure,
              // Counts of rows read before a write failed are fresh; otherwise the last good stay.
              lastGood: syncOutputOf(event.error) ?? context.lastGood,
              trigger: syncFailedTrigger(failure),
            };
          }),
        },
      },
      on: {
        'forms.changed': { actions: 'requestResync' },
        'sync.requested': { actions: 'requestResync' },
        // Any number of change hints during a sync make one more sync after it (coalescing).
        'rows.changed': { actions: 'requestResync' },
        // A spec change during a sync: finish this one, then sync again with the new spec.
        'hub.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: hubTriggers.deletionRequested } },
            ],
          },
          {
            guard: 'isSuspended',
            target: 'suspended',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: hubTriggers.suspended } },
            ],
          },
          { guard: 'needsSync', actions: ['recordObservation', 'requestResync'] },
          { actions: 'recordObservation' },
        ],
      },
    },
    ready: {
      always: {
        guard: 'isResyncRequested',
        target: 'syncing',
        actions: { type: 'recordTrigger', params: { trigger: hubTriggers.resyncRequested } },
      },
      after: {
        syncInterval: {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.syncDue } },
        },
      },
      on: {
        'rows.changed': {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.rowsChanged } },
        },
        'forms.changed': {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.formsChanged } },
        },
        'sync.requested': {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.syncRequested } },
        },
      },
    },
    degraded: {
      after: {
        retryBackoff: {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.backoffElapsed } },
        },
      },
      on: {
        'forms.changed': {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.formsChanged } },
        },
        'sync.requested': {
          target: 'syncing',
          actions: { type: 'recordTrigger', params: { trigger: hubTriggers.syncRequested } },
        },
        // A failing hub keeps its backoff (SPEC H7): change hints do not hammer the database.
        'rows.changed': {},
      },
    },
    suspended: {
      description: 'spec.suspend: no syncs and no node changes (SPEC H11).',
      on: {
        'hub.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: hubTriggers.deletionRequested } },
            ],
          },
          { guard: 'isSuspended', actions: 'recordObservation' },
          {
            target: 'syncing',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: hubTriggers.observed } },
            ],
          },
        ],
        'forms.changed': {},
        'sync.requested': {},
        'rows.changed': {},
      },
    },
    deleting: {
      initial: 'finalizing',
      on: {
        // Nothing takes a hub out of deletion; keep the latest observation only.
        'hub.observed': { actions: 'recordObservation' },
        'forms.changed': {},
        'sync.requested': {},
        'rows.changed': {},
      },
      states: {
        finalizing: {
          invoke: {
            src: 'finalizeHub',
            input: ({ context }) => ({ hub: context.hub }),
            onDone: '#hub.deleted',
            onError: {
              target: 'retrying',
              actions: assign(({ context, event }) => {
                const failure = syncFailure(event.error);
                return {
                  failures: context.failures + 1,
                  lastError: failure,
                  trigger: `${hubTriggers.finalizeFailed}: ${failure.code}`,
                };
              }),
            },
          },
        },
        retrying: {
          after: {
            retryBackoff: {
              target: 'finalizing',
              actions: { type: 'recordTrigger', params: { trigger: hubTriggers.backoffElapsed } },
            },
          },
        },
      },
    },
    deleted: {
      type: 'final',
    },
  },
});

/** Published hub phases (SPEC O2). */
export const hubPhaseOf = (value: unknown): string => {
  const top = typeof value === 'string' ? value : (Object.keys(value as object)[0] ?? 'pending');
  const phases: Readonly<Record<string, string>> = {
    pending: 'Pending',
    syncing: 'Syncing',
    ready: 'Ready',
    degraded: 'Degraded',
    suspended: 'Suspended',
    deleting: 'Deleting',
    deleted: 'Deleting',
  };
  return phases[top] ?? 'Pending';
};
