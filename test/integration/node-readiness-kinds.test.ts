// Readiness of a Namespace, a CRD (with the discovery refresh its dependants need) and any object with a `Ready` condition, on the real API server (SPEC N2, N8).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultAllowedKinds } from '../../src/kube/target-policy.js';
import { testUsers } from '../harness/control-plane.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { create, openWorld, type World } from './forms-world.js';
import { configMapEntry, formOf, scenarioHub, stopOperator } from './node-scenarios.js';
import { getObject, nodeOf, resourceOf, statusWhen } from './node-world.js';

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** A namespaced kind of `group` with a status subresource and no schema to speak of. */
const crdOf = (group: string, plural: string, kind: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  spec: {
    group,
    names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
});

const ok = (res: { status: number; text: string }, ...statuses: number[]): void => {
  assert.ok(statuses.includes(res.status), `${String(res.status)}: ${res.text}`);
};

describe('node readiness: Namespace, CRD and the generic Ready condition (N8)', () => {
  let world: World;
  let operator: OperatorProcess;
  let group: string;
  const grant = (name: string) => `lynq-readiness-${name}`;
  before(async () => {
    world = await openWorld('node-kinds');
    group = `${world.ns}.lynq.test`;
    // The Widget kind exists before the form: its objects report a `Ready` condition.
    ok(
      await world.request({
        method: 'POST',
        path: crdPath,
        body: {
          ...crdOf(group, 'widgets', 'Widget'),
          metadata: { name: `widgets.${group}` },
        },
      }),
      201,
    );
    // What an installer adds for kinds beyond the defaults (`rbac.extraRules` in the chart).
    ok(
      await world.request({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: grant(world.ns) },
          rules: [
            {
              apiGroups: ['apiextensions.k8s.io'],
              resources: ['customresourcedefinitions'],
              verbs: ['*'],
            },
            { apiGroups: [group], resources: ['*'], verbs: ['*'] },
          ],
        },
      }),
      201,
    );
    ok(
      await world.request({
        method: 'POST',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: grant(world.ns) },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: grant(world.ns),
          },
          subjects: [
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: testUsers.operator.user },
          ],
        },
      }),
      201,
    );
    await world.operator.stop();
    operator = await startOperator({
      namespace: world.ns,
      extraArgs: [
        '--allowed-kinds',
        [
          ...defaultAllowedKinds,
          'apiextensions.k8s.io/CustomResourceDefinition',
          `${group}/Gizmo`,
          `${group}/Widget`,
        ].join(','),
        '--allowed-cluster-names',
        `{{ uid }}-*,gizmos.${group}`,
      ],
    });
  });
  after(async () => {
    await stopOperator(operator);
    await world.close();
    for (const path of [
      `${crdPath}/widgets.${group}`,
      `${crdPath}/gizmos.${group}`,
      '/api/v1/namespaces/c0-space',
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${grant(world.ns)}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${grant(world.ns)}`,
    ]) {
      await world.request({ method: 'DELETE', path });
    }
  });

  it('N8 N2 a Namespace is ready when Active, a CRD once Established and its kind served (its dependant applies), any object by its Ready condition, walked from ready to waiting and back by the watch', async () => {
    await scenarioHub(world, 'kinds', 'c0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'kinds', 'kinds', {
        namespaces: [
          {
            id: 'space',
            nameTemplate: '{{ uid }}-space',
            spec: { apiVersion: 'v1', kind: 'Namespace' },
          },
        ],
        configMaps: [configMapEntry('settings', { dependIds: ['space'] })],
        manifests: [
          {
            id: 'crd',
            nameTemplate: `gizmos.${group}`,
            spec: crdOf(group, 'gizmos', 'Gizmo'),
          },
          {
            id: 'gizmo',
            nameTemplate: '{{ uid }}-gizmo',
            dependIds: ['crd'],
            spec: { apiVersion: `${group}/v1`, kind: 'Gizmo', spec: { size: 1 } },
          },
          {
            id: 'widget',
            nameTemplate: '{{ uid }}-widget',
            spec: { apiVersion: `${group}/v1`, kind: 'Widget', spec: { size: 1 } },
          },
        ],
      }),
    );
    const { metadata } = await nodeOf(world, 'kinds', 'c0');
    const ready = await statusWhen(world, metadata.name, 'node Ready', (s) => s.phase === 'Ready');
    for (const id of ['space', 'settings', 'crd', 'gizmo', 'widget']) {
      assert.equal(resourceOf(ready, id)?.state, 'Ready', id);
    }
    assert.equal(ready.readySummary, '5/5');
    assert.ok(
      await getObject(world, `/apis/${group}/v1/namespaces/${world.ns}/gizmos/c0-gizmo`),
      'the object of the new kind was applied once its CRD was Established',
    );

    // The widget's controller says it is not ready: the watch brings the node back to Applying.
    const widget = `/apis/${group}/v1/namespaces/${world.ns}/widgets/c0-widget`;
    const setReady = async (status: 'True' | 'False', reason: string) => {
      ok(
        await world.request({
          method: 'PATCH',
          path: `${widget}/status`,
          contentType: 'application/merge-patch+json',
          body: {
            status: {
              conditions: [
                {
                  type: 'Ready',
                  status,
                  reason,
                  message: `widget ${reason}`,
                  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
                },
              ],
            },
          },
        }),
        200,
      );
    };
    await setReady('False', 'Provisioning');
    const waiting = await statusWhen(
      world,
      metadata.name,
      'the widget waiting for its Ready condition',
      (s) => resourceOf(s, 'widget')?.reason === 'WaitingForReady',
    );
    assert.equal(waiting.phase, 'Applying');
    assert.match(resourceOf(waiting, 'widget')?.message ?? '', /^status\.conditions\[Ready\]: /);
    await setReady('True', 'Provisioned');
    const again = await statusWhen(
      world,
      metadata.name,
      'node Ready again',
      (s) => s.phase === 'Ready',
    );
    assert.equal(resourceOf(again, 'widget')?.state, 'Ready');
  });
});
