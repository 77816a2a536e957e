// The node supervisor as a pure statechart: it hears LynqNodes appear, change and vanish, and counts; its actions start and stop node actors (DESIGN 4).
import { assign, setup } from 'xstate';

/** `namespace/name` of a LynqNode. */
export type NodeKey = string;

export type SupervisorEvent<TNode, TChange = unknown> =
  | { readonly type: 'node.observed'; readonly key: NodeKey; readonly node: TNode }
  /** A watch saw an object of the node change or go (SPEC N12); opaque to the supervisor. */
  | { readonly type: 'node.childChanged'; readonly key: NodeKey; readonly change: TChange }
  | { readonly type: 'node.removed'; readonly key: NodeKey }
  | { readonly type: 'node.stopped'; readonly key: NodeKey }
  /** A node actor failed unexpectedly; it is gone, and is started again after a backoff. */
  | { readonly type: 'node.crashed'; readonly key: NodeKey; readonly error: unknown }
  | { readonly type: 'supervisor.stop' };

export interface SupervisorContext {
  /** Node actors running now. */
  readonly live: number;
  readonly started: number;
  readonly stopped: number;
  /** Observations forwarded to a running node actor. */
  readonly forwarded: number;
  /** Node actors that failed unexpectedly (each is restarted after a backoff). */
  readonly crashed: number;
}

/**
 * Counters live in context; the actors themselves live in a `Map` owned by the provided actions
 * (XState copies a parent's whole `children` record on every spawn and stop: quadratic at
 * 10,000 nodes). `isRunning` asks that map. Actions report what they did through the returned
 * counters being updated by the machine, never by reading the map from here.
 */
export const createSupervisorMachine = <TNode, TChange = unknown>() =>
  setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as SupervisorEvent<TNode, TChange>,
    },
    guards: {
      /** Placeholder: whether a node actor already runs for the event's key. */
      isRunning: () => false,
      /** Placeholder: whether the event's key crashed and waits for its restart. */
      isRestartPending: () => false,
    },
    actions: {
      /** Placeholder: create and start a node actor for the observed node. */
      startNodeActor: () => undefined,
      /** Placeholder: hand the newer observation to the running node actor. */
      forwardToNodeActor: () => undefined,
      /** Placeholder: keep the newer observation for the pending restart to start from. */
      keepForRestart: () => undefined,
      /** Placeholder: hand a child's change to the running node actor. */
      forwardChildChange: () => undefined,
      /** Placeholder: stop the node actor of a node that is gone from the API. */
      stopNodeActor: () => undefined,
      /** Placeholder: stop every node actor (operator shutdown). */
      stopAllNodeActors: () => undefined,
      /** Placeholder: start the crashed node's actor again after a growing, jittered delay. */
      scheduleRestart: () => undefined,
      /** Placeholder: forget a pending restart (the node is gone). */
      cancelRestart: () => undefined,
      countCrashed: assign({ crashed: ({ context }) => context.crashed + 1 }),
      countStarted: assign({
        live: ({ context }) => context.live + 1,
        started: ({ context }) => context.started + 1,
      }),
      countForwarded: assign({ forwarded: ({ context }) => context.forwarded + 1 }),
      countStopped: assign({
        live: ({ context }) => Math.max(0, context.live - 1),
        stopped: ({ context }) => context.stopped + 1,
      }),
    },
  }).createMachine({
    id: 'supervisor',
    context: { live: 0, started: 0, stopped: 0, forwarded: 0, crashed: 0 },
    initial: 'supervising',
    states: {
      supervising: {
        on: {
          'node.observed': [
            { guard: 'isRunning', actions: ['forwardToNodeActor', 'countForwarded'] },
            // A crashed actor waits out its backoff, whatever its object does meanwhile.
            { guard: 'isRestartPending', actions: 'keepForRestart' },
            { actions: ['startNodeActor', 'countStarted'] },
          ],
          'node.removed': [
            { guard: 'isRunning', actions: ['stopNodeActor', 'countStopped', 'cancelRestart'] },
            { actions: 'cancelRestart' },
          ],
          // A node without an actor has nothing to repair: its actor's first pass reads everything.
          'node.childChanged': { guard: 'isRunning', actions: 'forwardChildChange' },
          // A node actor that finished by itself (its node is gone after deletion).
          'node.stopped': { actions: 'countStopped' },
          // Supervision: a failed node actor is not left for dead (DESIGN 10).
          'node.crashed': { actions: ['countStopped', 'countCrashed', 'scheduleRestart'] },
          'supervisor.stop': {
            target: 'stopped',
            actions: ['stopAllNodeActors', 'cancelRestart'],
          },
        },
      },
      stopped: { type: 'final' },
    },
  });
