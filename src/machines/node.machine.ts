// The LynqNode lifecycle as a pure statechart: pending → rendering → applying → ready | degraded; any → deleting (SPEC N1–N10, O2).
import { assertEvent, assign, fromPromise, raise, setup } from 'xstate';
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';
import { retryBackoffMillis } from './retry-backoff.js';
import { thrownFailure } from './thrown-failure.js';

/** What the machine needs to know of a LynqNode object (references into it: no copies). */
export interface NodeObservation {
  readonly generation: number;
  /** The node has a deletion timestamp. */
  readonly deleting: boolean;
  /** `status.appliedResources`: what cleanup has to remove or release (DESIGN 5). */
  readonly appliedResources: readonly AppliedResource[];
  readonly revision: string | undefined;
  /** Position of the cleanup finalizer in `metadata.finalizers`, -1 when absent. */
  readonly cleanupFinalizerIndex: number;
  /** `lynq.sh/skip-cleanup: "true"`: the finalizer goes without cleanup (SPEC N9). */
  readonly skipCleanup?: boolean;
  /** The deletion-protection mark: its objects carry it too, so a change re-applies (SPEC H8). */
  readonly marked?: boolean;
  /** The row's uid (`spec.uid`): cluster-scoped names are checked against it (SPEC N16). */
  readonly rowUid?: string;
}

export interface NodeRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface NodeCleanupInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
}

export interface NodeRenderInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
}

/**
 * A node's render, opaque to the machine: the apply actor alone reads `plan`. A render that
 * cannot run at all rejects instead: retried with backoff when the reason may pass (absent
 * revision, aborted worker, API error), and not before a new generation when the error's `kind`
 * is `InvalidSpec` (a broken dependency graph, `InvalidRevision`).
 */
export interface NodeRenderOutput {
  readonly generation: number;
  readonly revision: string;
  readonly plan: unknown;
  /**
   * Set when the node as a whole cannot render with this revision and these variables (its
   * render time, output or heap budget, T5): every resource of `plan` fails with it, nothing is
   * retried, and only a new generation (new inputs) renders again.
   */
  readonly failure?: NodeRenderFailure;
}

/** A deterministic failure of a whole node's render (`reason`: `RenderBudgetExceeded`). */
export interface NodeRenderFailure {
  readonly reason: string;
  readonly message: string;
  readonly retryable: false;
}

/** An object the node holds that someone else deleted or changed (SPEC N7, N12): where it is. */
export interface DriftedResource {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string | undefined;
  readonly name: string;
}

export interface NodeApplyInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
  readonly render: NodeRenderOutput;
  /** Objects to look at again although their desired hash did not change (SPEC N12). */
  readonly drifted: readonly DriftedResource[];
  /**
   * A periodic verification (SPEC N12 backstop): read every object and write only what is gone,
   * not held, or no longer as last applied. Absent = false.
   */
  readonly verify?: boolean;
}

/** The outcome of one apply pass: what status shows of it (SPEC O2). */
export interface NodeApplyOutput {
  /** Every resource ready (or waiting on nothing that failed). */
  readonly ready: boolean;
  /**
   * Nothing failed, but something is still on its way (a resource that left the form is held
   * by someone else's finalizer): the pass is repeated after the backoff and the node shows
   * Progressing, never Degraded.
   */
  readonly progressing: boolean;
  /**
   * Progressing because a resource is applied but not ready yet (SPEC N8), or held back by one
   * (N2): the node waits for the watches to say it changed, or for its readiness timeout.
   */
  readonly waitingForReady?: boolean;
  /** Progressing because a removed resource is held by someone else's finalizer (N9, N10). */
  readonly waitingOnRemovals?: boolean;
  /** How long until the first waiting resource's readiness timeout (SPEC N8). */
  readonly readinessDeadlineMillis?: number;
  /** Whether trying again without a spec change can help (conflicts, API errors). */
  readonly retryable: boolean;
  readonly reason: string;
  readonly message: string;
  readonly resources: readonly ResourceStatus[];
  readonly appliedResources: readonly AppliedResource[];
  readonly skippedResourceIds: readonly string[];
  readonly desired: number;
  readonly readyCount: number;
  readonly failedCount: number;
  /** Why the node is conflicted (OwnerConflict / ResourceConflict), if any resource is. */
  readonly conflictReason: string | undefined;
}

export interface NodeContext {
  readonly node: NodeRef;
  readonly observed: NodeObservation | undefined;
  /** The generation of the last render (`undefined` before the first). */
  readonly renderedGeneration: number | undefined;
  /** The mark the last apply wrote onto the objects (`undefined` before the first apply). */
  readonly appliedMarked?: boolean | undefined;
  readonly render: NodeRenderOutput | undefined;
  readonly lastApply: NodeApplyOutput | undefined;
  /** Consecutive passes that did not end ready; the backoff grows with it. */
  readonly failures: number;
  /** A failure of the whole node (render or apply could not run). */
  readonly lastError: NodeFailure | undefined;
  /** What caused the current state, one of `nodeTriggers` (SPEC O2: "the event that caused it"). */
  readonly trigger: string;
  /** Drift reported by the watches and not yet handed to a pass (SPEC N12). */
  readonly drifted: readonly DriftedResource[];
  /** A `driftSettle` delay runs: drift reported meanwhile joins the same pass. */
  readonly driftSettling: boolean;
  /** The drift the current apply pass repairs. */
  readonly repairing: readonly DriftedResource[];
  /** The current pass is a periodic verification of a ready node (SPEC N12). */
  readonly verifying?: boolean;
  /**
   * A watch saw an object of the node change readiness (SPEC N8) since the current or last pass
   * began: the next state that can act on it starts a pass.
   */
  readonly readinessChanged?: boolean;
}

/** A failure of a whole pass or of cleanup. */
export interface NodeFailure {
  readonly reason: string;
  readonly message: string;
  /**
   * `false` when the same observation can only fail the same way (a broken dependency graph):
   * the node then waits for a new generation instead of retrying.
   */
  readonly retryable: boolean;
}

/**
 * What caused a state, as status shows it (`phaseReason`, `transitions[].event`). A failure
 * appends its reason: `render.failed: InvalidRevision`.
 */
export const nodeTriggers = {
  /** The actor started without an observation (tests, debugging). */
  started: 'actor.started',
  /** The node object was seen: first sight, a new revision or new variables. */
  observed: 'node.observed',
  /** The node got a deletion timestamp. */
  deletionRequested: 'deletion.requested',
  /** `lynq.sh/skip-cleanup: "true"` appeared while cleaning up. */
  cleanupSkipped: 'cleanup.skipped',
  renderDone: 'render.done',
  renderFailed: 'render.failed',
  applyDone: 'apply.done',
  /** A pass ended with nothing failed but something still on its way. */
  applyProgressing: 'apply.progressing',
  applyFailed: 'apply.failed',
  cleanupFailed: 'cleanup.failed',
  /** The backoff after a failed or unfinished pass elapsed. */
  backoffElapsed: 'backoff.elapsed',
  /** A watch saw an object of the node deleted or changed behind its back (SPEC N12). */
  resourceDrifted: 'resource.drifted',
  /** The periodic verification of a ready node is due (SPEC N12 backstop). */
  resyncDue: 'resync.due',
  /** A watch saw an object of the node become ready, or stop being ready (SPEC N8). */
  readinessChanged: 'resource.readinessChanged',
  /** A waiting resource reached its readiness timeout (SPEC N8). */
  readinessDeadline: 'readiness.deadline',
} as const;

const failedTrigger = (trigger: string, reason: string): string => `${trigger}: ${reason}`;

export type NodeEvent =
  | { readonly type: 'node.observed'; readonly observation: NodeObservation }
  /** A watch saw an object of the node deleted, or changed behind its back (SPEC N7, N12). */
  | { readonly type: 'resource.drifted'; readonly resource: DriftedResource }
  /** Raised by the machine itself once a burst of drift has settled. */
  | { readonly type: 'drift.settled' }
  /** A watch saw an object of the node change readiness (SPEC N8). */
  | { readonly type: 'resource.readinessChanged' };

export interface NodeInput {
  readonly node: NodeRef;
  /** The node as first seen; starting with it saves an event per actor (10,000 at start-up). */
  readonly observation?: NodeObservation;
}

/** The retry backoff's cap: 5 minutes. */
const maxBackoffMillis = 300_000;

/** How long drift reports are gathered before one pass repairs them all. */
export const driftSettleMillis = 250;

/**
 * How long a node stays ready before it verifies its objects (SPEC N12 backstop for a lost
 * watch event). The operator provides a jittered period instead, so nodes started together do
 * not verify together.
 */
export const resyncPeriodMillis = 10 * 60_000;

/** The longest timer Node keeps (about 24.8 days). */
const longestTimerMillis = 2 ** 31 - 1;

const sameResource = (a: DriftedResource, b: DriftedResource): boolean =>
  a.apiVersion === b.apiVersion &&
  a.kind === b.kind &&
  (a.namespace ?? '') === (b.namespace ?? '') &&
  a.name === b.name;

/**
 * The error kind of src/errors.ts `invalidSpecError` (machines import only xstate and src/api,
 * so it is read structurally; the machine test ties the two together).
 */
const invalidSpecKind = 'InvalidSpec';

const errorOf = (error: unknown): NodeFailure => {
  const { code, message, kind } = thrownFailure(error);
  return { reason: code ?? 'Error', message, retryable: kind !== invalidSpecKind };
};

/** What a failed render, apply or cleanup records: one more failure, the error, and why. */
const failedPass = (
  failures: number,
  error: unknown,
  trigger: string,
): Pick<NodeContext, 'failures' | 'lastError' | 'trigger'> => {
  const failure = errorOf(error);
  return {
    failures: failures + 1,
    lastError: failure,
    trigger: failedTrigger(trigger, failure.reason),
  };
};

const phaseByState: Readonly<Record<string, string>> = {
  pending: 'Pending',
  rendering: 'Rendering',
  applying: 'Applying',
  ready: 'Ready',
  degraded: 'Degraded',
  deleting: 'Deleting',
  deleted: 'Deleting',
};

/** The machine's state as a phase name (SPEC O2); sub-states are not published. */
export const nodePhaseOf = (value: unknown): string => {
  const top =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null
        ? Object.keys(value)[0]
        : undefined;
  return phaseByState[top ?? 'pending'] ?? 'Pending';
};

/** What ends either wait of `applying` (removals, readiness): a new spec, settled drift, a readiness change. */
const waitWakeUps = [
  {
    guard: 'isStale',
    target: '#node.rendering',
    actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.observed } },
  },
  {
    guard: 'hasSettledDrift',
    target: 'passing',
    actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.resourceDrifted } },
  },
  {
    guard: 'hasReadinessChange',
    target: 'passing',
    actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.readinessChanged } },
  },
] as const;

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeInput,
  },
  actors: {
    /** Reads the node's revision and renders it with the node's variables (SPEC N1, N14, T7). */
    renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(() => {
      throw new Error('node.machine: provide renderNode');
    }),
    /** Applies a render level by level, and removes what left the form (SPEC N1–N7, N10, N13). */
    applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(() => {
      throw new Error('node.machine: provide applyNode');
    }),
    /**
     * Removes or releases the node's resources, then its finalizer (SPEC N9). Resolves when the
     * finalizer is gone; rejects (and is retried) while anything remains.
     */
    cleanupNode: fromPromise<undefined, NodeCleanupInput>(() => {
      throw new Error('node.machine: provide cleanupNode');
    }),
  },
  guards: {
    isDeleting: ({ event }) => event.type === 'node.observed' && event.observation.deleting,
    isObservedDeleting: ({ context }) => context.observed?.deleting === true,
    hasRevision: ({ context }) => context.observed?.revision !== undefined,
    /**
     * The spec changed since the last render (a new revision or new variables, SPEC N1), or the
     * deletion-protection mark changed since the last apply (SPEC H8).
     */
    isStale: ({ context }) =>
      context.observed?.revision !== undefined &&
      (context.observed.generation !== context.renderedGeneration ||
        (context.appliedMarked !== undefined &&
          (context.observed.marked === true) !== context.appliedMarked)),
    /** A failure of the whole pass decides; else the apply's own verdict (SPEC N6, N14). */
    isRetryable: ({ context }) =>
      context.lastError?.retryable ?? context.lastApply?.retryable !== false,
    /** `lynq.sh/skip-cleanup` newly set: the escape hatch acts at once (SPEC N9). */
    isCleanupNewlySkipped: ({ context, event }) =>
      event.type === 'node.observed' &&
      event.observation.skipCleanup === true &&
      context.observed?.skipCleanup !== true,
    isDriftSettling: ({ context }) => context.driftSettling,
    /** Drift waits and no burst is still gathering: time for a pass (SPEC N12). */
    hasSettledDrift: ({ context }) => context.drifted.length > 0 && !context.driftSettling,
    /** A watch reported a readiness change the last pass did not see (SPEC N8). */
    hasReadinessChange: ({ context }) => context.readinessChanged === true,
  },
  delays: {
    retryBackoff: ({ context }) => retryBackoffMillis(context.failures, maxBackoffMillis),
    driftSettle: driftSettleMillis,
    resyncPeriod: resyncPeriodMillis,
    /** Until the first waiting resource times out (SPEC N8); the longest timer when none can. */
    readinessDeadline: ({ context }) =>
      Math.min(
        Math.max(0, context.lastApply?.readinessDeadlineMillis ?? longestTimerMillis),
        longestTimerMillis,
      ),
  },
  actions: {
    recordObservation: assign({
      observed: ({ event }) => {
        assertEvent(event, 'node.observed');
        return event.observation;
      },
    }),
    recordDrift: assign({
      drifted: ({ context, event }) => {
        assertEvent(event, 'resource.drifted');
        return context.drifted.some((r) => sameResource(r, event.resource))
          ? context.drifted
          : [...context.drifted, event.resource];
      },
    }),
    startDriftSettle: assign({ driftSettling: true }),
    settleDriftLater: raise({ type: 'drift.settled' }, { delay: 'driftSettle' }),
    endDriftSettle: assign({ driftSettling: false }),
    /** The pass repairs what was reported until now; later reports wait for the next pass. */
    takeDrift: assign({ repairing: ({ context }) => context.drifted, drifted: [] }),
    recordMark: assign({ appliedMarked: ({ context }) => context.observed?.marked === true }),
    recordTrigger: assign((_, params: { readonly trigger: string }) => ({
      trigger: params.trigger,
    })),
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({
    node: input.node,
    observed: input.observation,
    renderedGeneration: undefined,
    render: undefined,
    lastApply: undefined,
    failures: 0,
    lastError: undefined,
    trigger: input.observation === undefined ? nodeTriggers.started : nodeTriggers.observed,
    drifted: [],
    driftSettling: false,
    repairing: [],
  }),
  initial: 'pending',
  on: {
    'node.observed': [
      {
        guard: 'isDeleting',
        target: '.deleting',
        actions: [
          'recordObservation',
          { type: 'recordTrigger', params: { trigger: nodeTriggers.deletionRequested } },
        ],
      },
      // A new generation during a pass is picked up when the pass ends (`isStale`).
      { actions: 'recordObservation' },
    ],
    // Kept in every state but deleting; ready, degraded and waiting start a pass once it settles.
    'resource.drifted': [
      { guard: 'isDriftSettling', actions: 'recordDrift' },
      { actions: ['recordDrift', 'startDriftSettle', 'settleDriftLater'] },
    ],
    'drift.settled': { actions: 'endDriftSettle' },
    'resource.readinessChanged': { actions: assign({ readinessChanged: true }) },
  },
  states: {
    pending: {
      description: 'No revision yet: waits quietly, no error, no event.',
      always: [
        // A node first seen while being deleted goes straight to cleanup.
        {
          guard: 'isObservedDeleting',
          target: 'deleting',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.deletionRequested } },
        },
        {
          guard: 'hasRevision',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.observed } },
        },
      ],
      on: {
        'node.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: nodeTriggers.deletionRequested } },
            ],
          },
          {
            target: 'pending',
            reenter: true,
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: nodeTriggers.observed } },
            ],
          },
        ],
      },
    },
    rendering: {
      // The generation this render is for: one that arrives during it is still stale afterwards,
      // whatever the render's outcome.
      entry: assign({ renderedGeneration: ({ context }) => context.observed?.generation }),
      invoke: {
        src: 'renderNode',
        input: ({ context }) => ({ node: context.node, observation: observed(context) }),
        onDone: {
          target: 'applying',
          actions: assign({
            render: ({ event }) => event.output,
            renderedGeneration: ({ event }) => event.output.generation,
            trigger: nodeTriggers.renderDone,
          }),
        },
        onError: {
          target: 'degraded',
          actions: assign(({ context, event }) => ({
            ...failedPass(context.failures, event.error, nodeTriggers.renderFailed),
            lastApply: undefined,
          })),
        },
      },
    },
    applying: {
      initial: 'passing',
      states: {
        passing: {
          // The drift this pass repairs, and the mark it writes onto the objects (SPEC H8).
          entry: ['takeDrift', 'recordMark', assign({ readinessChanged: false })],
          exit: assign({ verifying: false }),
          invoke: {
            src: 'applyNode',
            input: ({ context }) => ({
              node: context.node,
              observation: observed(context),
              render: context.render ?? { generation: 0, revision: '', plan: undefined },
              drifted: context.repairing,
              verify: context.verifying === true,
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.ready,
                target: '#node.ready',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  failures: 0,
                  lastError: undefined,
                  trigger: nodeTriggers.applyDone,
                }),
              },
              {
                // Only readiness is awaited: the watches (or the first timeout) end the wait (N8).
                guard: ({ event }) =>
                  event.output.progressing && event.output.waitingOnRemovals !== true,
                target: 'waitingForReady',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  failures: 0,
                  lastError: undefined,
                  trigger: ({ event }) =>
                    failedTrigger(nodeTriggers.applyProgressing, event.output.reason),
                }),
              },
              {
                guard: ({ event }) => event.output.progressing,
                target: 'waiting',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  failures: ({ context }) => context.failures + 1,
                  lastError: undefined,
                  trigger: ({ event }) =>
                    failedTrigger(nodeTriggers.applyProgressing, event.output.reason),
                }),
              },
              {
                target: '#node.degraded',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  failures: ({ context }) => context.failures + 1,
                  lastError: undefined,
                  // A node over its render budget fails its pass because of the render.
                  trigger: ({ context, event }) =>
                    context.render?.failure === undefined
                      ? failedTrigger(nodeTriggers.applyFailed, event.output.reason)
                      : failedTrigger(nodeTriggers.renderFailed, context.render.failure.reason),
                }),
              },
            ],
            onError: {
              target: '#node.degraded',
              actions: assign(({ context, event }) =>
                failedPass(context.failures, event.error, nodeTriggers.applyFailed),
              ),
            },
          },
        },
        waiting: {
          description:
            'Nothing failed, something is still on its way (SPEC N9, N10): the phase stays Applying.',
          always: waitWakeUps,
          after: {
            retryBackoff: {
              target: 'passing',
              actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.backoffElapsed } },
            },
          },
        },
        waitingForReady: {
          description:
            'Applied, not ready yet (SPEC N2, N8): no polling; a readiness change seen by a watch, drift, a new spec or the first readiness timeout starts the next pass. The phase stays Applying.',
          always: waitWakeUps,
          after: {
            readinessDeadline: {
              target: 'passing',
              actions: {
                type: 'recordTrigger',
                params: { trigger: nodeTriggers.readinessDeadline },
              },
            },
          },
        },
      },
    },
    ready: {
      always: [
        // A spec change that arrived during the pass is picked up at once.
        {
          guard: 'isStale',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.observed } },
        },
        // The render is current: drift needs only an apply pass (SPEC N12).
        {
          guard: 'hasSettledDrift',
          target: 'applying',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.resourceDrifted } },
        },
        // An object stopped being ready: the node is Ready only while every resource is (N8).
        {
          guard: 'hasReadinessChange',
          target: 'applying',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.readinessChanged } },
        },
      ],
      after: {
        // The backstop for a watch event that never came: a quiet pass (SPEC N12, O2).
        resyncPeriod: {
          target: 'applying',
          actions: [
            assign({ verifying: true }),
            { type: 'recordTrigger', params: { trigger: nodeTriggers.resyncDue } },
          ],
        },
      },
      on: {
        'node.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: nodeTriggers.deletionRequested } },
            ],
          },
          { target: 'ready', reenter: true, actions: 'recordObservation' },
        ],
      },
    },
    degraded: {
      // Re-checked after every observation (the root handler records it); no re-entry, which
      // would restart the backoff timer.
      always: [
        {
          guard: 'isStale',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.observed } },
        },
        // Drift does not wait for the backoff: the object is repaired now (SPEC N12).
        {
          guard: 'hasSettledDrift',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.resourceDrifted } },
        },
        // A failed or timed-out resource that became ready recovers now, unpolled (N8).
        {
          guard: 'hasReadinessChange',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.readinessChanged } },
        },
      ],
      after: {
        retryBackoff: {
          guard: 'isRetryable',
          target: 'rendering',
          actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.backoffElapsed } },
        },
      },
    },
    deleting: {
      // Cleanup's own backoff starts from the beginning, whatever came before.
      entry: assign({ failures: 0, lastError: undefined }),
      initial: 'cleaningUp',
      on: {
        'node.observed': [
          {
            // Restarts a running cleanup too: the user asked to drop the finalizer now.
            guard: 'isCleanupNewlySkipped',
            target: '.cleaningUp',
            actions: [
              'recordObservation',
              { type: 'recordTrigger', params: { trigger: nodeTriggers.cleanupSkipped } },
            ],
          },
          { actions: 'recordObservation' },
        ],
        // Cleanup removes the objects itself: their deletion is no drift.
        'resource.drifted': {},
      },
      states: {
        cleaningUp: {
          invoke: {
            src: 'cleanupNode',
            input: ({ context }) => ({ node: context.node, observation: observed(context) }),
            onDone: '#node.deleted',
            onError: {
              target: 'retrying',
              actions: assign(({ context, event }) =>
                failedPass(context.failures, event.error, nodeTriggers.cleanupFailed),
              ),
            },
          },
        },
        retrying: {
          after: {
            retryBackoff: {
              target: 'cleaningUp',
              actions: { type: 'recordTrigger', params: { trigger: nodeTriggers.backoffElapsed } },
            },
          },
        },
      },
    },
    deleted: { type: 'final' },
  },
});

function observed(context: NodeContext): NodeObservation {
  return (
    context.observed ?? {
      generation: 0,
      deleting: true,
      appliedResources: [],
      revision: undefined,
      cleanupFinalizerIndex: -1,
    }
  );
}
