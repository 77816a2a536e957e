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
  appliedResources: node.status?.appliedResources?.length ?? 0,
  revision: node.spec.revision,
});

/**
 * Removes the node's cleanup finalizer with a JSON patch that tests the object's uid and the
 * finalizer's position, so it never removes another finalizer or touches a re-created node.
 * Refuses while `appliedResources` is not empty: those objects must be deleted or released
 * first (SPEC N9), which the node-actor issue adds.
 */
const removeCleanupFinalizer = async (
  client: ApiClient,
  latest: () => LynqNode,
  input: NodeCleanupInput,
  signal: AbortSignal,
): Promise<undefined> => {
  if (input.observation.appliedResources > 0) {
    throw transientError(
      'CleanupPending',
      `${input.observation.appliedResources} applied resources must be removed or released before the finalizer goes`,
    );
  }
  const node = latest();
  const index = node.metadata.finalizers?.indexOf(finalizers.nodeCleanup) ?? -1;
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

/** The supervisor's factory of node actors. */
export const nodeActorFactory =
  (deps: NodeActorDeps): NodeActorFactory<LynqNode> =>
  (key, node, finished) => {
    let latest = node;
    const logger = deps.logger.child({
      kind: 'LynqNode',
      namespace: node.metadata.namespace,
      name: node.metadata.name,
    });
    const machine = nodeMachine.provide({
      actors: {
        cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input, signal }) =>
          removeCleanupFinalizer(deps.client, () => latest, input, signal),
        ),
      },
    });
    const actor = createActor(machine, {
      input: {
        node: {
          namespace: node.metadata.namespace ?? '',
          name: node.metadata.name ?? '',
          uid: node.metadata.uid ?? '',
        },
      },
    });
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'done') finished();
      },
      error: (err: unknown) => {
        logger.error({ err, key }, 'Node actor failed');
      },
    });
    actor.start();
    actor.send({ type: 'node.observed', observation: observeNode(node) });
    return {
      observe: (next) => {
        latest = next;
        actor.send({ type: 'node.observed', observation: observeNode(next) });
      },
      stop: () => {
        actor.stop();
      },
    };
  };
