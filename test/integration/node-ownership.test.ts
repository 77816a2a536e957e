// Drift by another field manager (SPEC N12): a merge patch or a forced server-side apply of a field Lynq set is taken back within seconds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { deploymentSpec } from '../fixtures/lynq-objects.js';
import { create, mergePatch, openWorld, type World } from './forms-world.js';
import { configMapEntry as cm, formOf, scenarioHub } from './node-scenarios.js';
import {
  configMapPath,
  getConfigMap,
  isReadyAtGeneration,
  nodeOf,
  nodeWhen,
} from './node-world.js';

const managersOf = (obj: unknown): string[] =>
  (
    (obj as { metadata: { managedFields?: { manager: string; operation: string }[] } }).metadata
      .managedFields ?? []
  ).map((e) => `${e.manager}:${e.operation}`);

describe('node drift by other field managers', () => {
  let world: World;
  before(async () => {
    world = await openWorld('node-ownership');
  });
  after(async () => {
    await world.close();
  });

  it('N12 a value changed by a merge patch, then taken by a forced server-side apply of another manager, is restored both times; fields Lynq does not set are left alone', async () => {
    await scenarioHub(world, 'owned', 'o0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'owned', 'owned', { configMaps: [cm('cfg', {}, { plan: '{{ plan }}' })] }),
    );
    const { metadata } = await nodeOf(world, 'owned', 'o0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    const path = configMapPath(world.ns, 'o0-cfg');
    const planIs = async (value: string, what: string) =>
      eventually(
        what,
        async () => {
          const live = await getConfigMap(world, 'o0-cfg');
          return live?.data?.['plan'] === value ? live : undefined;
        },
        60_000,
      );

    // Another writer's update: it now owns data.plan (and adds a field of its own).
    const merged = await world.request({
      method: 'PATCH',
      path: `${path}?fieldManager=editor`,
      contentType: 'application/merge-patch+json',
      body: { data: { plan: 'free', note: 'mine' } },
    });
    assert.equal(merged.status, 200, merged.text);
    const restored = await planIs('pro', 'the merge-patched value restored');
    assert.equal(restored.data?.['note'], 'mine', 'a field Lynq does not set is left alone');

    // Another manager forces its own apply over the field.
    const forced = await world.request({
      method: 'PATCH',
      path: `${path}?fieldManager=intruder&force=true`,
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'o0-cfg', namespace: world.ns },
        data: { plan: 'stolen' },
      },
    });
    assert.equal(forced.status, 200, forced.text);
    assert.equal((forced.body as { data: Record<string, string> }).data['plan'], 'stolen');
    const back = await planIs('pro', 'the force-applied value restored');
    assert.ok(
      managersOf(back).includes('lynq:Apply'),
      `Lynq holds its fields as an Apply manager: ${managersOf(back).join(', ')}`,
    );
    await nodeWhen(world, metadata.name, 'node Ready again', isReadyAtGeneration);
  });

  it('N11 N12 an external scale survives under ignoreFields, also when an image change in the form is applied', async () => {
    await scenarioHub(world, 'scaled', 's0');
    const form = (image: string) => ({
      deployments: [
        {
          id: 'app',
          nameTemplate: '{{ uid }}-app',
          ignoreFields: ['$.spec.replicas'],
          // No deployment controller here: the node does not wait for availability (N8).
          waitForReady: false,
          spec: deploymentSpec(image),
        },
      ],
    });
    await create(
      world,
      'lynqforms',
      formOf(world, 'scaled', 'scaled', form('registry.invalid/app:1')),
    );
    const { metadata } = await nodeOf(world, 'scaled', 's0');
    await nodeWhen(world, metadata.name, 'node Ready', isReadyAtGeneration);
    const path = `/apis/apps/v1/namespaces/${world.ns}/deployments/s0-app`;
    // What `kubectl scale --replicas=5` sends.
    const scaled = await world.request({
      method: 'PATCH',
      path: `${path}/scale?fieldManager=kubectl-scale`,
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    assert.equal(scaled.status, 200, scaled.text);

    await mergePatch(world, 'lynqforms', 'scaled', { spec: form('registry.invalid/app:2') });
    const live = await eventually('the new image applied', async () => {
      const res = await world.request({ method: 'GET', path });
      const body = res.body as {
        spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
      };
      return body.spec.template.spec.containers[0]?.image === 'registry.invalid/app:2'
        ? body
        : undefined;
    });
    assert.equal(live.spec.replicas, 5, 'the external scale survives');
    await nodeWhen(world, metadata.name, 'node Ready at the new generation', isReadyAtGeneration);
    const after = (await world.request({ method: 'GET', path })).body as {
      spec: { replicas: number };
    };
    assert.equal(after.spec.replicas, 5, 'still scaled once the node settled');
  });
});
