// Immutable fields (SPEC N15): a Job template change fails clearly and waits for the form; with recreateOnImmutableChange the Job is deleted and created anew.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { create, mergePatch, openWorld, type World } from './forms-world.js';
import { formOf, scenarioHub } from './node-scenarios.js';
import { nodeOf, resourceOf, statusWhen } from './node-world.js';

/** Nothing runs the Job (no job controller, no kubelet): the node does not wait for it (N8). */
const jobEntry = (image: string, extra: Record<string, unknown> = {}) => ({
  id: 'job',
  nameTemplate: '{{ uid }}-job',
  waitForReady: false,
  ...extra,
  spec: {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'run', image }] },
      },
    },
  },
});

interface JobView {
  metadata: { uid: string; deletionTimestamp?: string };
  spec: { template: { spec: { containers: { image: string }[] } } };
}

describe('node immutable fields', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-immutable');
  });
  after(async () => {
    await world.close();
  });

  it('N15 a Job template change fails with ImmutableFieldChanged naming the field; recreateOnImmutableChange deletes and re-creates it', async () => {
    await scenarioHub(world, 'jobs', 'j0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'jobs', 'jobs', { jobs: [jobEntry('registry.invalid/run:1')] }),
    );
    const { metadata } = await nodeOf(world, 'jobs', 'j0');
    await statusWhen(world, metadata.name, 'node Ready', (s) => s.phase === 'Ready');
    const path = `/apis/batch/v1/namespaces/${world.ns}/jobs/j0-job`;
    const first = (await world.request({ method: 'GET', path })).body as JobView;

    await mergePatch(world, 'lynqforms', 'jobs', {
      spec: { jobs: [jobEntry('registry.invalid/run:2')] },
    });
    const refused = await statusWhen(
      world,
      metadata.name,
      'the template change refused',
      (s) => resourceOf(s, 'job')?.reason === 'ImmutableFieldChanged',
    );
    assert.match(resourceOf(refused, 'job')?.message ?? '', /spec\.template/);
    assert.match(resourceOf(refused, 'job')?.message ?? '', /recreateOnImmutableChange/);
    assert.equal(refused.phase, 'Degraded');
    const kept = (await world.request({ method: 'GET', path })).body as JobView;
    assert.equal(kept.metadata.uid, first.metadata.uid, 'the Job is left as it was');

    await mergePatch(world, 'lynqforms', 'jobs', {
      spec: { jobs: [jobEntry('registry.invalid/run:2', { recreateOnImmutableChange: true })] },
    });
    const recreated = await eventually(
      'the Job created anew with the new template',
      async () => {
        const res = await world.request({ method: 'GET', path });
        const job = res.status === 200 ? (res.body as JobView) : undefined;
        return job !== undefined &&
          job.metadata.uid !== first.metadata.uid &&
          job.metadata.deletionTimestamp === undefined &&
          job.spec.template.spec.containers[0]?.image === 'registry.invalid/run:2'
          ? job
          : undefined;
      },
      120_000,
    );
    assert.ok(recreated);
    await statusWhen(world, metadata.name, 'node Ready again', (s) => s.phase === 'Ready');
  });
});
