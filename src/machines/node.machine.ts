// The LynqNode lifecycle as a pure statechart: pending → rendering → applying → ready | degraded; any → deleting (SPEC N1–N10, O2).
import { assign, fromPromise, setup } from 'xstate';
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';

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
 * cannot run at all for a reason that may pass (absent revision, aborted worker) rejects instead.
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

export interface NodeApplyInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
  readonly render: NodeRenderOutput;
}

/** The outcome of one apply pass: what status shows of it (SPEC O2). */
export interface NodeApplyOutput {
  /** Every resource ready (or waiting on nothing that failed). */
  readonly ready: boolean;
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
  readonly render: NodeRenderOutput | undefined;
  readonly lastApply: NodeApplyOutput | undefined;
  /** Consecutive failed passes; the backoff grows with it. */
  readonly failures: number;
  /** A failure of the whole node (render or apply could not run): reason and message. */
  readonly lastError: { readonly reason: string; readonly message: string } | undefined;
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

const errorOf = (error: unknown): { reason: string; message: string } => {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return {
    reason: typeof code === 'string' && code !== '' ? code : 'Error',
    message: error instanceof Error ? error.message : String(error),
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
    isDeleting: ({ event }) => event.observation.deleting,
    isObservedDeleting: ({ context }) => context.observed?.deleting === true,
    hasRevision: ({ context }) => context.observed?.revision !== undefined,
    /** The spec changed since the last render: a new revision or new variables (SPEC N1). */
    isStale: ({ context }) =>
      context.observed?.revision !== undefined &&
      context.observed.generation !== context.renderedGeneration,
    isRetryable: ({ context }) => context.lastApply?.retryable !== false,
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
    renderedGeneration: undefined,
    render: undefined,
    lastApply: undefined,
    failures: 0,
    lastError: undefined,
    trigger: 'xstate.init',
  }),
  initial: 'pending',
  on: {
    'node.observed': [
      {
        guard: 'isDeleting',
        target: '.deleting',
        actions: ['recordObservation', 'recordTrigger'],
      },
      { actions: 'recordObservation' },
    ],
  },
  states: {
    pending: {
      description: 'No revision yet: waits quietly, no error, no event.',
      always: [
        // A node first seen while being deleted goes straight to cleanup.
        { guard: 'isObservedDeleting', target: 'deleting' },
        { guard: 'hasRevision', target: 'rendering' },
      ],
      on: {
        'node.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: ['recordObservation', 'recordTrigger'],
          },
          { target: 'pending', reenter: true, actions: ['recordObservation', 'recordTrigger'] },
        ],
      },
    },
    rendering: {
      invoke: {
        src: 'renderNode',
        input: ({ context }) => ({ node: context.node, observation: observed(context) }),
        onDone: {
          target: 'applying',
          actions: assign({
            render: ({ event }) => event.output,
            renderedGeneration: ({ event }) => event.output.generation,
          }),
        },
        onError: {
          target: 'degraded',
          actions: assign({
            failures: ({ context }) => context.failures + 1,
            lastError: ({ event }) => errorOf(event.error),
            renderedGeneration: ({ context }) => context.observed?.generation,
            lastApply: undefined,
          }),
        },
      },
    },
    applying: {
      invoke: {
        src: 'applyNode',
        input: ({ context }) => ({
          node: context.node,
          observation: observed(context),
          render: context.render ?? { generation: 0, revision: '', plan: undefined },
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.ready,
            target: 'ready',
            actions: assign({
              lastApply: ({ event }) => event.output,
              failures: 0,
              lastError: undefined,
            }),
          },
          {
            target: 'degraded',
            actions: assign({
              lastApply: ({ event }) => event.output,
              failures: ({ context }) => context.failures + 1,
              lastError: undefined,
            }),
          },
        ],
        onError: {
          target: 'degraded',
          actions: assign({
            failures: ({ context }) => context.failures + 1,
            lastError: ({ event }) => errorOf(event.error),
          }),
        },
      },
    },
    ready: {
      // A spec change that arrived during the pass is picked up at once.
      always: { guard: 'isStale', target: 'rendering' },
      on: {
        'node.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: ['recordObservation', 'recordTrigger'],
          },
          { target: 'ready', reenter: true, actions: 'recordObservation' },
        ],
      },
    },
    degraded: {
      always: { guard: 'isStale', target: 'rendering' },
      after: {
        retryBackoff: { guard: 'isRetryable', target: 'rendering' },
      },
      on: {
        'node.observed': [
          {
            guard: 'isDeleting',
            target: 'deleting',
            actions: ['recordObservation', 'recordTrigger'],
          },
          // Re-entering would restart the backoff timer: only re-check staleness.
          { guard: 'isStale', target: 'rendering', actions: 'recordObservation' },
          { actions: 'recordObservation' },
        ],
      },
    },
    deleting: {
      // Cleanup's own backoff starts from the beginning, whatever came before.
      entry: assign({ failures: 0, lastError: undefined }),
      initial: 'cleaningUp',
      on: { 'node.observed': { actions: 'recordObservation' } },
      states: {
        cleaningUp: {
          invoke: {
            src: 'cleanupNode',
            input: ({ context }) => ({ node: context.node, observation: observed(context) }),
            onDone: '#node.deleted',
            onError: {
              target: 'retrying',
              actions: assign({
                failures: ({ context }) => context.failures + 1,
                lastError: ({ event }) => errorOf(event.error),
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
