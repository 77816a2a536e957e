// The target allow-list (SPEC N16): the node's namespace, allowed namespaces, allowed kinds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTarget, defaultAllowedKinds } from './target-policy.js';

const cm = (namespace: string | undefined) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace,
  namespaced: true,
});

describe('target policy', () => {
  it('N16 allows the node namespace (also when the manifest names none) and only listed others', () => {
    assert.deepEqual(checkTarget(cm('home'), 'home', [], defaultAllowedKinds), { allowed: true });
    assert.deepEqual(checkTarget(cm(undefined), 'home', [], defaultAllowedKinds), {
      allowed: true,
    });
    const denied = checkTarget(cm('away'), 'home', [], defaultAllowedKinds);
    assert.ok(!denied.allowed);
    assert.equal(denied.reason, 'TargetNotAllowed');
    assert.match(denied.message, /away/);
    assert.deepEqual(checkTarget(cm('away'), 'home', ['away'], defaultAllowedKinds), {
      allowed: true,
    });
    assert.deepEqual(checkTarget(cm('away'), 'home', ['*'], defaultAllowedKinds), {
      allowed: true,
    });
  });

  it('N16 allows only listed kinds by group, and a cluster-scoped kind by its kind alone', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      namespace: 'home',
      namespaced: true,
    };
    assert.equal(checkTarget(role, 'home', [], defaultAllowedKinds).allowed, false);
    assert.equal(checkTarget(role, 'home', [], ['rbac.authorization.k8s.io/Role']).allowed, true);
    assert.equal(checkTarget(role, 'home', [], ['*']).allowed, true);
    // Same kind name, another group: not the same kind.
    const fake = {
      apiVersion: 'example.com/v1',
      kind: 'ConfigMap',
      namespace: 'home',
      namespaced: true,
    };
    assert.equal(checkTarget(fake, 'home', [], defaultAllowedKinds).allowed, false);
    const ns = { apiVersion: 'v1', kind: 'Namespace', namespace: undefined, namespaced: false };
    assert.equal(checkTarget(ns, 'home', [], defaultAllowedKinds).allowed, true);
  });
});
