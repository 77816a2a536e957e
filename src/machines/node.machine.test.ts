// node.machine with fake render, apply and cleanup actors and a simulated clock: every lifecycle transition SPEC N1–N10 and O2 imply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock, waitFor } from 'xstate';
import { invalidSpecError, transientError } from '../errors.js';
import {
  driftSettleMillis,
  nodeMachine,
  nodePhaseOf,
  nodeTriggers,
  resyncPeriodMillis,
  type DriftedResource,
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
  outcome: { kind: 'ready', reason: 'AllResourcesReady' },
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
  outcome: { kind: 'failed', retryable: true, reason: 'ResourceConflict' },
  readyCount: 0,
  failedCount: 1,
  conflictReason: 'ResourceConflict',
});

/** A scripted result: a value, a rejection, or a promise the test settles itself. */
type Outcome<T> = T | Error | Promise<T>;

/** Promises a test holds open and settles itself: the machine is not waited on for their reply. */
const heldOpen = new WeakSet<Promise<unknown>>();

const deferred = <T>() => {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  heldOpen.add(promise);
  return {
    promise,
    resolve: (value: T) => {
      heldOpen.delete(promise);
      resolve(value);
    },
    reject: (error: unknown) => {
      heldOpen.delete(promise);
      reject(error);
    },
  };
};

interface Script {
  renders?: Outcome<undefined>[];
  applies?: Outcome<NodeApplyOutput>[];
  cleanups?: Outcome<undefined>[];
}

/**
 * The fake actors' replies the machine has not received yet, by invoked actor id: `settle` waits
 * until there are none (a reply to an invocation the machine stopped counts as received, and one
 * the test holds open is not waited for).
 */
const createReplies = () => {
  const unanswered = new Map<string, Promise<unknown> | undefined>();
  return {
    /** The next scripted outcome of the invocation `id`, tracked until the machine receives it. */
    next<T>(id: string, signal: AbortSignal, queue: Outcome<T>[] | undefined, fallback: T) {
      const outcome = queue?.shift() ?? fallback;
      unanswered.set(id, outcome instanceof Promise ? outcome : undefined);
      signal.addEventListener('abort', () => unanswered.delete(id));
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    /** The machine received the reply named by an event it was sent. */
    received(eventType: string) {
      for (const prefix of ['xstate.done.actor.', 'xstate.error.actor.']) {
        if (eventType.startsWith(prefix)) unanswered.delete(eventType.slice(prefix.length));
      }
    },
    pending(): number {
      return [...unanswered.values()].filter((held) => held === undefined || !heldOpen.has(held))
        .length;
    },
  };
};

const start = (script: Script, first?: NodeObservation) => {
  const clock = new SimulatedClock();
  const calls = {
    render: [] as NodeRenderInput[],
    apply: [] as NodeApplyInput[],
    cleanup: [] as NodeCleanupInput[],
  };
  const signals = { apply: [] as AbortSignal[], cleanup: [] as AbortSignal[] };
  const replies = createReplies();
  const machine = nodeMachine.provide({
    actors: {
      renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(
        async ({ input, self, signal }) => {
          calls.render.push(input);
          await replies.next(self.id, signal, script.renders, undefined);
          return {
            generation: input.observation.generation,
            revision: input.observation.revision ?? '',
            plan: { generation: input.observation.generation },
          };
        },
      ),
      applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(({ input, self, signal }) => {
        calls.apply.push(input);
        signals.apply.push(signal);
        return replies.next(self.id, signal, script.applies, applied());
      }),
      cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input, self, signal }) => {
        calls.cleanup.push(input);
        signals.cleanup.push(signal);
        return replies.next(self.id, signal, script.cleanups, undefined);
      }),
    },
  });
  const actor = createActor(machine, {
    input: {
      node: { namespace: 'ns', name: 'n', uid: 'u' },
      ...(first ? { observation: first } : {}),
    },
    clock,
    inspect: (inspection) => {
      if (inspection.type === '@xstate.event') replies.received(inspection.event.type);
    },
  });
  const phases: string[] = [];
  /** `phase trigger` each time the phase changes: what status would show (SPEC O2). */
  const transitions: string[] = [];
  actor.subscribe((s) => {
    const phase = nodePhaseOf(s.value);
    if (phases.at(-1) !== phase) {
      phases.push(phase);
      transitions.push(`${phase} ${s.context.trigger}`);
    }
  });
  actor.start();
  const observe = (patch: Partial<NodeObservation>) => {
    actor.send({ type: 'node.observed', observation: observation(patch) });
  };
  const drift = (resource: DriftedResource) => {
    actor.send({ type: 'resource.drifted', resource });
  };
  /** Resolves once the machine received every reply of its fake actors (none held open). */
  const settle = async (): Promise<void> => {
    if (actor.getSnapshot().status !== 'active') return;
    await waitFor(actor, () => replies.pending() === 0, { timeout: 10_000 });
  };
  return { actor, clock, calls, signals, phases, transitions, observe, drift, settle };
};

const withRevision = { revision: 'form-abc' };

const configMap = (name: string): DriftedResource => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
});

describe('node.machine', () => {
  it('N1 waits quietly in pending for a node without a revision: no render, no apply', async () => {
    const { actor, calls, settle } = start({}, observation());
    await settle();
    assert.equal(actor.getSnapshot().value, 'pending');
    assert.equal(calls.render.length, 0);
    assert.equal(actor.getSnapshot().context.lastError, undefined);
  });

  it('N1 renders and applies once a revision arrives, and is ready', async () => {
    const { actor, calls, phases, observe, settle } = start({}, observation());
    observe({ ...withRevision });
    await settle();
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.deepEqual(phases, ['Pending', 'Rendering', 'Applying', 'Ready']);
    assert.equal(calls.render.length, 1);
    assert.equal(calls.apply[0]?.render.revision, 'form-abc');
  });

  it('N12 a ready node verifies its objects once per resync period, without a render, then is ready again; the period starts anew after each pass', async () => {
    const { actor, calls, clock, transitions, observe, settle } = start({}, observation());
    observe({ ...withRevision });
    await settle();
    assert.equal(calls.apply.length, 1);
    assert.equal(calls.apply[0]?.verify, false);
    clock.increment(resyncPeriodMillis - 1);
    await settle();
    assert.equal(calls.apply.length, 1, 'not before the period');
    clock.increment(1);
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(calls.apply[1]?.verify, true, 'a verification pass');
    assert.equal(calls.render.length, 1, 'no render');
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.ok(transitions.includes('Applying resync.due'));
    clock.increment(resyncPeriodMillis);
    await settle();
    assert.equal(calls.apply.length, 3);
    // A drift repair between two resyncs is not a verification.
    actor.send({
      type: 'resource.drifted',
      resource: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'cm' },
    });
    clock.increment(1_000);
    await settle();
    assert.equal(calls.apply.length, 4);
    assert.equal(calls.apply[3]?.verify, false);
  });

  it('N1 re-renders on a new generation (new revision or new variables), not on a status-only change', async () => {
    const { actor, calls, observe, settle } = start({}, observation(withRevision));
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

  it('H8 a change of the deletion-protection mark re-applies once with the new mark; the same mark again does nothing', async () => {
    const { actor, calls, observe, settle } = start({}, observation(withRevision));
    await settle();
    assert.equal(calls.apply[0]?.observation.marked, undefined);
    observe({ ...withRevision, marked: true });
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(calls.apply[1]?.observation.marked, true);
    observe({ ...withRevision, marked: true });
    await settle();
    assert.equal(calls.apply.length, 2, 'an unchanged mark is no reason to apply');
    observe({ ...withRevision, marked: false });
    await settle();
    assert.equal(calls.apply.length, 3);
    assert.equal(calls.apply[2]?.observation.marked, false);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N1 a generation that changes during a pass is rendered right after it', async () => {
    const { actor, calls, observe, settle } = start({}, observation(withRevision));
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
    const { actor, clock, calls, settle } = start(
      { renders: [missing] },
      observation(withRevision),
    );
    await settle();
    assert.equal(actor.getSnapshot().value, 'degraded');
    assert.deepEqual(actor.getSnapshot().context.lastError, {
      reason: 'RevisionNotFound',
      message: 'revision form-abc not found',
      retryable: true,
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
    const { actor, clock, calls, phases, settle } = start(
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
    const broken = applied({
      outcome: { kind: 'failed', retryable: false, reason: 'ResourcesFailed' },
      failedCount: 1,
      readyCount: 0,
    });
    const { actor, clock, calls, observe, settle } = start(
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

  it('N12 drift reported in ready makes one apply pass after the burst settles, without a render, with every drifted object', async () => {
    const { actor, clock, calls, phases, transitions, drift, settle } = start(
      {},
      observation(withRevision),
    );
    await settle();
    assert.equal(calls.apply.length, 1);
    drift(configMap('a'));
    drift(configMap('b'));
    drift(configMap('a'));
    clock.increment(driftSettleMillis - 1);
    await settle();
    assert.equal(calls.apply.length, 1, 'nothing before the burst settles');
    drift({ apiVersion: 'v1', kind: 'Namespace', name: 'space' });
    clock.increment(1);
    await settle();
    assert.equal(calls.apply.length, 2, 'one pass for the whole burst');
    assert.equal(calls.render.length, 1, 'the render is current: no new render');
    assert.deepEqual(calls.apply[1]?.drifted, [
      configMap('a'),
      configMap('b'),
      { apiVersion: 'v1', kind: 'Namespace', name: 'space' },
    ]);
    assert.deepEqual(calls.apply[0]?.drifted, [], 'the first pass repaired nothing');
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.deepEqual(actor.getSnapshot().context.drifted, []);
    assert.deepEqual(phases, ['Rendering', 'Applying', 'Ready', 'Applying', 'Ready']);
    assert.equal(transitions.at(-2), `Applying ${nodeTriggers.resourceDrifted}`);
    clock.increment(resyncPeriodMillis - 1);
    await settle();
    assert.equal(calls.apply.length, 2, 'repaired drift is not repaired again');
  });

  it('N12 the next pass of a render starts from the plan the apply handed back; a new render replaces it', async () => {
    const held = { held: 'what the pass kept' };
    const { actor, clock, calls, drift, observe, settle } = start(
      { applies: [applied({ plan: held }), applied(), applied()] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(calls.apply[0]?.render.plan, { generation: 1 });
    drift(configMap('a'));
    clock.increment(driftSettleMillis);
    await settle();
    assert.equal(calls.render.length, 1);
    const second = calls.apply[1];
    assert.equal(second?.render.plan, held);
    assert.deepEqual([second.render.generation, second.render.revision], [1, 'form-abc']);
    observe({ ...withRevision, generation: 2 });
    await settle();
    assert.deepEqual(calls.apply[2]?.render.plan, { generation: 2 });
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N12 drift reported during a pass is repaired by one more pass right after it', async () => {
    const held = deferred<NodeApplyOutput>();
    const { actor, clock, calls, drift, settle } = start(
      { applies: [held.promise] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'passing' });
    drift(configMap('a'));
    clock.increment(driftSettleMillis);
    await settle();
    assert.equal(calls.apply.length, 1, 'the running pass is not interrupted');
    held.resolve(applied());
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.deepEqual(calls.apply[0]?.drifted, []);
    assert.deepEqual(calls.apply[1]?.drifted, [configMap('a')]);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N12 drift in degraded does not wait for the backoff: it renders and applies at once', async () => {
    const { actor, clock, calls, drift, settle } = start(
      { applies: [conflicted] },
      observation(withRevision),
    );
    await settle();
    assert.equal(actor.getSnapshot().value, 'degraded');
    drift(configMap('a'));
    clock.increment(driftSettleMillis);
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(calls.apply.length, 2);
    assert.deepEqual(calls.apply[1]?.drifted, [configMap('a')]);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N12 drift while a pass waits on a foreign finalizer is repaired before the backoff elapses', async () => {
    const waiting = applied({
      outcome: { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
    });
    const { actor, clock, calls, drift, settle } = start(
      { applies: [waiting] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'waiting' });
    drift(configMap('a'));
    clock.increment(driftSettleMillis);
    await settle();
    assert.equal(calls.apply.length, 2, 'before the 1 s backoff');
    assert.deepEqual(calls.apply[1]?.drifted, [configMap('a')]);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N9 drift reported while deleting is ignored: cleanup removes the objects itself', async () => {
    const { actor, clock, calls, observe, drift, settle } = start(
      { cleanups: [new Error('waiting on finalizer x')] },
      observation(withRevision),
    );
    await settle();
    observe({ ...withRevision, deleting: true });
    await settle();
    drift(configMap('a'));
    clock.increment(driftSettleMillis);
    await settle();
    assert.deepEqual(actor.getSnapshot().context.drifted, []);
    assert.equal(calls.apply.length, 1);
    clock.increment(1_000);
    await settle();
    assert.equal(actor.getSnapshot().status, 'done');
  });

  const deletionCases: [string, () => Script, string | undefined][] = [
    ['pending', () => ({}), 'pending'],
    ['rendering', () => ({ renders: [new Error('never mind')] }), undefined],
    ['ready', () => ({}), 'ready'],
    ['degraded', () => ({ applies: [conflicted] }), 'degraded'],
  ];
  for (const [label, script, waitFor] of deletionCases) {
    it(`N9 a deletion timestamp in ${label} leads to deleting, cleanup, and the end of the actor`, async () => {
      const { actor, calls, observe, settle } = start(
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
    const { actor, clock, calls, observe, settle } = start(
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
    const { actor, calls, settle } = start({}, observation({ deleting: true, ...withRevision }));
    await settle();
    assert.equal(calls.render.length, 0);
    assert.equal(calls.cleanup.length, 1);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('O2 a rebuilt actor starts from its observation: straight to a verification pass, never through Pending', async () => {
    const { actor, phases, calls, settle } = start(
      {},
      observation({ ...withRevision, generation: 7 }),
    );
    await settle();
    assert.deepEqual(phases, ['Rendering', 'Applying', 'Ready']);
    assert.equal(calls.render[0]?.observation.generation, 7);
    assert.equal(actor.getSnapshot().context.renderedGeneration, 7);
  });

  it('O2 every published transition carries the event that caused it, recorded by the machine', async () => {
    const ownerConflict: NodeApplyOutput = {
      ...conflicted,
      outcome: { kind: 'failed', retryable: true, reason: 'OwnerConflict' },
      conflictReason: 'OwnerConflict',
    };
    const { clock, transitions, observe, settle } = start(
      { applies: [ownerConflict] },
      observation(),
    );
    await settle();
    observe({ ...withRevision });
    await settle();
    clock.increment(1_000);
    await settle();
    observe({ ...withRevision, deleting: true });
    await settle();
    assert.deepEqual(transitions, [
      'Pending node.observed',
      'Rendering node.observed',
      'Applying render.done',
      'Degraded apply.failed: OwnerConflict',
      'Rendering backoff.elapsed',
      'Applying render.done',
      'Ready apply.done',
      'Deleting deletion.requested',
    ]);
  });

  it('O2 a failed render and a rejected apply name the failure in the trigger; no trigger is an XState internal name', async () => {
    const broken = start(
      { renders: [invalidSpecError('InvalidRevision', 'revision form-abc: cycle a → b → a')] },
      observation(withRevision),
    );
    const rejected = start(
      { applies: [transientError('KubeUnavailable', 'connection refused')] },
      observation(withRevision),
    );
    await broken.settle();
    await rejected.settle();
    assert.equal(broken.transitions.at(-1), 'Degraded render.failed: InvalidRevision');
    assert.equal(rejected.transitions.at(-1), 'Degraded apply.failed: KubeUnavailable');
    const known = new Set<string>(Object.values(nodeTriggers));
    for (const line of [...broken.transitions, ...rejected.transitions]) {
      const trigger = line.slice(line.indexOf(' ') + 1).split(': ')[0] ?? '';
      assert.ok(known.has(trigger), `${line}: not one of nodeTriggers`);
    }
  });

  it('N9 a deletion timestamp while applying cancels the apply and ignores its late result', async () => {
    const apply = deferred<NodeApplyOutput>();
    const { actor, calls, signals, observe, settle } = start(
      { applies: [apply.promise], cleanups: [new Error('waiting on finalizer x')] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'passing' });
    observe({ ...withRevision, deleting: true });
    await settle();
    assert.equal(signals.apply[0]?.aborted, true, 'the running apply is aborted');
    assert.equal(calls.cleanup.length, 1);
    apply.resolve(applied());
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { deleting: 'retrying' });
    assert.equal(actor.getSnapshot().context.lastApply, undefined, 'the late result is ignored');
    assert.equal(actor.getSnapshot().context.trigger, 'cleanup.failed: Error');
  });

  it('N9 lynq.sh/skip-cleanup observed while a cleanup waits for its backoff runs the cleanup at once, with the annotation', async () => {
    const { actor, calls, observe, settle } = start(
      { cleanups: [new Error('waiting on finalizer x')] },
      observation(withRevision),
    );
    await settle();
    observe({ ...withRevision, deleting: true });
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { deleting: 'retrying' });
    observe({ ...withRevision, deleting: true, skipCleanup: true });
    await settle();
    assert.equal(calls.cleanup.length, 2, 'no wait for the backoff');
    assert.equal(calls.cleanup[1]?.observation.skipCleanup, true);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('N9 lynq.sh/skip-cleanup observed during a running cleanup restarts it with the annotation', async () => {
    const running = deferred<undefined>();
    const { actor, calls, signals, observe, settle } = start(
      { cleanups: [running.promise] },
      observation({ ...withRevision, deleting: true }),
    );
    await settle();
    assert.equal(calls.cleanup.length, 1);
    observe({ ...withRevision, deleting: true, skipCleanup: true });
    await settle();
    assert.equal(signals.cleanup[0]?.aborted, true);
    assert.equal(calls.cleanup[1]?.observation.skipCleanup, true);
    assert.equal(actor.getSnapshot().status, 'done');
  });

  it('N9 a cleanup that fails with skip-cleanup set keeps its backoff: a repeated observation does not restart it', async () => {
    const { actor, clock, calls, observe, settle } = start(
      { cleanups: [new Error('finalizer patch failed'), new Error('again')] },
      observation({ ...withRevision, deleting: true, skipCleanup: true }),
    );
    await settle();
    observe({ ...withRevision, deleting: true, skipCleanup: true });
    await settle();
    assert.equal(calls.cleanup.length, 1);
    assert.deepEqual(actor.getSnapshot().value, { deleting: 'retrying' });
    clock.increment(1_000);
    await settle();
    assert.equal(calls.cleanup.length, 2);
  });

  const deterministic: [string, Error][] = [
    ['a broken dependency graph (InvalidRevision)', invalidSpecError('InvalidRevision', 'cycle')],
    // Budget overruns resolve with `failure` instead (node-render.actor.test.ts); any other
    // invalid-spec rejection is as final.
    ['any other invalid-spec rejection', invalidSpecError('InvalidVariables', 'not an object')],
  ];
  for (const [label, error] of deterministic) {
    it(`N14 ${label} is not retried until a new generation`, async () => {
      const { actor, clock, calls, observe, settle } = start(
        { renders: [error] },
        observation(withRevision),
      );
      await settle();
      assert.equal(actor.getSnapshot().value, 'degraded');
      assert.equal(actor.getSnapshot().context.lastError?.retryable, false);
      clock.increment(600_000);
      await settle();
      observe({ ...withRevision }); // our own status write: same generation
      clock.increment(600_000);
      await settle();
      assert.equal(calls.render.length, 1, 'no retry with the same observation');
      observe({ ...withRevision, revision: 'form-def', generation: 2 });
      await settle();
      assert.equal(calls.render.length, 2);
      assert.equal(calls.render[1]?.observation.revision, 'form-def');
      assert.equal(actor.getSnapshot().value, 'ready');
    });
  }

  const transient: [string, Error][] = [
    ['an aborted pool render', transientError('RenderAborted', 'worker exited')],
    ['an API read error', transientError('KubeUnavailable', 'connection reset')],
    ['an unclassified error', new Error('socket hang up')],
  ];
  for (const [label, error] of transient) {
    it(`N14 ${label} is retried with backoff`, async () => {
      const { actor, clock, calls, settle } = start(
        { renders: [error] },
        observation(withRevision),
      );
      await settle();
      assert.equal(actor.getSnapshot().value, 'degraded');
      clock.increment(1_000);
      await settle();
      assert.equal(calls.render.length, 2);
      assert.equal(actor.getSnapshot().value, 'ready');
    });
  }

  it('N1 a new generation that arrives during a render that fails for good is rendered right after it', async () => {
    const render = deferred<undefined>();
    const { actor, calls, observe, settle } = start(
      { renders: [render.promise] },
      observation(withRevision),
    );
    await settle();
    observe({ ...withRevision, generation: 2 });
    render.reject(invalidSpecError('InvalidRevision', 'cycle'));
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(calls.render[1]?.observation.generation, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N9 N10 a pass that only waits on a foreign finalizer stays Applying (never Degraded) and is retried with backoff', async () => {
    const waiting = applied({
      outcome: { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
      message: 'old: WaitingOnFinalizer (waiting on finalizer example.com/hold)',
    });
    const { actor, clock, calls, phases, settle } = start(
      { applies: [waiting, waiting] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'waiting' });
    clock.increment(1_000);
    await settle();
    assert.equal(calls.apply.length, 2);
    clock.increment(2_000);
    await settle();
    assert.equal(calls.apply.length, 3);
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.deepEqual(phases, ['Rendering', 'Applying', 'Ready']);
  });

  it('N1 a new generation while waiting on a finalizer is rendered at once', async () => {
    const waiting = applied({
      outcome: { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
    });
    const { actor, calls, observe, settle } = start(
      { applies: [waiting] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'waiting' });
    observe({ ...withRevision, generation: 2 });
    await settle();
    assert.equal(calls.render.length, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N8 a pass waiting for readiness stays Applying without polling; the watch-driven readiness change starts the next pass', async () => {
    const waiting = applied({
      outcome: {
        kind: 'waiting',
        on: 'readiness',
        resource: 'deploy',
        reason: 'WaitingForReady',
        deadlineMillis: 300_000,
      },
      message: 'deploy: WaitingForReady (status.availableReplicas: 0/2 replicas available)',
    });
    const { actor, clock, calls, phases, settle } = start(
      { applies: [waiting] },
      observation(withRevision),
    );
    await settle();
    assert.deepEqual(actor.getSnapshot().value, { applying: 'waitingForReady' });
    // No backoff polling: a long time without news starts nothing (short of the timeout).
    clock.increment(299_000);
    await settle();
    assert.equal(calls.apply.length, 1);
    actor.send({ type: 'resource.readinessChanged' });
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.equal(actor.getSnapshot().context.trigger, 'apply.done');
    assert.deepEqual(phases, ['Rendering', 'Applying', 'Ready']);
  });

  it('N8 the first readiness timeout starts a pass by itself (it fails the resource there)', async () => {
    const waiting = applied({
      outcome: {
        kind: 'waiting',
        on: 'readiness',
        resource: 'deploy',
        reason: 'WaitingForReady',
        deadlineMillis: 5_000,
      },
    });
    const timedOut = applied({
      outcome: { kind: 'failed', retryable: false, reason: 'ResourcesFailed' },
    });
    const { actor, clock, calls, settle } = start(
      { applies: [waiting, timedOut] },
      observation(withRevision),
    );
    await settle();
    clock.increment(4_999);
    await settle();
    assert.equal(calls.apply.length, 1);
    clock.increment(1);
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(actor.getSnapshot().value, 'degraded');
    // Not retryable: recovery waits for the watch, then renders and applies again.
    clock.increment(600_000);
    await settle();
    assert.equal(calls.apply.length, 2);
    actor.send({ type: 'resource.readinessChanged' });
    await settle();
    assert.equal(calls.apply.length, 3);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N8 a readiness change during a pass is not lost: the pass that follows sees it', async () => {
    const waiting = applied({
      outcome: {
        kind: 'waiting',
        on: 'readiness',
        resource: 'deploy',
        reason: 'WaitingForReady',
        deadlineMillis: 300_000,
      },
    });
    const gate = deferred<NodeApplyOutput>();
    const { actor, calls, settle } = start({ applies: [gate.promise] }, observation(withRevision));
    await settle();
    assert.equal(calls.apply.length, 1);
    actor.send({ type: 'resource.readinessChanged' });
    gate.resolve(waiting);
    await settle();
    assert.equal(calls.apply.length, 2);
    assert.equal(actor.getSnapshot().value, 'ready');
  });

  it('N8 a Ready node whose object stops being ready applies again', async () => {
    const { actor, calls, settle } = start({}, observation(withRevision));
    await settle();
    assert.equal(actor.getSnapshot().value, 'ready');
    actor.send({ type: 'resource.readinessChanged' });
    await settle();
    assert.equal(calls.apply.length, 2);
  });
});
