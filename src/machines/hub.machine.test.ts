// The hub statechart with fake actors and a simulated clock: syncing, backoff, suspend, reconcile-at, deletion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock, waitFor } from 'xstate';
import type {
  HubFinalizeInput,
  HubObservation,
  HubSyncInput,
  HubSyncOutput,
} from './hub.contract.js';
import { hubMachine, hubPhaseOf, hubRetryDelayMillis } from './hub.machine.js';

const counts: HubSyncOutput = {
  desired: 2,
  ready: 1,
  failed: 0,
  referencingTemplates: 1,
  rows: { total: 2, active: 2, rejected: 0 },
  wrote: true,
  duplicateUids: [],
};

const observation = (patch: Partial<HubObservation> = {}): HubObservation => ({
  generation: 1,
  syncIntervalMillis: 30_000,
  suspend: false,
  deleting: false,
  reconcileAt: undefined,
  ...patch,
});

/**
 * Resolves once no sync or finalization is running: every fake the machine invoked has answered
 * and the machine has acted on the answer. Time moves only with `clock.increment`, so after this
 * nothing more happens until the test acts.
 */
const settled = async (h: Harness): Promise<void> => {
  await waitFor(h.actor, (snapshot) => Object.keys(snapshot.children).length === 0);
};

interface Harness {
  readonly actor: ReturnType<typeof createActor<typeof hubMachine>>;
  readonly clock: SimulatedClock;
  readonly syncs: HubSyncInput[];
  readonly finalized: { count: number };
  /** The next sync results, in order; an Error entry makes that sync fail. */
  readonly results: (HubSyncOutput | Error)[];
}

const start = (): Harness => {
  const clock = new SimulatedClock();
  const syncs: HubSyncInput[] = [];
  const results: (HubSyncOutput | Error)[] = [];
  const finalized = { count: 0 };
  const machine = hubMachine.provide({
    actors: {
      syncHub: fromPromise<HubSyncOutput, HubSyncInput>(({ input }) => {
        syncs.push(input);
        const next = results.shift() ?? counts;
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      }),
      finalizeHub: fromPromise<undefined, HubFinalizeInput>(() => {
        finalized.count += 1;
        return Promise.resolve(undefined);
      }),
    },
  });
  const actor = createActor(machine, { input: { hub: { namespace: 'ns', name: 'hub' } }, clock });
  actor.start();
  return { actor, clock, syncs, finalized, results };
};

const phase = (h: Harness): string => hubPhaseOf(h.actor.getSnapshot().value);

describe('hub.machine', () => {
  it('waits in Pending until the hub is observed, then syncs and is Ready', async () => {
    const h = start();
    assert.equal(phase(h), 'Pending');
    h.actor.send({ type: 'hub.observed', observation: observation() });
    assert.equal(phase(h), 'Syncing');
    await settled(h);
    assert.equal(phase(h), 'Ready');
    assert.deepEqual(h.actor.getSnapshot().context.lastGood, counts);
  });

  it('H1 syncs again every syncInterval', async () => {
    const h = start();
    h.actor.send({
      type: 'hub.observed',
      observation: observation({ syncIntervalMillis: 10_000 }),
    });
    await settled(h);
    h.clock.increment(9_999);
    await settled(h);
    assert.equal(h.syncs.length, 1);
    h.clock.increment(1);
    await settled(h);
    assert.equal(h.syncs.length, 2);
  });

  it('does not sync again when only the status of the hub changed (same generation)', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation() });
    await settled(h);
    h.actor.send({ type: 'hub.observed', observation: observation() });
    await settled(h);
    assert.equal(h.syncs.length, 1);
  });

  it('syncs at once on a new generation', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation() });
    await settled(h);
    h.actor.send({ type: 'hub.observed', observation: observation({ generation: 2 }) });
    await settled(h);
    assert.deepEqual(
      h.syncs.map((s) => s.generation),
      [1, 2],
    );
  });

  it('H7 a failed sync is Degraded, keeps the last good counts and retries with backoff capped at syncInterval', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation({ syncIntervalMillis: 5_000 }) });
    await settled(h);
    h.results.push(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'DatasourceUnreachable' }),
    );
    h.results.push(new Error('again'), new Error('again'), new Error('again'));
    h.clock.increment(5_000);
    await settled(h);
    assert.equal(phase(h), 'Degraded');
    const ctx = h.actor.getSnapshot().context;
    assert.deepEqual(ctx.lastError, {
      code: 'DatasourceUnreachable',
      message: 'connect ECONNREFUSED',
      rowsRead: false,
    });
    assert.deepEqual(ctx.lastGood, counts);
    // Backoff 1 s, 2 s, 4 s, then capped at the 5 s sync interval.
    for (const wait of [1_000, 2_000, 4_000]) {
      const before = h.syncs.length;
      h.clock.increment(wait - 1);
      await settled(h);
      assert.equal(h.syncs.length, before);
      h.clock.increment(1);
      await settled(h);
      assert.equal(h.syncs.length, before + 1);
    }
    assert.equal(hubRetryDelayMillis(10, 5_000), 5_000);
    h.clock.increment(5_000);
    await settled(h);
    assert.equal(phase(h), 'Ready');
    assert.equal(h.actor.getSnapshot().context.failures, 0);
  });

  it('H7 retries every 2 s at most while the Kubernetes API server is unreachable, whatever the syncInterval', async () => {
    const h = start();
    h.actor.send({
      type: 'hub.observed',
      observation: observation({ syncIntervalMillis: 60_000 }),
    });
    await settled(h);
    const unreachable = () =>
      Object.assign(new Error('The Kubernetes API server is unreachable'), {
        code: 'KubernetesUnreachable',
      });
    h.results.push(unreachable(), unreachable(), unreachable(), unreachable(), unreachable());
    h.actor.send({ type: 'sync.requested' });
    await settled(h);
    assert.equal(phase(h), 'Degraded');
    for (const wait of [1_000, 2_000, 2_000, 2_000, 2_000]) {
      const before = h.syncs.length;
      h.clock.increment(wait - 1);
      await settled(h);
      assert.equal(h.syncs.length, before, `no retry before ${String(wait)} ms`);
      h.clock.increment(1);
      await settled(h);
      assert.equal(h.syncs.length, before + 1, `a retry after ${String(wait)} ms`);
    }
    assert.equal(phase(h), 'Ready');
  });

  it('H10 a form change syncs at once, and one during a sync syncs again right after', async () => {
    const h = start();
    h.actor.send({
      type: 'hub.observed',
      observation: observation({ syncIntervalMillis: 3_600_000 }),
    });
    h.actor.send({ type: 'forms.changed' });
    await settled(h);
    assert.equal(h.syncs.length, 2);
    h.actor.send({ type: 'forms.changed' });
    await settled(h);
    assert.equal(h.syncs.length, 3);
    assert.equal(phase(h), 'Ready');
  });

  it('H1b a change hint syncs at once from Ready; 1,000 hints during a sync make one more sync, not 1,000', async () => {
    const h = start();
    h.actor.send({
      type: 'hub.observed',
      observation: observation({ syncIntervalMillis: 3_600_000 }),
    });
    await settled(h);
    assert.equal(h.syncs.length, 1);
    h.actor.send({ type: 'rows.changed' });
    assert.equal(phase(h), 'Syncing');
    assert.equal(h.actor.getSnapshot().context.trigger, 'rows.changed');
    for (let i = 0; i < 1_000; i += 1) h.actor.send({ type: 'rows.changed' });
    await settled(h);
    await settled(h);
    assert.equal(h.syncs.length, 3);
    assert.equal(phase(h), 'Ready');
  });

  it("H1b H7 a change hint does not cut a failing hub's backoff short", async () => {
    const h = start();
    h.results.push(new Error('down'));
    h.actor.send({ type: 'hub.observed', observation: observation() });
    await settled(h);
    assert.equal(phase(h), 'Degraded');
    h.actor.send({ type: 'rows.changed' });
    await settled(h);
    assert.equal(h.syncs.length, 1);
    assert.equal(phase(h), 'Degraded');
  });

  it('H1b H11 a suspended hub ignores change hints', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation({ suspend: true }) });
    await settled(h);
    h.actor.send({ type: 'rows.changed' });
    await settled(h);
    assert.equal(h.syncs.length, 0);
    assert.equal(phase(h), 'Suspended');
  });

  it('H11 suspend stops syncs; lifting it syncs again', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation({ suspend: true }) });
    await settled(h);
    assert.equal(phase(h), 'Suspended');
    h.clock.increment(120_000);
    h.actor.send({ type: 'forms.changed' });
    await settled(h);
    assert.equal(h.syncs.length, 0);
    h.actor.send({ type: 'hub.observed', observation: observation({ generation: 2 }) });
    await settled(h);
    assert.equal(h.syncs.length, 1);
    assert.equal(phase(h), 'Ready');
  });

  it('H11 a new reconcile-at value syncs at once; the same value again does not', async () => {
    const h = start();
    h.actor.send({
      type: 'hub.observed',
      observation: observation({ syncIntervalMillis: 3_600_000 }),
    });
    await settled(h);
    const at = observation({ syncIntervalMillis: 3_600_000, reconcileAt: '2026-11-25T12:00:00Z' });
    h.actor.send({ type: 'hub.observed', observation: at });
    await settled(h);
    h.actor.send({ type: 'hub.observed', observation: at });
    await settled(h);
    assert.equal(h.syncs.length, 2);
  });

  it('H8 a deletion timestamp in any state finalizes the hub and ends the actor', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation() });
    h.actor.send({ type: 'hub.observed', observation: observation({ deleting: true }) });
    assert.equal(phase(h), 'Deleting');
    await settled(h);
    assert.equal(h.finalized.count, 1);
    assert.equal(h.actor.getSnapshot().status, 'done');
  });

  it('records the event that caused the current state (O2)', async () => {
    const h = start();
    h.actor.send({ type: 'hub.observed', observation: observation() });
    await settled(h);
    h.actor.send({ type: 'forms.changed' });
    assert.equal(h.actor.getSnapshot().context.trigger, 'forms.changed');
  });
});
