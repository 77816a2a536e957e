// The harness itself: server-side apply, garbage collection and namespace deletion, users and RBAC, the audit log, MariaDB.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
} from '../harness/test-env.js';

describe('control plane harness', () => {
  it('records field manager lynq in managedFields for a server-side applied ConfigMap', async () => {
    const kc = await kubeConfigFor('admin');
    const ns = await createTestNamespace('ssa');
    try {
      const res = await kubeRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns.name}/configmaps/applied?fieldManager=lynq`,
        contentType: 'application/apply-patch+yaml',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'applied' },
          data: { a: '1' },
        },
      });
      assert.equal(res.status, 201, res.text);
      const cm = res.body as {
        metadata: { managedFields: { manager: string; operation: string }[] };
      };
      assert.ok(
        cm.metadata.managedFields.some((f) => f.manager === 'lynq' && f.operation === 'Apply'),
      );
    } finally {
      await ns.remove();
    }
  });

  it('really removes a deleted namespace and its contents (namespace controller runs)', async () => {
    const kc = await kubeConfigFor('admin');
    const ns = await createTestNamespace('ns-delete');
    const cm = await kubeRequest(kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns.name}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inside' } },
    });
    assert.equal(cm.status, 201, cm.text);
    await ns.remove();
    await eventually('namespace gone', async () => {
      const res = await kubeRequest(kc, { method: 'GET', path: `/api/v1/namespaces/${ns.name}` });
      return res.status === 404;
    });
  });

  it('cascades owner references (garbage collector runs)', async () => {
    const kc = await kubeConfigFor('admin');
    const ns = await createTestNamespace('gc');
    try {
      const owner = await kubeRequest(kc, {
        method: 'POST',
        path: `/api/v1/namespaces/${ns.name}/configmaps`,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } },
      });
      const uid = (owner.body as { metadata: { uid: string } }).metadata.uid;
      const dependant = await kubeRequest(kc, {
        method: 'POST',
        path: `/api/v1/namespaces/${ns.name}/configmaps`,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'dependant',
            ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }],
          },
        },
      });
      assert.equal(dependant.status, 201, dependant.text);
      await kubeRequest(kc, {
        method: 'DELETE',
        path: `/api/v1/namespaces/${ns.name}/configmaps/owner`,
      });
      await eventually('dependant collected', async () => {
        const res = await kubeRequest(kc, {
          method: 'GET',
          path: `/api/v1/namespaces/${ns.name}/configmaps/dependant`,
        });
        return res.status === 404;
      });
    } finally {
      await ns.remove();
    }
  });

  it('gives the operator user the RBAC of src/api/operator-rbac.ts and the plain user nothing', async () => {
    const ns = await createTestNamespace('rbac');
    try {
      const operator = await kubeConfigFor('operator');
      const plain = await kubeConfigFor('plain');
      const asOperator = await kubeRequest(operator, {
        method: 'GET',
        path: lynqPath('lynqnodes', ns.name),
      });
      assert.equal(asOperator.status, 200, asOperator.text);
      const asPlain = await kubeRequest(plain, {
        method: 'GET',
        path: lynqPath('lynqnodes', ns.name),
      });
      assert.equal(asPlain.status, 403, asPlain.text);
      // Pods may be listed (a Namespace's contents, N6) but never read or written one by one.
      const pods = await kubeRequest(operator, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns.name}/pods`,
      });
      assert.equal(pods.status, 200, pods.text);
      const pod = await kubeRequest(operator, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns.name}/pods/any`,
      });
      assert.equal(pod.status, 403, pod.text);
      // Not in the operator's rules at all: nodes.
      const nodes = await kubeRequest(operator, { method: 'GET', path: '/api/v1/nodes' });
      assert.equal(nodes.status, 403, nodes.text);
    } finally {
      await ns.remove();
    }
  });

  it('counts one user\u2019s writes from the audit log', async () => {
    const ns = await createTestNamespace('audit');
    try {
      const operator = await kubeConfigFor('operator');
      for (const name of ['a', 'b', 'c']) {
        const res = await kubeRequest(operator, {
          method: 'POST',
          path: `/api/v1/namespaces/${ns.name}/configmaps`,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } },
        });
        assert.equal(res.status, 201, res.text);
      }
      await kubeRequest(operator, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns.name}/configmaps/a`,
      });
      const writes = await auditEvents(
        (e) => e.user.username === 'lynq-operator' && e.objectRef?.namespace === ns.name,
      );
      assert.deepEqual(
        writes.map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}`),
        ['create configmaps', 'create configmaps', 'create configmaps'],
      );
    } finally {
      await ns.remove();
    }
  });

  it('round-trips rows through MariaDB in a database of its own', async () => {
    const db = await createTestDatabase('roundtrip');
    try {
      await db.connection.query(
        'CREATE TABLE nodes (id VARCHAR(64) PRIMARY KEY, active BOOLEAN, plan JSON)',
      );
      await db.connection.query('INSERT INTO nodes VALUES (?, ?, ?), (?, ?, ?)', [
        'acme',
        true,
        JSON.stringify({ tier: 'pro' }),
        'globex',
        false,
        JSON.stringify({ tier: 'free' }),
      ]);
      const [rows] = await db.connection.query('SELECT id, active FROM nodes ORDER BY id');
      assert.deepEqual(
        (rows as { id: string; active: number }[]).map((r) => [r.id, r.active]),
        [
          ['acme', 1],
          ['globex', 0],
        ],
      );
    } finally {
      await db.drop();
    }
  });
});
