// The LynqNode lifecycle as a pure statechart: pending → rendering → applying → ready | degraded; any → deleting (SPEC N1–N10, O2).
import { assertEvent, assign, fromPromise, raise, setup } from 'xstate';
import {
  nodeTriggers,
  type NodeApplyOutput,
  type NodeApplyInput,
  type NodeCleanupInput,
  type NodeContext,
  type NodeEvent,
  type NodeInput,
  type NodeRenderInput,
  type NodeRenderOutput,
} from './node.contract.js';
import {
  failedPass,
  failedTrigger,
  isWaitingForReadiness,
  keptRender,
  observationOf,
  renderOf,
  sameResource,
} from './node-context.js';
import { nodeGuards } from './node-guards.js';
import { nodeDelays } from './node-delays.js';

export type * from './node.contract.js';
export { nodeTriggers } from './node.contract.js';
export { nodePhaseOf } from './node-context.js';
export { driftSettleMillis, resyncPeriodMillis } from './node-delays.js';

/** A deletion timestamp: cleanup starts, whatever the state was doing (SPEC N9). */
const deletionRequested = {
  guard: 'isDeleting',
  target: 'deleting',
  actions: [
    'recordObservation',
    { type: 'recordTrigger', params: { trigger: nodeTriggers.deletionRequested } },
  ],
} as const;

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
  guards: nodeGuards,
  delays: nodeDelays,
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
      { ...deletionRequested, target: '.deleting' },
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
          deletionRequested,
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
        input: ({ context }) => ({ node: context.node, observation: observationOf(context) }),
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
              observation: observationOf(context),
              render: renderOf(context),
              drifted: context.repairing,
              verify: context.verifying === true,
            }),
            onDone: [
              {
                guard: ({ event }) => event.output.outcome.kind === 'ready',
                target: '#node.ready',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  render: keptRender,
                  failures: 0,
                  lastError: undefined,
                  trigger: nodeTriggers.applyDone,
                }),
              },
              {
                // Only readiness is awaited: the watches (or the first timeout) end the wait (N8).
                guard: ({ event }) => isWaitingForReadiness(event.output),
                target: 'waitingForReady',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  render: keptRender,
                  failures: 0,
                  lastError: undefined,
                  trigger: ({ event }) =>
                    failedTrigger(nodeTriggers.applyProgressing, event.output.outcome.reason),
                }),
              },
              {
                // Only someone else's finalizer is awaited: looked at again after the backoff.
                guard: ({ event }) => event.output.outcome.kind === 'waiting',
                target: 'waiting',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  render: keptRender,
                  failures: ({ context }) => context.failures + 1,
                  lastError: undefined,
                  trigger: ({ event }) =>
                    failedTrigger(nodeTriggers.applyProgressing, event.output.outcome.reason),
                }),
              },
              {
                target: '#node.degraded',
                actions: assign({
                  lastApply: ({ event }) => event.output,
                  render: keptRender,
                  failures: ({ context }) => context.failures + 1,
                  lastError: undefined,
                  // A node over its render budget fails its pass because of the render.
                  trigger: ({ context, event }) =>
                    context.render?.failure === undefined
                      ? failedTrigger(nodeTriggers.applyFailed, event.output.outcome.reason)
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
          deletionRequested,
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
            input: ({ context }) => ({ node: context.node, observation: observationOf(context) }),
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
