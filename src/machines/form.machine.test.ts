// The form statechart with fake actors: validate on a new generation, sync while valid, never while invalid (SPEC F1, F2, F4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock, waitFor, type AnyActorRef } from 'xstate';
import type {
  FormSyncInput,
  FormSyncOutput,
  FormValidateInput,
  FormValidateOutput,
} from './form.contract.js';
import { formMachine, formPhaseOf } from './form.machine.js';

/**
 * Resolves once no validation or sync is running: every fake the machine invoked has answered
 * and the machine has acted on the answer.
 */
const settled = async (actor: AnyActorRef): Promise<void> => {
  await waitFor(
    actor,
    (snapshot: { children: object }) => Object.keys(snapshot.children).length === 0,
  );
};

const start = (errors: string[][], suspended: boolean[] = []) => {
  const log: string[] = [];
  const machine = formMachine.provide({
    actors: {
      validateForm: fromPromise<FormValidateOutput, FormValidateInput>(({ input }) => {
        log.push(`validate ${String(input.generation)}`);
        return Promise.resolve({ errors: errors.shift() ?? [] });
      }),
      syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(() => {
        log.push('sync');
        const suspend = suspended.shift() ?? false;
        return Promise.resolve({
          currentRevision: 'web-1',
          movedNodes: 0,
          deletedRevisions: 0,
          suspended: suspend,
          heldNodes: suspend ? 3 : 0,
        });
      }),
    },
  });
  const actor = createActor(machine, { input: { form: { namespace: 'ns', name: 'web' } } });
  actor.start();
  return { actor, log };
};

const observed = (generation: number, deleting = false) =>
  ({ type: 'form.observed', observation: { generation, deleting } }) as const;

describe('form.machine', () => {
  it('F1 F4 a valid form is validated once per generation and then synced', async () => {
    const { actor, log } = start([]);
    actor.send(observed(1));
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Ready');
    actor.send(observed(1));
    await settled(actor);
    assert.deepEqual(log, ['validate 1', 'sync'], 'a status-only update does nothing');
    actor.send({ type: 'nodes.changed' });
    await settled(actor);
    assert.deepEqual(log, ['validate 1', 'sync', 'sync']);
    assert.equal(actor.getSnapshot().context.lastSync?.currentRevision, 'web-1');
  });

  it('F2 an invalid form never syncs, even when nodes change, until a new generation is valid', async () => {
    const { actor, log } = start([['cycle a → b → a']]);
    actor.send(observed(1));
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Invalid');
    assert.deepEqual(actor.getSnapshot().context.errors, ['cycle a → b → a']);
    actor.send({ type: 'nodes.changed' });
    await settled(actor);
    assert.deepEqual(log, ['validate 1']);
    actor.send(observed(2));
    await settled(actor);
    assert.deepEqual(log, ['validate 1', 'validate 2', 'sync']);
    assert.equal(actor.getSnapshot().context.valid, true);
  });

  it('F1 a hub appearing makes the form validate again', async () => {
    const { actor, log } = start([['LynqHub ns/hub (spec.hubId) does not exist']]);
    actor.send(observed(1));
    await settled(actor);
    actor.send({ type: 'hub.changed' });
    await settled(actor);
    assert.deepEqual(log, ['validate 1', 'validate 1', 'sync']);
  });

  it('F6 a deleting form does nothing more', async () => {
    const { actor, log } = start([]);
    actor.send(observed(1));
    await settled(actor);
    actor.send(observed(1, true));
    actor.send({ type: 'nodes.changed' });
    actor.send({ type: 'hub.changed' });
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Deleting');
    assert.deepEqual(log, ['validate 1', 'sync']);
  });

  it('§1 a suspended form is Suspended after its pass, still syncs new nodes, and is Ready again once a new generation unsuspends it', async () => {
    const { actor, log } = start([], [true, true, false]);
    actor.send(observed(1));
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Suspended');
    assert.equal(actor.getSnapshot().context.lastSync?.heldNodes, 3);
    // A new node still gets a pass (it gets the newest revision; the others stay).
    actor.send({ type: 'nodes.changed' });
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Suspended');
    actor.send(observed(2));
    await settled(actor);
    assert.equal(formPhaseOf(actor.getSnapshot().value), 'Ready');
    assert.deepEqual(log, ['validate 1', 'sync', 'sync', 'validate 2', 'sync']);
  });
});

describe('form.machine rollout deadline', () => {
  it('F5 while nodes are updating, the earliest progress deadline is a timer that syncs again (no polling)', async () => {
    const clock = new SimulatedClock();
    const deadlines = [5_000, undefined];
    let syncs = 0;
    const machine = formMachine.provide({
      actors: {
        validateForm: fromPromise<FormValidateOutput, FormValidateInput>(() =>
          Promise.resolve({ errors: [] }),
        ),
        syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(() => {
          syncs += 1;
          const next = deadlines.shift();
          return Promise.resolve({
            currentRevision: 'web-1',
            movedNodes: 0,
            deletedRevisions: 0,
            ...(next === undefined ? {} : { nextDeadlineInMs: next }),
          });
        }),
      },
    });
    const actor = createActor(machine, {
      input: { form: { namespace: 'ns', name: 'web' } },
      clock,
    });
    actor.start();
    actor.send(observed(1));
    await settled(actor);
    assert.equal(syncs, 1);
    clock.increment(4_999);
    await settled(actor);
    assert.equal(syncs, 1, 'not before the deadline');
    clock.increment(100);
    await settled(actor);
    assert.equal(syncs, 2, 'once the deadline has passed');
    assert.equal(actor.getSnapshot().context.trigger, 'revisions.synced');
    clock.increment(600_000);
    await settled(actor);
    assert.equal(syncs, 2, 'no deadline left, no timer');
    actor.stop();
  });
});
