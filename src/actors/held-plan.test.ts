// What a node keeps of its render between passes (SPEC N12, N13): objects, hashes, policies and owned fields, no text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldPlanOf, heldResourcesOf, isHeldPlan } from './held-plan.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';

const configMap = (node: string, namespace: string | undefined): PlannedResource => ({
  id: 'settings',
  level: 0,
  dependIds: [],
  skipOnDependencyFailure: true,
  waitForReady: false,
  timeoutSeconds: 300,
  policies: {
    creationPolicy: 'WhenNeeded',
    deletionPolicy: 'Delete',
    conflictPolicy: 'Stuck',
    patchStrategy: 'apply',
    deleteAdopted: false,
    allowClusterScopedTakeover: false,
    ignoreFields: ['$.data.skipped'],
    recreateOnImmutableChange: false,
  },
  manifest: {
    id: 'settings',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: `${node}-settings`,
    namespace,
    namespaced: true,
    json: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${node}-settings`, labels: { app: node } },
      data: { plan: 'basic', skipped: 'x' },
    }),
    hash: `hash-${node}`,
  },
  renderError: undefined,
  renderReason: undefined,
});

const failed: PlannedResource = {
  ...configMap('n1', undefined),
  id: 'broken',
  manifest: undefined,
  renderError: 'bad template',
  renderReason: 'TemplateRenderError',
};

const planOf = (node: string, namespace?: string): NodePlan => ({
  levels: [[configMap(node, namespace), failed]],
});

describe('held plan', () => {
  it('N12 keeps each rendered object with its hash and policies, in the node’s namespace when the manifest names none, and no text', () => {
    const held = heldPlanOf(planOf('n1'), 'tenants');
    assert.equal(isHeldPlan(held), true);
    assert.equal(isHeldPlan(planOf('n1')), false);
    assert.equal(held.held.length, 1, 'a resource that did not render holds no object');
    const [r] = held.held;
    assert.deepEqual(
      {
        id: r?.id,
        apiVersion: r?.apiVersion,
        kind: r?.kind,
        namespace: r?.namespace,
        name: r?.name,
        hash: r?.hash,
        creationPolicy: r?.creationPolicy,
        waitForReady: r?.waitForReady,
      },
      {
        id: 'settings',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'tenants',
        name: 'n1-settings',
        hash: 'hash-n1',
        creationPolicy: 'WhenNeeded',
        waitForReady: false,
      },
    );
    assert.equal(heldPlanOf(planOf('n1', 'elsewhere'), 'tenants').held[0]?.namespace, 'elsewhere');
    assert.equal(JSON.stringify(held).includes('basic'), false, 'no rendered text is kept');
  });

  it('N11 N12 owned field paths leave out ignoreFields and are one list for nodes of the same shape', () => {
    const a = heldPlanOf(planOf('n1'), 'tenants').held[0]?.ownedPaths;
    const b = heldPlanOf(planOf('n2'), 'tenants').held[0]?.ownedPaths;
    assert.deepEqual(a, [
      ['f:metadata', 'f:labels', 'f:app'],
      ['f:data', 'f:plan'],
    ]);
    assert.equal(a, b);
  });

  it('reads a fresh render and a held one alike', () => {
    const fresh = planOf('n1');
    assert.deepEqual(heldResourcesOf(fresh, 'tenants'), heldPlanOf(fresh, 'tenants').held);
    assert.equal(heldResourcesOf(fresh, 'tenants'), heldResourcesOf(fresh, 'tenants'));
    assert.deepEqual(heldResourcesOf(undefined, 'tenants'), []);
  });
});
