// The node supervisor's actor: runs supervisor.machine and owns the node actors in a Map (DESIGN 4).
import { createActor, type Actor } from 'xstate';
import { createSupervisorMachine, type NodeKey } from '../machines/supervisor.machine.js';

/** What the supervisor needs of one running node actor. */
export interface NodeActorHandle<TNode, TChange = unknown> {
  /** A newer observation of the node (a watch event or a resync). */
  observe(node: TNode): void;
  /** A watch saw one of the node's objects change or go (SPEC N12). */
  childChanged(change: TChange): void;
  /** Stop at once; the node's own cleanup, if any, is not the supervisor's concern. */
  stop(): void;
}

/**
 * Creates and starts a node actor. `finished` is to be called once when the actor ends by
 * itself (e.g. its node is gone after deletion), so the supervisor forgets it.
 */
export type NodeActorFactory<TNode, TChange = unknown> = (
  key: NodeKey,
  node: TNode,
  finished: () => void,
) => NodeActorHandle<TNode, TChange>;

export interface NodeSupervisor<TNode, TChange = unknown> {
  /** The reflector saw the node added or changed. */
  observe(key: NodeKey, node: TNode): void;
  /** A child watch saw an object of the node change or go; dropped when no actor runs for it. */
  childChanged(key: NodeKey, change: TChange): void;
  /** The reflector saw the node deleted from the API. */
  remove(key: NodeKey): void;
  /** How many node actors run now. */
  size(): number;
  has(key: NodeKey): boolean;
  /** The supervisor's own actor (its snapshot holds the counters). */
  readonly actor: Actor<ReturnType<typeof createSupervisorMachine<TNode, TChange>>>;
  /** Stops every node actor and the supervisor. */
  stop(): void;
}

/** Starts a supervisor whose node actors come from `factory`. */
export const startNodeSupervisor = <TNode, TChange = unknown>(
  factory: NodeActorFactory<TNode, TChange>,
): NodeSupervisor<TNode, TChange> => {
  const running = new Map<NodeKey, NodeActorHandle<TNode, TChange>>();
  const machine = createSupervisorMachine<TNode, TChange>().provide({
    guards: {
      isRunning: ({ event }) => 'key' in event && running.has(event.key),
    },
    actions: {
      startNodeActor: ({ event, self }) => {
        if (event.type !== 'node.observed') return;
        const { key } = event;
        // The slot is filled right after the factory returns; `finished` may come any time later.
        const slot: { handle?: NodeActorHandle<TNode, TChange> } = {};
        const finished = (): void => {
          // Only the handle still registered for the key may unregister it.
          if (slot.handle !== undefined && running.get(key) === slot.handle) {
            running.delete(key);
            self.send({ type: 'node.stopped', key });
          }
        };
        slot.handle = factory(key, event.node, finished);
        running.set(key, slot.handle);
      },
      forwardToNodeActor: ({ event }) => {
        if (event.type === 'node.observed') running.get(event.key)?.observe(event.node);
      },
      forwardChildChange: ({ event }) => {
        if (event.type === 'node.childChanged') running.get(event.key)?.childChanged(event.change);
      },
      stopNodeActor: ({ event }) => {
        if (event.type !== 'node.removed') return;
        const handle = running.get(event.key);
        running.delete(event.key);
        handle?.stop();
      },
      stopAllNodeActors: () => {
        for (const handle of running.values()) handle.stop();
        running.clear();
      },
    },
  });
  const actor = createActor(machine);
  actor.start();
  return {
    observe: (key, node) => {
      actor.send({ type: 'node.observed', key, node });
    },
    childChanged: (key, change) => {
      actor.send({ type: 'node.childChanged', key, change });
    },
    remove: (key) => {
      actor.send({ type: 'node.removed', key });
    },
    size: () => running.size,
    has: (key) => running.has(key),
    actor,
    stop: () => {
      actor.send({ type: 'supervisor.stop' });
    },
  };
};
