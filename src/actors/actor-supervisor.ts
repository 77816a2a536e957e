// One supervisor shape for hubs, forms and nodes: runs supervisor.machine, owns one actor per key in a Map, restarts a crashed one with backoff and jitter (DESIGN 4, 10).
import { createActor, type Actor } from 'xstate';
import { createSupervisorMachine, type ObjectKey } from '../machines/supervisor.machine.js';

/** `namespace/name` of a supervised object (a LynqHub, LynqForm or LynqNode). */
export type ActorKey = ObjectKey;

/** What the supervisor needs of one running actor (of a hub, form or node). */
export interface SupervisedActor<TObject, TChange = unknown> {
  /** A newer observation of its object (a watch event or a resync). */
  observe(object: TObject): void;
  /** A watch saw one of the object's children change or go (a node's objects, SPEC N12). */
  childChanged?(change: TChange): void;
  /** Stop at once; the object's own cleanup, if any, is not the supervisor's concern. */
  stop(): void;
  /** The actor's machine snapshot, for the debug export (SPEC O3). */
  snapshot?(): { readonly value: unknown; readonly context: unknown };
}

/**
 * Creates and starts the actor of one object. `finished` is to be called once when the actor ends by
 * itself (e.g. its node is gone after deletion), so the supervisor forgets it; `crashed` once
 * when it fails unexpectedly and has stopped, so the supervisor starts it again later.
 */
export type SupervisedActorFactory<
  TObject,
  TChange = unknown,
  THandle extends SupervisedActor<TObject, TChange> = SupervisedActor<TObject, TChange>,
> = (
  key: ActorKey,
  object: TObject,
  finished: () => void,
  crashed: (error: unknown) => void,
) => THandle;

export interface SupervisorOptions {
  /** The wait before the `failures`-th restart of one object's actor. Default: `restartDelayMillis`. */
  readonly restartDelay?: (failures: number) => number;
  /** Told of each crash (a Warning, a metric). Must not throw. */
  readonly onCrash?: (key: ActorKey, error: unknown, failures: number) => void;
}

/** The Warning reason of a hub or form actor that failed and is restarted (SPEC O1). */
export const actorFailedReason = 'ActorFailed';

/** 1 s doubling to 5 minutes, each drawn from 50–100 % so crashes in step do not restart in step. */
export const restartDelayMillis = (failures: number): number =>
  Math.min(1_000 * 2 ** Math.min(Math.max(failures - 1, 0), 20), 300_000) *
  (0.5 + Math.random() / 2);

export interface ActorSupervisor<
  TObject,
  TChange = unknown,
  THandle extends SupervisedActor<TObject, TChange> = SupervisedActor<TObject, TChange>,
> {
  /** The running actor of `key`, for messages of its own kind. */
  get(key: ActorKey): THandle | undefined;
  /** Every running actor. */
  each(): IterableIterator<THandle>;
  /** The reflector saw the object added or changed. */
  observe(key: ActorKey, object: TObject): void;
  /** A child watch saw a child of the object change or go; dropped when no actor runs for it. */
  childChanged(key: ActorKey, change: TChange): void;
  /** The reflector saw the object deleted from the API. */
  remove(key: ActorKey): void;
  /** How many actors run now. */
  size(): number;
  has(key: ActorKey): boolean;
  /** The running actor's snapshot, if one runs for `key` (the debug export, SPEC O3). */
  snapshotOf(key: ActorKey): { readonly value: unknown; readonly context: unknown } | undefined;
  /** The supervisor's own actor (its snapshot holds the counters). */
  readonly actor: Actor<ReturnType<typeof createSupervisorMachine<TObject, TChange>>>;
  /** Stops every actor and the supervisor. */
  stop(): void;
}

/**
 * Starts a supervisor whose actors come from `factory`: one per key, later observations
 * forwarded to it, stopped when its object is removed. An actor that crashes is started again
 * after `restartDelay(failures)` from the newest observation of its object (whose status says
 * where it stood), unless the object was removed meanwhile; `onCrash` is told each time.
 */
export const startSupervisor = <
  TObject,
  TChange = unknown,
  THandle extends SupervisedActor<TObject, TChange> = SupervisedActor<TObject, TChange>,
>(
  factory: SupervisedActorFactory<TObject, TChange, THandle>,
  options: SupervisorOptions = {},
): ActorSupervisor<TObject, TChange, THandle> => {
  const running = new Map<ActorKey, THandle>();
  /** The newest observation of each object with a running actor: what a restart starts from. */
  const latest = new Map<ActorKey, TObject>();
  /** Crashes so far and the pending restart, per object. */
  const restarts = new Map<ActorKey, { failures: number; timer?: NodeJS.Timeout | undefined }>();
  const restartDelay = options.restartDelay ?? restartDelayMillis;
  const machine = createSupervisorMachine<TObject, TChange>().provide({
    guards: {
      isRunning: ({ event }) => 'key' in event && running.has(event.key),
      isRestartPending: ({ event }) =>
        'key' in event && restarts.get(event.key)?.timer !== undefined,
    },
    actions: {
      startActor: ({ event, self }) => {
        if (event.type !== 'object.observed') return;
        const { key } = event;
        // The slot is filled right after the factory returns; `finished` may come any time later.
        const slot: { handle?: THandle } = {};
        const finished = (): void => {
          // Only the handle still registered for the key may unregister it.
          if (slot.handle !== undefined && running.get(key) === slot.handle) {
            running.delete(key);
            latest.delete(key);
            self.send({ type: 'actor.stopped', key });
          }
        };
        const crashed = (error: unknown): void => {
          if (slot.handle !== undefined && running.get(key) === slot.handle) {
            running.delete(key);
            self.send({ type: 'actor.crashed', key, error });
          }
        };
        latest.set(key, event.object);
        slot.handle = factory(key, event.object, finished, crashed);
        running.set(key, slot.handle);
      },
      keepForRestart: ({ event }) => {
        if (event.type === 'object.observed') latest.set(event.key, event.object);
      },
      forwardObservation: ({ event }) => {
        if (event.type !== 'object.observed') return;
        latest.set(event.key, event.object);
        running.get(event.key)?.observe(event.object);
      },
      scheduleRestart: ({ event, self }) => {
        if (event.type !== 'actor.crashed') return;
        const { key } = event;
        const entry = restarts.get(key) ?? { failures: 0 };
        entry.failures += 1;
        clearTimeout(entry.timer);
        options.onCrash?.(key, event.error, entry.failures);
        entry.timer = setTimeout(() => {
          entry.timer = undefined;
          const object = latest.get(key);
          // Started again from the newest observation; the actor resumes from its status (O2).
          if (object !== undefined && !running.has(key))
            self.send({ type: 'object.observed', key, object });
        }, restartDelay(entry.failures));
        restarts.set(key, entry);
      },
      cancelRestart: ({ event }) => {
        const keys = 'key' in event ? [event.key] : [...restarts.keys()];
        for (const key of keys) {
          clearTimeout(restarts.get(key)?.timer);
          restarts.delete(key);
          if ('key' in event) latest.delete(key);
        }
      },
      forwardChildChange: ({ event }) => {
        if (event.type === 'object.childChanged')
          running.get(event.key)?.childChanged?.(event.change);
      },
      stopActor: ({ event }) => {
        if (event.type !== 'object.removed') return;
        const handle = running.get(event.key);
        running.delete(event.key);
        handle?.stop();
      },
      stopAllActors: () => {
        for (const handle of running.values()) handle.stop();
        running.clear();
      },
    },
  });
  const actor = createActor(machine);
  actor.start();
  return {
    observe: (key, object) => {
      actor.send({ type: 'object.observed', key, object });
    },
    childChanged: (key, change) => {
      actor.send({ type: 'object.childChanged', key, change });
    },
    remove: (key) => {
      actor.send({ type: 'object.removed', key });
    },
    get: (key) => running.get(key),
    each: () => running.values(),
    size: () => running.size,
    has: (key) => running.has(key),
    snapshotOf: (key) => running.get(key)?.snapshot?.(),
    actor,
    stop: () => {
      actor.send({ type: 'supervisor.stop' });
    },
  };
};
