// node.machine with a fake cleanup actor and a simulated clock: deletion from any state, retries, and a start while deleting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { nodeMachine, type NodeCleanupInput, type NodeObservation } from './node.machine.js';

const observation = (patch: Partial<NodeObservation> = {}): NodeObservation => ({
  generation: 1,
  deleting: false,
  appliedResources: 0,
  revision: undefined,
  cleanupFinalizerIndex: 0,
  ...patch,
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
};

const start = (outcomes: (Error | undefined)[], first?: NodeObservation) => {
  const clock = new SimulatedClock();
  const calls: NodeCleanupInput[] = [];
  const machine = nodeMachine.provide({
    actors: {
      cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input }) => {
        calls.push(input);
        const outcome = outcomes.shift();
        return outcome === undefined ? Promise.resolve(undefined) : Promise.reject(outcome);
      }),
    },
  });
  const actor = createActor(machine, {
    input: {
      node: { namespace: 'ns', name: 'n', uid: 'u' },
      ...(first ? { observation: first } : {}),
    },
    clock,
  });
  actor.start();
  return { actor, clock, calls };
};

describe('node.machine', () => {
  it('waits quietly in pending for a node without a revision', () => {
    const { actor, calls } = start([], observation());
    assert.equal(actor.getSnapshot().value, 'pending');
    assert.equal(calls.length, 0);
  });

  it('N9 a deletion timestamp leads to deleting, cleanup, and the end of the actor', async () => {
    const { actor, calls } = start([], observation());
    actor.send({ type: 'node.observed', observation: observation({ deleting: true }) });
    await settle();
    assert.equal(calls.length, 1);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('N9 keeps the finalizer while cleanup fails, retrying with backoff', async () => {
    const { actor, clock, calls } = start(
      [new Error('waiting on finalizer x'), new Error('again')],
      observation(),
    );
    actor.send({ type: 'node.observed', observation: observation({ deleting: true }) });
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { deleting: 'retrying' });
    assert.equal(actor.getSnapshot().context.lastError, 'waiting on finalizer x');
    clock.increment(1_000);
    await settle();
    assert.equal(calls.length, 2);
    clock.increment(2_000);
    await settle();
    assert.equal(calls.length, 3);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('starts cleaning up at once when first seen already being deleted (operator restart)', async () => {
    const { actor, calls } = start([], observation({ deleting: true }));
    await settle();
    assert.equal(calls.length, 1);
    assert.equal(actor.getSnapshot().status, 'done');
  });
});
