// The LynqNode lifecycle as a pure statechart. This first cut holds pending and deleting; rendering and applying come with the node-actor issue.
import { assign, fromPromise, setup } from 'xstate';

/** What the machine needs to know of a LynqNode object. */
export interface NodeObservation {
  readonly generation: number;
  /** The node has a deletion timestamp. */
  readonly deleting: boolean;
  /** Entries in `status.appliedResources`: what cleanup has to remove or release. */
  readonly appliedResources: number;
  readonly revision: string | undefined;
  /** Position of the cleanup finalizer in `metadata.finalizers`, -1 when absent. */
  readonly cleanupFinalizerIndex: number;
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

export interface NodeContext {
  readonly node: NodeRef;
  readonly observed: NodeObservation | undefined;
  readonly failures: number;
  readonly lastError: string | undefined;
  readonly trigger: string;
}

export type NodeEvent = { readonly type: 'node.observed'; readonly observation: NodeObservation };

export interface NodeInput {
  readonly node: NodeRef;
  /** The node as first seen; starting with it saves an event per actor (10,000 at start-up). */
  readonly observation?: NodeObservation;
}

/** Exponential backoff from 1 s, capped at 5 minutes. */
export const nodeRetryDelayMillis = (failures: number): number =>
  Math.min(1_000 * 2 ** Math.max(0, Math.min(failures - 1, 20)), 300_000);

export const nodeMachine = setup({
  types: {
    context: {} as NodeContext,
    events: {} as NodeEvent,
    input: {} as NodeInput,
  },
  actors: {
    /**
     * Removes or releases the node's resources, then its finalizer (SPEC N9). Resolves when the
     * finalizer is gone; rejects (and is retried) while anything remains.
     */
    cleanupNode: fromPromise<undefined, NodeCleanupInput>(() => {
      throw new Error('node.machine: provide cleanupNode');
    }),
  },
  guards: {
    isDeleting: ({ event }) => event.observation.deleting,
    isObservedDeleting: ({ context }) => context.observed?.deleting === true,
  },
  delays: {
    retryBackoff: ({ context }) => nodeRetryDelayMillis(context.failures),
  },
  actions: {
    recordObservation: assign({ observed: ({ event }) => event.observation }),
    recordTrigger: assign({ trigger: ({ event }) => event.type }),
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({
    node: input.node,
    observed: input.observation,
    failures: 0,
    lastError: undefined,
    trigger: 'xstate.init',
  }),
  initial: 'pending',
  on: {
    'node.observed': [
      { guard: 'isDeleting', target: '.deleting', actions: 'recordObservation' },
      { actions: 'recordObservation' },
    ],
  },
  states: {
    pending: {
      // A node first seen while being deleted goes straight to cleanup.
      always: { guard: 'isObservedDeleting', target: 'deleting' },
      description:
        'Waiting for a revision to render (rendering and applying follow in the node-actor issue).',
    },
    deleting: {
      entry: 'recordTrigger',
      initial: 'cleaningUp',
      on: { 'node.observed': { actions: 'recordObservation' } },
      states: {
        cleaningUp: {
          invoke: {
            src: 'cleanupNode',
            input: ({ context }) => ({
              node: context.node,
              observation: context.observed ?? {
                generation: 0,
                deleting: true,
                appliedResources: 0,
                revision: undefined,
                cleanupFinalizerIndex: -1,
              },
            }),
            onDone: '#node.deleted',
            onError: {
              target: 'retrying',
              actions: assign({
                failures: ({ context }) => context.failures + 1,
                lastError: ({ event }) =>
                  event.error instanceof Error ? event.error.message : String(event.error),
              }),
            },
          },
        },
        retrying: { after: { retryBackoff: 'cleaningUp' } },
      },
    },
    deleted: { type: 'final' },
  },
});
