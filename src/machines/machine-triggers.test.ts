// Every machine records domain events as its trigger, never the library's internal event names (SPEC O2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock, type AnyActorRef } from 'xstate';
import { invalidSpecError, transientError } from '../errors.js';
import type {
  FormSyncInput,
  FormSyncOutput,
  FormValidateInput,
  FormValidateOutput,
} from './form.contract.js';
import { formMachine, formRetryDelayMillis, formTriggers } from './form.machine.js';
import type {
  HubFinalizeInput,
  HubObservation,
  HubSyncInput,
  HubSyncOutput,
} from './hub.contract.js';
import { hubMachine, hubRetryDelayMillis, hubTriggers } from './hub.machine.js';
import {
  driftSettleMillis,
  nodeMachine,
  nodeTriggers,
  resyncPeriodMillis,
  type NodeApplyInput,
  type NodeApplyOutput,
  type NodeCleanupInput,
  type NodeObservation,
  type NodeRenderInput,
  type NodeRenderOutput,
} from './node.machine.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
};

/** The next scripted outcome; an Error entry makes that call reject. */
const next = <T>(queue: (T | Error)[], fallback: T): Promise<T> => {
  const outcome = queue.shift() ?? fallback;
  return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
};

/** Every trigger the actor's context held, in order, without repeats. */
const recordTriggers = (actor: AnyActorRef): string[] => {
  const seen: string[] = [];
  actor.subscribe((snapshot: { context: { trigger: string } }) => {
    if (seen.at(-1) !== snapshot.context.trigger) seen.push(snapshot.context.trigger);
  });
  return seen;
};

/** A trigger is a table entry, or a table entry, a colon and a CamelCase code. */
const assertDomainTriggers = (seen: readonly string[], table: Readonly<Record<string, string>>) => {
  const known = new Set(Object.values(table));
  for (const trigger of seen) {
    assert.ok(!trigger.startsWith('xstate.'), `library event recorded: ${trigger}`);
    const [event = '', code] = trigger.split(': ');
    assert.ok(known.has(event), `unknown trigger ${trigger}`);
    if (code !== undefined) assert.match(code, /^[A-Z][A-Za-z0-9]*$/, trigger);
  }
};

const hubObservation = (patch: Partial<HubObservation> = {}): HubObservation => ({
  generation: 1,
  syncIntervalMillis: 30_000,
  suspend: false,
  deleting: false,
  reconcileAt: undefined,
  ...patch,
});

const hubCounts: HubSyncOutput = {
  desired: 1,
  ready: 1,
  failed: 0,
  referencingTemplates: 1,
  rows: { total: 1, active: 1, rejected: 0 },
  wrote: true,
  duplicateUids: [],
};

const nodeObservation = (patch: Partial<NodeObservation> = {}): NodeObservation => ({
  generation: 1,
  deleting: false,
  appliedResources: [],
  revision: 'web-1',
  cleanupFinalizerIndex: 0,
  ...patch,
});

const nodeApplied = (patch: Partial<NodeApplyOutput> = {}): NodeApplyOutput => ({
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

describe('machine triggers', () => {
  it('O2 the hub records only domain events: rows.read, datasource.failed: <code>, …', async () => {
    const clock = new SimulatedClock();
    const syncs: (HubSyncOutput | Error)[] = [];
    const finalizes: (undefined | Error)[] = [];
    const machine = hubMachine.provide({
      actors: {
        syncHub: fromPromise<HubSyncOutput, HubSyncInput>(() => next(syncs, hubCounts)),
        finalizeHub: fromPromise<undefined, HubFinalizeInput>(() => next(finalizes, undefined)),
      },
    });
    const actor = createActor(machine, { input: { hub: { namespace: 'ns', name: 'h' } }, clock });
    const seen = recordTriggers(actor);
    actor.start();

    actor.send({ type: 'hub.observed', observation: hubObservation() });
    await settle();
    clock.increment(30_000);
    await settle();
    actor.send({ type: 'forms.changed' });
    await settle();
    actor.send({ type: 'sync.requested' });
    await settle();
    syncs.push(transientError('DatasourceAuthFailed', 'Access denied'));
    actor.send({ type: 'forms.changed' });
    await settle();
    syncs.push(transientError('SecretNotFound', 'no Secret db'));
    clock.increment(hubRetryDelayMillis(1, 30_000));
    await settle();
    syncs.push(new Error('plain'));
    actor.send({ type: 'sync.requested' });
    await settle();
    clock.increment(hubRetryDelayMillis(3, 30_000));
    await settle();
    actor.send({ type: 'hub.observed', observation: hubObservation({ suspend: true }) });
    actor.send({ type: 'hub.observed', observation: hubObservation({ generation: 2 }) });
    await settle();
    // A form change while a sync runs: another sync right after.
    actor.send({ type: 'hub.observed', observation: hubObservation({ generation: 3 }) });
    actor.send({ type: 'forms.changed' });
    await settle();
    actor.send({
      type: 'hub.observed',
      observation: hubObservation({ generation: 4, reconcileAt: 'now' }),
    });
    await settle();
    finalizes.push(transientError('KubernetesUnreachable', 'refused'));
    actor.send({ type: 'hub.observed', observation: hubObservation({ deleting: true }) });
    await settle();
    clock.increment(hubRetryDelayMillis(4, 30_000));
    await settle();

    assertDomainTriggers(seen, hubTriggers);
    for (const expected of [
      hubTriggers.started,
      hubTriggers.observed,
      hubTriggers.rowsRead,
      hubTriggers.syncDue,
      hubTriggers.formsChanged,
      hubTriggers.syncRequested,
      `${hubTriggers.datasourceFailed}: DatasourceAuthFailed`,
      `${hubTriggers.syncFailed}: SecretNotFound`,
      `${hubTriggers.syncFailed}: SyncFailed`,
      hubTriggers.backoffElapsed,
      hubTriggers.suspended,
      hubTriggers.resyncRequested,
      hubTriggers.deletionRequested,
      `${hubTriggers.finalizeFailed}: KubernetesUnreachable`,
    ]) {
      assert.ok(seen.includes(expected), `${expected} not seen in ${seen.join(', ')}`);
    }
    assert.ok(actor.getSnapshot().status === 'done', 'the hub finished deleting');
  });

  it('O2 the form records only domain events: form.validated, form.invalid, revisions.synced, …', async () => {
    const clock = new SimulatedClock();
    const validations: (FormValidateOutput | Error)[] = [];
    const passes: (FormSyncOutput | Error)[] = [];
    const synced: FormSyncOutput = { currentRevision: 'web-1', movedNodes: 0, deletedRevisions: 0 };
    const machine = formMachine.provide({
      actors: {
        validateForm: fromPromise<FormValidateOutput, FormValidateInput>(() =>
          next(validations, { errors: [] }),
        ),
        syncRevisions: fromPromise<FormSyncOutput, FormSyncInput>(() => next(passes, synced)),
      },
    });
    const actor = createActor(machine, {
      input: { form: { namespace: 'ns', name: 'web' } },
      clock,
    });
    const seen = recordTriggers(actor);
    actor.start();
    const observe = (generation: number, deleting = false) => {
      actor.send({ type: 'form.observed', observation: { generation, deleting } });
    };

    observe(1);
    await settle();
    actor.send({ type: 'nodes.changed' });
    await settle();
    validations.push({ errors: ['resource a: dependIds names b, which does not exist'] });
    observe(2);
    await settle();
    actor.send({ type: 'hub.changed' });
    await settle();
    validations.push(transientError('KubernetesUnreachable', 'refused'));
    observe(3);
    await settle();
    clock.increment(formRetryDelayMillis(1));
    await settle();
    passes.push(transientError('RevisionWriteFailed', 'conflict'));
    observe(4);
    await settle();
    passes.push({ ...synced, suspended: true, heldNodes: 1 });
    clock.increment(formRetryDelayMillis(2));
    await settle();
    // nodes.changed during a pass asks for another one right after.
    actor.send({ type: 'nodes.changed' });
    actor.send({ type: 'nodes.changed' });
    await settle();
    observe(5, true);
    await settle();

    assertDomainTriggers(seen, formTriggers);
    for (const expected of [
      formTriggers.started,
      formTriggers.observed,
      formTriggers.validated,
      formTriggers.revisionsSynced,
      formTriggers.nodesChanged,
      formTriggers.invalid,
      formTriggers.hubChanged,
      `${formTriggers.validationFailed}: KubernetesUnreachable`,
      formTriggers.backoffElapsed,
      `${formTriggers.revisionsFailed}: RevisionWriteFailed`,
      formTriggers.revisionsHeld,
      formTriggers.deletionRequested,
    ]) {
      assert.ok(seen.includes(expected), `${expected} not seen in ${seen.join(', ')}`);
    }
  });

  it('O2 the node records only domain events: render.done, apply.failed: <reason>, …', async () => {
    const clock = new SimulatedClock();
    const renders: (undefined | Error)[] = [];
    const applies: (NodeApplyOutput | Error)[] = [];
    const cleanups: (undefined | Error)[] = [];
    const machine = nodeMachine.provide({
      actors: {
        renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(async ({ input }) => {
          await next(renders, undefined);
          return {
            generation: input.observation.generation,
            revision: input.observation.revision ?? '',
            plan: {},
          };
        }),
        applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(() => next(applies, nodeApplied())),
        cleanupNode: fromPromise<undefined, NodeCleanupInput>(() => next(cleanups, undefined)),
      },
    });
    const actor = createActor(machine, {
      input: { node: { namespace: 'ns', name: 'n', uid: 'u' } },
      clock,
    });
    const seen = recordTriggers(actor);
    actor.start();
    const observe = (patch: Partial<NodeObservation>) => {
      actor.send({ type: 'node.observed', observation: nodeObservation(patch) });
    };

    observe({ revision: undefined });
    await settle();
    observe({});
    await settle();
    actor.send({
      type: 'resource.drifted',
      resource: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c' },
    });
    clock.increment(driftSettleMillis);
    await settle();
    clock.increment(resyncPeriodMillis);
    await settle();
    applies.push(
      nodeApplied({
        outcome: { kind: 'failed', retryable: true, reason: 'OwnerConflict' },
        readyCount: 0,
        failedCount: 1,
        conflictReason: 'OwnerConflict',
      }),
    );
    observe({ generation: 2 });
    await settle();
    clock.increment(60_000);
    await settle();
    renders.push(invalidSpecError('InvalidRevision', 'cycle a → b → a'));
    observe({ generation: 3 });
    await settle();
    applies.push(transientError('KubernetesUnreachable', 'refused'));
    observe({ generation: 4 });
    await settle();
    cleanups.push(transientError('KubernetesUnreachable', 'refused'));
    observe({ generation: 4, deleting: true });
    await settle();
    clock.increment(60_000);
    await settle();

    assertDomainTriggers(seen, nodeTriggers);
    for (const expected of [
      nodeTriggers.observed,
      nodeTriggers.renderDone,
      nodeTriggers.applyDone,
      nodeTriggers.resourceDrifted,
      nodeTriggers.resyncDue,
      `${nodeTriggers.applyFailed}: OwnerConflict`,
      `${nodeTriggers.renderFailed}: InvalidRevision`,
      nodeTriggers.deletionRequested,
    ]) {
      assert.ok(seen.includes(expected), `${expected} not seen in ${seen.join(', ')}`);
    }
  });
});
