// A running node: node.machine with its real cleanup, started by the supervisor for each LynqNode.
import type { Logger } from 'pino';
import { createActor, fromPromise } from 'xstate';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { finalizers } from '../api/metadata-keys.js';
import { transientError } from '../errors.js';
import { patchTypes, type ApiClient } from '../kube/api-client.js';
import { lynqObjectPath } from '../kube/lynq-paths.js';
import {
  nodeMachine,
  type NodeCleanupInput,
  type NodeObservation,
} from '../machines/node.machine.js';
import type { NodeActorFactory } from './node-supervisor.js';

export interface NodeActorDeps {
  readonly client: ApiClient;
  readonly logger: Logger;
}

export const observeNode = (node: LynqNode): NodeObservation => ({
  generation: node.metadata.generation ?? 0,
  deleting: node.metadata.deletionTimestamp !== undefined,
  appliedResources: node.status?.appliedResources ?? [],
  revision: node.spec.revision,
  cleanupFinalizerIndex: node.metadata.finalizers?.indexOf(finalizers.nodeCleanup) ?? -1,
});

/**
 * Removes the node's cleanup finalizer with a JSON patch that tests the object's uid and the
 * finalizer's position, so it never removes another finalizer or touches a re-created node.
 * Refuses while `appliedResources` is not empty: those objects must be deleted or released
 * first (SPEC N9), which the node-actor issue adds.
 */
const removeCleanupFinalizer = async (
  client: ApiClient,
  input: NodeCleanupInput,
  signal: AbortSignal,
): Promise<undefined> => {
  if (input.observation.appliedResources.length > 0) {
    throw transientError(
      'CleanupPending',
      `${String(input.observation.appliedResources.length)} applied resources must be removed or released before the finalizer goes`,
    );
  }
  const index = input.observation.cleanupFinalizerIndex;
  if (index < 0) return undefined;
  const { namespace, name, uid } = input.node;
  await client.patch(
    lynqObjectPath('lynqnodes', namespace, name),
    patchTypes.json,
    [
      { op: 'test', path: '/metadata/uid', value: uid },
      { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizers.nodeCleanup },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ],
    { signal },
  );
  return undefined;
};

/**
 * The supervisor's factory of node actors. The machine is provided once, here: per-node data
 * travels as input and events, so starting an actor costs no machine copy (10,000 nodes).
 */
export const nodeActorFactory = (deps: NodeActorDeps): NodeActorFactory<LynqNode> => {
  const machine = nodeMachine.provide({
    actors: {
      cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input, signal }) =>
        removeCleanupFinalizer(deps.client, input, signal),
      ),
    },
  });
  return (key, node, finished) => {
    const actor = createActor(machine, {
      input: {
        node: {
          namespace: node.metadata.namespace ?? '',
          name: node.metadata.name ?? '',
          uid: node.metadata.uid ?? '',
        },
        observation: observeNode(node),
      },
    });
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'done') finished();
      },
      error: (err: unknown) => {
        deps.logger.error({ err, kind: 'LynqNode', key }, 'Node actor failed');
      },
    });
    actor.start();
    return {
      observe: (next) => {
        actor.send({ type: 'node.observed', observation: observeNode(next) });
      },
      stop: () => {
        actor.stop();
      },
    };
  };
};
