// node.machine with fake render, apply and cleanup actors and a simulated clock: every lifecycle transition SPEC N1–N10 and O2 imply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import {
  nodeMachine,
  nodePhaseOf,
  type NodeApplyInput,
  type NodeApplyOutput,
  type NodeCleanupInput,
  type NodeObservation,
  type NodeRenderInput,
  type NodeRenderOutput,
} from './node.machine.js';

const observation = (patch: Partial<NodeObservation> = {}): NodeObservation => ({
  generation: 1,
  deleting: false,
  appliedResources: [],
  revision: undefined,
  cleanupFinalizerIndex: 0,
  ...patch,
});

const applied = (patch: Partial<NodeApplyOutput> = {}): NodeApplyOutput => ({
  ready: true,
  retryable: false,
  reason: 'AllResourcesReady',
  message: '',
  resources: [],
  appliedResources: [],
  skippedResourceIds: [],
  desired: 1,
  readyCount: 1,
  failedCount: 0,
  conflictReason: undefined,
  ...patch,
});

const conflicted = applied({
  ready: false,
  retryable: true,
  reason: 'ResourceConflict',
  readyCount: 0,
  failedCount: 1,
  conflictReason: 'ResourceConflict',
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
};

type Outcome<T> = T | Error;

interface Script {
  renders?: Outcome<undefined>[];
  applies?: Outcome<NodeApplyOutput>[];
  cleanups?: Outcome<undefined>[];
}

const next = <T>(queue: Outcome<T>[] | undefined, fallback: T): Promise<T> => {
  const outcome = queue?.shift() ?? fallback;
  return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
};

const start = (script: Script, first?: NodeObservation) => {
  const clock = new SimulatedClock();
  const calls = {
    render: [] as NodeRenderInput[],
    apply: [] as NodeApplyInput[],
    cleanup: [] as NodeCleanupInput[],
  };
  const machine = nodeMachine.provide({
    actors: {
      renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(async ({ input }) => {
        calls.render.push(input);
        await next(script.renders, undefined);
        return {
          generation: input.observation.generation,
          revision: input.observation.revision ?? '',
          plan: { generation: input.observation.generation },
        };
      }),
      applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(({ input }) => {
        calls.apply.push(input);
        return next(script.applies, applied());
      }),
      cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input }) => {
        calls.cleanup.push(input);
        return next(script.cleanups, undefined);
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
  const phases: string[] = [];
  actor.subscribe((s) => {
    const phase = nodePhaseOf(s.value);
    if (phases.at(-1) !== phase) phases.push(phase);
  });
  actor.start();
  const observe = (patch: Partial<NodeObservation>) => {
    actor.send({ type: 'node.observed', observation: observation(patch) });
  };
  return { actor, clock, calls, phases, observe };
};

const withRevision = { revision: 'form-abc' };

describe('node.machine', () => {
  it('N1 waits quietly in pending for a node without a revision: no render, no apply', async () => {
    const { actor, calls } = start({}, observation());
    await settle();
    assert.equal(actor.getSnapshot().value, 'pending');
    assert.equal(calls.render.length, 0);
    assert.equal(actor.getSnapshot().context.lastError, undefined);
  });

  it('N1 renders and applies once a revision arrives, and is ready', async () => {
    const { actor, calls, phases, observe } = start({}, observation());
    observe({ ...withRevision });
    await settle();
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.deepEqual(phases, ['Pending', 'Rendering', 'Applying', 'Ready']);
    assert.equal(calls.render.length, 1);
    assert.equal(calls.apply[0]?.render.revision, 'form-abc');
  });

  it('N1 re-renders on a new generation (new revision or new variables), not on a status-only change', async () => {
    const { actor, calls, observe } = start({}, observation(withRevision));
    await settle();
    observe({ ...withRevision }); // same generation: a status write of our own
    await settle();
    assert.equal(calls.render.length, 1);
    observe({ ...withRevision, generation: 2 });
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(calls.apply[1]?.render.generation, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N1 a generation that changes during a pass is rendered right after it', async () => {
    const { actor, calls, observe } = start({}, observation(withRevision));
    // Still rendering the first generation when the second arrives.
    observe({ ...withRevision, generation: 2 });
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(actor.getSnapshot().context.renderedGeneration, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N14 a render that cannot run (absent revision) → degraded with the error, retried with backoff', async () => {
    const missing = Object.assign(new Error('revision form-abc not found'), {
      code: 'RevisionNotFound',
    });
    const { actor, clock, calls } = start({ renders: [missing] }, observation(withRevision));
    await settle();
    assert.equal(actor.getSnapshot().value, 'degraded');
    assert.deepEqual(actor.getSnapshot().context.lastError, {
      reason: 'RevisionNotFound',
      message: 'revision form-abc not found',
    });
    clock.increment(999);
    await settle();
    assert.equal(calls.render.length, 1, 'no retry before the backoff');
    clock.increment(1);
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.equal(actor.getSnapshot().context.lastError, undefined);
  });

  it('N6 a conflict → degraded, retried with growing backoff, recovering to ready', async () => {
    const { actor, clock, calls, phases } = start(
      { applies: [conflicted, conflicted] },
      observation(withRevision),
    );
    await settle();
    assert.equal(actor.getSnapshot().value, 'degraded');
    assert.equal(actor.getSnapshot().context.lastApply?.conflictReason, 'ResourceConflict');
    clock.increment(1_000);
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(actor.getSnapshot().value, 'degraded');
    clock.increment(1_999);
    await settle();
    assert.equal(calls.apply.length, 2, 'the second wait is longer');
    clock.increment(1);
    await settle();
    assert.equal(calls.apply.length, 3);
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.equal(actor.getSnapshot().context.failures, 0);
    assert.deepEqual(phases.slice(-2), ['Applying', 'Ready']);
  });

  it('N14 N2 failures that no retry can fix (template error, skipped dependants) stay degraded until the spec changes', async () => {
    const broken = applied({ ready: false, retryable: false, failedCount: 1, readyCount: 0 });
    const { actor, clock, calls, observe } = start(
      { applies: [broken] },
      observation(withRevision),
    );
    await settle();
    assert.equal(actor.getSnapshot().value, 'degraded');
    clock.increment(600_000);
    await settle();
    assert.equal(calls.apply.length, 1);
    observe({ ...withRevision, generation: 2 });
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  const deletionCases: [string, () => Script, string | undefined][] = [
    ['pending', () => ({}), 'pending'],
    ['rendering', () => ({ renders: [new Error('never mind')] }), undefined],
    ['ready', () => ({}), 'ready'],
    ['degraded', () => ({ applies: [conflicted] }), 'degraded'],
  ];
  for (const [label, script, waitFor] of deletionCases) {
    it(`N9 a deletion timestamp in ${label} leads to deleting, cleanup, and the end of the actor`, async () => {
      const { actor, calls, observe } = start(
        script(),
        observation(label === 'pending' ? {} : withRevision),
      );
      if (waitFor !== undefined) {
        await settle();
        assert.equal(actor.getSnapshot().value, waitFor);
      }
      observe({ ...(label === 'pending' ? {} : withRevision), deleting: true });
      await settle();
      assert.equal(calls.cleanup.length, 1);
      assert.equal(calls.cleanup[0]?.observation.deleting, true);
      assert.equal(actor.getSnapshot().status, 'done');
    });
  }

  it('N9 keeps the finalizer while cleanup fails, retrying with backoff', async () => {
    const { actor, clock, calls, observe } = start(
      { cleanups: [new Error('waiting on finalizer x'), new Error('again')] },
      observation(),
    );
    observe({ deleting: true });
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { deleting: 'retrying' });
    assert.equal(actor.getSnapshot().context.lastError?.message, 'waiting on finalizer x');
    clock.increment(1_000);
    await settle();
    assert.equal(calls.cleanup.length, 2);
    clock.increment(2_000);
    await settle();
    assert.equal(calls.cleanup.length, 3);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('N9 a node first seen already being deleted (operator restart) starts cleaning up at once', async () => {
    const { actor, calls } = start({}, observation({ deleting: true, ...withRevision }));
    await settle();
    assert.equal(calls.render.length, 0);
    assert.equal(calls.cleanup.length, 1);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('O2 a rebuilt actor starts from its observation: straight to a verification pass, never through Pending', async () => {
    const { actor, phases, calls } = start({}, observation({ ...withRevision, generation: 7 }));
    await settle();
    assert.deepEqual(phases, ['Rendering', 'Applying', 'Ready']);
    assert.equal(calls.render[0]?.observation.generation, 7);
    assert.equal(actor.getSnapshot().context.renderedGeneration, 7);
  });
});
