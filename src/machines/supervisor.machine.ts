// The supervisor as a pure statechart, one for hubs, forms and nodes: it hears objects appear, change and vanish and their actors stop or crash, and counts; its actions start and stop one actor per object (DESIGN 4).
import { assign, setup } from 'xstate';

/** `namespace/name` of a supervised object (a LynqHub, LynqForm or LynqNode). */
export type ObjectKey = string;

export type SupervisorEvent<TObject, TChange = unknown> =
  /** The object was added or changed (a watch event or a resync). */
  | { readonly type: 'object.observed'; readonly key: ObjectKey; readonly object: TObject }
  /** A watch saw a child of the object change or go (a node's objects, SPEC N12); opaque to the supervisor. */
  | { readonly type: 'object.childChanged'; readonly key: ObjectKey; readonly change: TChange }
  /** The object is gone from the API. */
  | { readonly type: 'object.removed'; readonly key: ObjectKey }
  /** The object's actor finished by itself (e.g. its node is gone after deletion). */
  | { readonly type: 'actor.stopped'; readonly key: ObjectKey }
  /** The object's actor failed unexpectedly; it is gone, and is started again after a backoff. */
  | { readonly type: 'actor.crashed'; readonly key: ObjectKey; readonly error: unknown }
  | { readonly type: 'supervisor.stop' };

export interface SupervisorContext {
  /** Actors running now. */
  readonly live: number;
  readonly started: number;
  readonly stopped: number;
  /** Observations forwarded to a running actor. */
  readonly forwarded: number;
  /** Actors that failed unexpectedly (each is restarted after a backoff). */
  readonly crashed: number;
}

/**
 * Counters live in context; the actors themselves live in a `Map` owned by the provided actions
 * (XState copies a parent's whole `children` record on every spawn and stop: quadratic at
 * 10,000 objects). `isRunning` asks that map. Actions report what they did through the returned
 * counters being updated by the machine, never by reading the map from here.
 */
export const createSupervisorMachine = <TObject, TChange = unknown>() =>
  setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as SupervisorEvent<TObject, TChange>,
    },
    guards: {
      /** Placeholder: whether an actor already runs for the event's key. */
      isRunning: () => false,
      /** Placeholder: whether the event's key crashed and waits for its restart. */
      isRestartPending: () => false,
    },
    actions: {
      /** Placeholder: create and start an actor for the observed object. */
      startActor: () => undefined,
      /** Placeholder: hand the newer observation to the running actor. */
      forwardObservation: () => undefined,
      /** Placeholder: keep the newer observation for the pending restart to start from. */
      keepForRestart: () => undefined,
      /** Placeholder: hand a child's change to the running actor. */
      forwardChildChange: () => undefined,
      /** Placeholder: stop the actor of an object that is gone from the API. */
      stopActor: () => undefined,
      /** Placeholder: stop every actor (operator shutdown). */
      stopAllActors: () => undefined,
      /** Placeholder: start the crashed actor again after a growing, jittered delay. */
      scheduleRestart: () => undefined,
      /** Placeholder: forget a pending restart (the object is gone). */
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
          'object.observed': [
            { guard: 'isRunning', actions: ['forwardObservation', 'countForwarded'] },
            // A crashed actor waits out its backoff, whatever its object does meanwhile.
            { guard: 'isRestartPending', actions: 'keepForRestart' },
            { actions: ['startActor', 'countStarted'] },
          ],
          'object.removed': [
            { guard: 'isRunning', actions: ['stopActor', 'countStopped', 'cancelRestart'] },
            { actions: 'cancelRestart' },
          ],
          // An object without an actor has nothing to repair: its actor's first pass reads everything.
          'object.childChanged': { guard: 'isRunning', actions: 'forwardChildChange' },
          // An actor that finished by itself (e.g. its node is gone after deletion).
          'actor.stopped': { actions: 'countStopped' },
          // Supervision: a failed actor is not left for dead (DESIGN 10).
          'actor.crashed': { actions: ['countStopped', 'countCrashed', 'scheduleRestart'] },
          'supervisor.stop': {
            target: 'stopped',
            actions: ['stopAllActors', 'cancelRestart'],
          },
        },
      },
      stopped: { type: 'final' },
    },
  });
