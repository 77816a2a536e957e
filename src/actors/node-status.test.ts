// The node actor's publish decision (SPEC O2, DESIGN 3): the real node.machine with fake passes, its snapshots through nodePublication into a real status writer.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import type { LynqNodeStatus } from '../api/lynq-node.schema.js';
import type { ApiClient } from '../kube/api-client.js';
import { createStatusWriter } from '../kube/status-writer.js';
import {
  nodeMachine,
  nodePhaseOf,
  type NodeApplyInput,
  type NodeApplyOutput,
  type NodeContext,
  type NodeObservation,
  type NodeRenderInput,
  type NodeRenderOutput,
} from '../machines/node.machine.js';
import { isVerificationPass, nodePublication } from './node-status.js';
import { publishedStateOf, type PublishedState } from './published-state.js';

const statusPath = '/apis/operator.lynq.sh/v1/namespaces/ns/lynqnodes/n/status';

const readyApply: NodeApplyOutput = {
  outcome: { kind: 'ready', reason: 'AllResourcesReady' },
  message: '1/1 resources ready',
  resources: [{ id: 'cm', state: 'Ready', reason: 'Applied', lastDesiredChange: 'T0' }],
  appliedResources: [
    {
      id: 'cm',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'cm',
      deletionPolicy: 'Delete',
      creationPolicy: 'WhenNeeded',
      level: 0,
    },
  ],
  skippedResourceIds: [],
  desired: 1,
  readyCount: 1,
  failedCount: 0,
  conflictReason: undefined,
};

const ownerConflict: NodeApplyOutput = {
  ...readyApply,
  outcome: { kind: 'failed', retryable: true, reason: 'OwnerConflict' },
  message: 'cm: OwnerConflict (held by node ns/other)',
  resources: [{ id: 'cm', state: 'Conflicted', reason: 'OwnerConflict', message: 'held' }],
  readyCount: 0,
  failedCount: 1,
  conflictReason: 'OwnerConflict',
};

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
};

// The writer's timers are unref'd (they never hold the process open); these tests do.
const keepAlive = setInterval(() => undefined, 1_000);
after(() => {
  clearInterval(keepAlive);
});

/**
 * One operator process for one node: the machine runs a pass with `apply` as its outcome, and
 * every snapshot goes through the publish decision into a status writer that was told what the
 * server holds (`stored`), as the node actor does. Returns the bodies the writer sent.
 */
const runProcess = async (opts: {
  stored: Record<string, unknown> | undefined;
  generation: number;
  apply: NodeApplyOutput;
  now: string;
}) => {
  const sent: Record<string, unknown>[] = [];
  const client: ApiClient = {
    get: () => Promise.resolve(undefined),
    create: () => Promise.resolve(undefined),
    patch: (_path, _type, body) => {
      sent.push((body as { status: Record<string, unknown> }).status);
      return Promise.resolve(body);
    },
    remove: () => Promise.resolve(true),
  };
  const writer = createStatusWriter({
    client,
    logger: pino({ level: 'silent' }),
    minIntervalMs: 0,
  });
  writer.observe(statusPath, opts.stored);
  const status = opts.stored as LynqNodeStatus | undefined;
  let published: PublishedState | undefined = publishedStateOf(status);
  let applies = 0;
  const machine = nodeMachine.provide({
    actors: {
      renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(({ input }) =>
        Promise.resolve({
          generation: input.observation.generation,
          revision: 'form-abc',
          plan: undefined,
        }),
      ),
      applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(() => {
        applies += 1;
        return Promise.resolve(opts.apply);
      }),
    },
  });
  const observation: NodeObservation = {
    generation: opts.generation,
    deleting: false,
    appliedResources: opts.apply.appliedResources,
    revision: 'form-abc',
    cleanupFinalizerIndex: 0,
  };
  const actor = createActor(machine, {
    input: { node: { namespace: 'ns', name: 'n', uid: 'u' }, observation },
    clock: new SimulatedClock(),
  });
  actor.subscribe((snapshot) => {
    const next = nodePublication({
      phase: nodePhaseOf(snapshot.value),
      context: snapshot.context,
      published,
      status,
      generation: opts.generation,
      now: opts.now,
      cleanup: undefined,
    });
    if (next === undefined) return;
    published = next.published;
    writer.publish(statusPath, next.status);
  });
  actor.start();
  await settle();
  await writer.flush();
  const phase = nodePhaseOf(actor.getSnapshot().value);
  actor.stop();
  return { sent, applies, phase, last: sent.at(-1) };
};

/** The status a first process leaves behind for a node that became Ready at `generation`. */
const readyStatus = async (generation: number) => {
  const first = await runProcess({ stored: undefined, generation, apply: readyApply, now: 'T0' });
  assert.equal(first.phase, 'Ready');
  assert.ok(first.last !== undefined);
  return first.last;
};

describe('node status publication', () => {
  it('O2 a new node publishes Applying then Ready, each with the event that caused it', async () => {
    const stored = await readyStatus(1);
    assert.equal(stored['phase'], 'Ready');
    assert.equal(stored['phaseReason'], 'apply.done');
    assert.deepEqual(
      (stored['transitions'] as { from: string; to: string; event: string }[]).map(
        (t) => `${t.from}→${t.to} ${t.event}`,
      ),
      ['None→Applying node.observed', 'Applying→Ready apply.done'],
    );
  });

  it("O2 P3 a restart's verification pass of an unchanged Ready node writes nothing", async () => {
    const stored = await readyStatus(1);
    const restart = await runProcess({ stored, generation: 1, apply: readyApply, now: 'T1' });
    assert.equal(restart.applies, 1, 'the pass ran');
    assert.equal(restart.phase, 'Ready');
    assert.deepEqual(restart.sent, []);
  });

  it('O2 a restart that finds a real change (a conflict) writes Degraded, caused by apply.failed: OwnerConflict', async () => {
    const stored = await readyStatus(1);
    const restart = await runProcess({ stored, generation: 1, apply: ownerConflict, now: 'T1' });
    assert.equal(restart.sent.length, 1, 'no transient Applying on the way');
    const status = restart.last ?? {};
    assert.equal(status['phase'], 'Degraded');
    assert.equal(status['phaseReason'], 'apply.failed: OwnerConflict');
    assert.equal(status['phaseSince'], 'T1');
    const transitions = status['transitions'] as { from: string; to: string; event: string }[];
    assert.equal(transitions.length, 3, 'Ready → Degraded added, nothing else');
    assert.deepEqual(transitions.at(-1), {
      from: 'Ready',
      to: 'Degraded',
      event: 'apply.failed: OwnerConflict',
      at: 'T1',
    });
    const conditions = status['conditions'] as { type: string; status: string; reason: string }[];
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status} ${c.reason}`),
      [
        'Ready=False OwnerConflict',
        'Reconciling=False OwnerConflict',
        'Stalled=True OwnerConflict',
        'Progressing=False Degraded',
        'Degraded=True OwnerConflict',
        'Conflicted=True OwnerConflict',
      ],
    );
  });

  it('O2 a restart that finds a new generation (changed while the operator was down) publishes the pass', async () => {
    const stored = await readyStatus(1);
    const restart = await runProcess({ stored, generation: 2, apply: readyApply, now: 'T1' });
    const status = restart.last ?? {};
    assert.equal(status['observedGeneration'], 2);
    const transitions = status['transitions'] as { from: string; to: string; event: string }[];
    assert.deepEqual(
      transitions.slice(-2).map((t) => `${t.from}→${t.to} ${t.event}`),
      ['Ready→Applying node.observed', 'Applying→Ready apply.done'],
    );
  });
});

describe('isVerificationPass', () => {
  const shown = (phase: string): PublishedState => ({
    phase,
    phaseSince: 'T0',
    phaseReason: 'apply.done',
    transitions: [],
  });
  const cases: [string, PublishedState | undefined, number | undefined, boolean][] = [
    ['Ready at this generation', shown('Ready'), 3, true],
    ['Degraded at this generation', shown('Degraded'), 3, true],
    ['Ready at an older generation', shown('Ready'), 2, false],
    ['Applying at this generation', shown('Applying'), 3, false],
    ['Pending', shown('Pending'), 3, false],
    ['no published state', undefined, undefined, false],
  ];
  for (const [label, published, observedGeneration, expected] of cases) {
    it(`O2 a pass of a node showing ${label} is ${expected ? '' : 'not '}a verification pass`, () => {
      const status = (
        observedGeneration === undefined ? {} : { observedGeneration }
      ) as LynqNodeStatus;
      assert.equal(isVerificationPass(published, status, 3), expected);
    });
  }
});

describe('nodePublication while waiting on a foreign finalizer', () => {
  const waitingApply: NodeApplyOutput = {
    ...readyApply,
    outcome: { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
    message: 'old: WaitingOnFinalizer (waiting on finalizer example.com/hold)',
  };
  const context: NodeContext = {
    node: { namespace: 'ns', name: 'n', uid: 'u' },
    observed: undefined,
    renderedGeneration: 3,
    render: undefined,
    lastApply: waitingApply,
    failures: 1,
    lastError: undefined,
    trigger: 'apply.progressing: WaitingOnFinalizer',
    drifted: [],
    driftSettling: false,
    repairing: [],
  };

  it('N9 N10 shows Applying with Progressing=True naming the finalizer, Degraded=False, even after a Degraded phase', () => {
    const out = nodePublication({
      phase: 'Applying',
      context,
      published: { phase: 'Degraded', phaseSince: 'T0', phaseReason: 'x', transitions: [] },
      status: { observedGeneration: 3 },
      generation: 3,
      now: 'T1',
      cleanup: undefined,
    });
    assert.ok(out !== undefined, 'published, not taken for a verification pass');
    assert.equal(out.published.phase, 'Applying');
    const conditions = out.status['conditions'] as {
      type: string;
      status: string;
      message: string;
    }[];
    const byType = new Map(conditions.map((c) => [c.type, c]));
    assert.equal(byType.get('Progressing')?.status, 'True');
    assert.match(
      byType.get('Progressing')?.message ?? '',
      /waiting on finalizer example\.com\/hold/,
    );
    assert.equal(byType.get('Degraded')?.status, 'False');
  });
});

describe('nodePublication of a completed Job', () => {
  it('N7 a Ready node shows a Job completed since its last pass at once, in the same phase', () => {
    const context: NodeContext = {
      node: { namespace: 'ns', name: 'n', uid: 'u' },
      observed: undefined,
      renderedGeneration: 3,
      render: undefined,
      lastApply: readyApply,
      failures: 0,
      lastError: undefined,
      trigger: 'apply.done',
      drifted: [],
      driftSettling: false,
      repairing: [],
    };
    const published: PublishedState = {
      phase: 'Ready',
      phaseSince: 'T0',
      phaseReason: 'apply.done',
      transitions: [],
    };
    const out = nodePublication({
      phase: 'Ready',
      context,
      published,
      status: { observedGeneration: 3 },
      generation: 3,
      now: 'T1',
      cleanup: undefined,
      completions: new Map([['cm', { hash: 'h1' }]]),
    });
    assert.ok(out !== undefined);
    assert.equal(out.published, published, 'no new transition');
    assert.deepEqual(out.status['resources'], [
      {
        id: 'cm',
        state: 'Ready',
        reason: 'Applied',
        lastDesiredChange: 'T0',
        completed: true,
        completedHash: 'h1',
      },
    ]);
  });
});
