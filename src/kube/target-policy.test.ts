// The target allow-list (SPEC N16): the node's namespace, allowed namespaces, allowed kinds, allowed cluster names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkTarget,
  defaultAllowedKinds,
  defaultTargetPolicy,
  matchesClusterName,
  type TargetPolicy,
} from './target-policy.js';

const cm = (namespace: string | undefined) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'cfg',
  namespace,
  namespaced: true,
});

const home = { namespace: 'home', rowUid: 'acme' };

const policy = (changes: Partial<TargetPolicy> = {}): TargetPolicy => ({
  ...defaultTargetPolicy,
  ...changes,
});

const namespaceNamed = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  name,
  namespace: undefined,
  namespaced: false,
});

describe('target policy', () => {
  it('N16 allows the node namespace (also when the manifest names none) and only listed others', () => {
    assert.deepEqual(checkTarget(cm('home'), home, policy()), { allowed: true });
    assert.deepEqual(checkTarget(cm(undefined), home, policy()), { allowed: true });
    const denied = checkTarget(cm('away'), home, policy());
    assert.ok(!denied.allowed);
    assert.equal(denied.reason, 'TargetNotAllowed');
    assert.match(denied.message, /away/);
    assert.deepEqual(checkTarget(cm('away'), home, policy({ allowedNamespaces: ['away'] })), {
      allowed: true,
    });
    assert.deepEqual(checkTarget(cm('away'), home, policy({ allowedNamespaces: ['*'] })), {
      allowed: true,
    });
  });

  it('N16 allows only listed kinds by group', () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      name: 'r',
      namespace: 'home',
      namespaced: true,
    };
    assert.equal(checkTarget(role, home, policy()).allowed, false);
    const roles = policy({ allowedKinds: ['rbac.authorization.k8s.io/Role'] });
    assert.equal(checkTarget(role, home, roles).allowed, true);
    assert.equal(checkTarget(role, home, policy({ allowedKinds: ['*'] })).allowed, true);
    // Same kind name, another group: not the same kind.
    const fake = { ...cm('home'), apiVersion: 'example.com/v1' };
    assert.equal(checkTarget(fake, home, policy()).allowed, false);
    assert.ok(defaultAllowedKinds.includes('/Namespace'));
  });

  it('N16 a cluster-scoped object must be named after the row by default: a row value cannot name kube-system', () => {
    assert.equal(checkTarget(namespaceNamed('acme-prod'), home, policy()).allowed, true);
    // Namespace names are lowercase; uids need not be.
    const upper = { namespace: 'home', rowUid: 'Acme' };
    assert.equal(checkTarget(namespaceNamed('acme-prod'), upper, policy()).allowed, true);
    for (const name of ['acme', 'xacme-prod', 'prod-acme']) {
      const verdict = checkTarget(namespaceNamed(name), home, policy());
      assert.ok(!verdict.allowed, name);
      assert.equal(verdict.reason, 'TargetNotAllowed');
      assert.match(verdict.message, new RegExp(`Namespace ${name}.*allowed cluster names`));
    }
    const strict = policy({ allowedClusterNames: ['tenant-{{ uid }}'] });
    assert.equal(checkTarget(namespaceNamed('tenant-acme'), home, strict).allowed, true);
    // Namespaced objects are not subject to the name patterns.
    assert.equal(checkTarget(cm('home'), home, strict).allowed, true);
  });

  it('N16 names Kubernetes uses are never targets, whatever the patterns and the row say', () => {
    const kube = { namespace: 'home', rowUid: 'kube' };
    const open = policy({ allowedClusterNames: ['*'] });
    for (const name of ['kube-system', 'kube-public', 'default', 'system:masters']) {
      const verdict = checkTarget(namespaceNamed(name), kube, open);
      assert.ok(!verdict.allowed, name);
      assert.match(verdict.message, /reserved for Kubernetes/);
    }
    assert.equal(checkTarget(namespaceNamed('kube-system'), kube, policy()).allowed, false);
  });

  it('N16 cluster name patterns: * is any run, {{ uid }} the literal uid, the whole name must match', () => {
    assert.equal(matchesClusterName('*', 'anything', 'u'), true);
    assert.equal(matchesClusterName('{{ uid }}', 'a.b', 'a.b'), true);
    // A uid's regex characters are literal.
    assert.equal(matchesClusterName('{{ uid }}', 'axb', 'a.b'), false);
    assert.equal(matchesClusterName('team-*-{{ uid }}', 'team-x-y-u1', 'u1'), true);
    assert.equal(matchesClusterName('team-*-{{ uid }}', 'team-x-y-u1-z', 'u1'), false);
    assert.equal(matchesClusterName('{{ uid }}-*', 'u1-', 'u1'), true);
  });
});
