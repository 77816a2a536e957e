// What counts as a namespace's own contents for the node that created it (SPEC N6).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { belongsWith, listableResources } from './namespace-contents.js';

const node = { namespace: 'home', name: 'n1' };

describe('namespace contents', () => {
  it('N6 only namespaced kinds that can be listed are looked at; subresources are skipped', () => {
    const found = listableResources('apps/v1', {
      resources: [
        { name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list', 'get'] },
        { name: 'deployments/scale', kind: 'Scale', namespaced: true, verbs: ['get'] },
        { name: 'bindings', kind: 'Binding', namespaced: true, verbs: ['create'] },
        { name: 'nodes', kind: 'Node', namespaced: false, verbs: ['list'] },
      ],
    });
    assert.deepEqual(found, [
      { groupVersion: 'apps/v1', plural: 'deployments', kind: 'Deployment' },
    ]);
    assert.deepEqual(listableResources('v1', { nothing: true }), []);
  });

  it("N6 the node's objects, dependents, events and Kubernetes' own defaults belong; anything else is foreign", () => {
    const ours = { name: 'a', labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home' } };
    assert.equal(belongsWith('ConfigMap', ours, node), true);
    assert.equal(belongsWith('Pod', { name: 'p', ownerReferences: [{ uid: 'rs' }] }, node), true);
    assert.equal(belongsWith('Event', { name: 'e' }, node), true);
    assert.equal(belongsWith('ServiceAccount', { name: 'default' }, node), true);
    assert.equal(belongsWith('ConfigMap', { name: 'kube-root-ca.crt' }, node), true);
    assert.equal(belongsWith('ConfigMap', { name: 'precious' }, node), false);
    const another = {
      name: 'b',
      labels: { 'lynq.sh/node': 'n2', 'lynq.sh/node-namespace': 'home' },
    };
    assert.equal(belongsWith('ConfigMap', another, node), false);
    assert.equal(belongsWith('ServiceAccount', { name: 'robot' }, node), false);
    assert.equal(belongsWith('Pod', { name: 'p', ownerReferences: [] }, node), false);
  });
});
