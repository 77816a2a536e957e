// Applying one resource for a node against the real API server, as the operator user: tracking, strategies, conflicts, Once, the hash skip, allow-list and failures.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  applyResource,
  type ApplyOutcome,
  type OwningNode,
  type ResourcePolicies,
  type ResourceWriteDeps,
} from '../../src/kube/apply-resource.js';
import {
  createHttpTransport,
  type HttpTransport,
  type KubeTransport,
} from '../../src/kube/http-transport.js';
import { createResourcePaths } from '../../src/kube/resource-paths.js';
import { defaultTargetPolicy } from '../../src/kube/target-policy.js';
import type { RenderedManifest } from '../../src/render/render-types.js';
import { lynqApiVersion } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest } from '../harness/kube-request.js';
import { auditEvents, createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

interface Meta {
  name: string;
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    uid: string;
    kind: string;
    name: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  finalizers?: string[];
}
interface ConfigMap {
  metadata: Meta;
  data?: Record<string, string>;
}

const defaults: ResourcePolicies = {
  creationPolicy: 'WhenNeeded',
  deletionPolicy: 'Delete',
  conflictPolicy: 'Stuck',
  patchStrategy: 'apply',
};

/** A rendered ConfigMap, hashed as the renderer would (any stable hash of the JSON will do here). */
const configMap = (
  name: string,
  namespace: string | undefined,
  data: Record<string, string>,
  id = name,
): RenderedManifest => {
  const json = JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    data,
  });
  return {
    id,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    namespace,
    namespaced: true,
    json,
    hash: createHash('sha256').update(json).digest('hex'),
  };
};

/** Shared per file: the operator's transport, an admin config, the node's namespace and a second one. */
interface World {
  admin: KubeConfig;
  transport: HttpTransport;
  deps: ResourceWriteDeps;
  ns: string;
  other: string;
  removers: (() => Promise<void>)[];
}

const openWorld = async (label: string): Promise<World> => {
  const admin = await kubeConfigFor('admin');
  const transport = createHttpTransport(await kubeConfigFor('operator'));
  const a = await createTestNamespace(label);
  const b = await createTestNamespace(`${label}-other`);
  return {
    admin,
    transport,
    deps: { transport, paths: createResourcePaths(transport) },
    ns: a.name,
    other: b.name,
    removers: [a.remove, b.remove],
  };
};

const closeWorld = async (world: World): Promise<void> => {
  world.transport.close();
  await Promise.all(world.removers.map((remove) => remove()));
};

/** A real LynqNode (owner references to a missing owner would be garbage-collected). */
const createNode = async (world: World, name: string): Promise<OwningNode> => {
  const res = await kubeRequest(world.admin, {
    method: 'POST',
    path: lynqPath('lynqnodes', world.ns),
    body: {
      apiVersion: lynqApiVersion,
      kind: 'LynqNode',
      metadata: { name, namespace: world.ns },
      spec: { uid: name, templateRef: 'form', variables: {} },
    },
  });
  assert.equal(res.status, 201, res.text);
  const uid = (res.body as { metadata: { uid: string } }).metadata.uid;
  return { name, namespace: world.ns, uid };
};

const cmPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${namespace}/configmaps/${name}`;

const getConfigMap = async (
  world: World,
  namespace: string,
  name: string,
): Promise<ConfigMap | undefined> => {
  const res = await kubeRequest(world.admin, { method: 'GET', path: cmPath(namespace, name) });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200, res.text);
  return res.body as ConfigMap;
};

const mustGet = async (world: World, namespace: string, name: string): Promise<ConfigMap> => {
  const cm = await getConfigMap(world, namespace, name);
  assert.ok(cm !== undefined, `ConfigMap ${namespace}/${name} exists`);
  return cm;
};

/** Another writer, as people and tools write: a merge patch under its own field manager. */
const patchAsOther = async (
  world: World,
  namespace: string,
  name: string,
  body: unknown,
  manager = 'someone-else',
): Promise<void> => {
  const res = await kubeRequest(world.admin, {
    method: 'PATCH',
    path: `${cmPath(namespace, name)}?fieldManager=${manager}`,
    contentType: 'application/merge-patch+json',
    body,
  });
  assert.equal(res.status, 200, res.text);
};

const createAsOther = async (
  world: World,
  namespace: string,
  name: string,
  data: Record<string, string>,
  manager = 'pre-existing-tool',
): Promise<ConfigMap> => {
  const res = await kubeRequest(world.admin, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/configmaps?fieldManager=${manager}`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
  });
  assert.equal(res.status, 201, res.text);
  return res.body as ConfigMap;
};

const expectState = (outcome: ApplyOutcome, state: ApplyOutcome['state']): void => {
  assert.equal(outcome.state, state, `${outcome.state} ${outcome.reason}: ${outcome.message}`);
};

describe('apply one resource: tracking and owner references', () => {
  let world: World;
  let node: OwningNode;
  before(async () => {
    world = await openWorld('apply-tracking');
    node = await createNode(world, 'node-a');
  });
  after(async () => closeWorld(world));

  it('N4 an object in the node namespace with Delete gets tracking keys and a controller owner reference', async () => {
    const outcome = await applyResource(world.deps, {
      node,
      manifest: configMap('own', world.ns, { a: '1' }),
      policies: defaults,
    });
    expectState(outcome, 'created');
    const cm = await mustGet(world, world.ns, 'own');
    assert.equal(cm.metadata.labels?.['lynq.sh/node'], 'node-a');
    assert.equal(cm.metadata.labels['lynq.sh/node-namespace'], world.ns);
    assert.equal(cm.metadata.annotations?.['lynq.sh/deletion-policy'], 'Delete');
    assert.deepEqual(
      cm.metadata.ownerReferences?.map((r) => [
        r.kind,
        r.name,
        r.uid,
        r.controller,
        r.blockOwnerDeletion,
      ]),
      [['LynqNode', 'node-a', node.uid, true, true]],
    );
  });

  it('N4 a cross-namespace object gets tracking keys and no owner reference', async () => {
    const outcome = await applyResource(world.deps, {
      node,
      manifest: configMap('cross', world.other, { a: '1' }),
      policies: defaults,
    });
    expectState(outcome, 'created');
    const cm = await mustGet(world, world.other, 'cross');
    assert.equal(cm.metadata.labels?.['lynq.sh/node'], 'node-a');
    assert.equal(cm.metadata.labels['lynq.sh/node-namespace'], world.ns);
    assert.equal(cm.metadata.annotations?.['lynq.sh/deletion-policy'], 'Delete');
    assert.equal(cm.metadata.ownerReferences, undefined);
  });

  it('N4 a Retain object in the node namespace gets tracking keys and no owner reference', async () => {
    const outcome = await applyResource(world.deps, {
      node,
      manifest: configMap('kept', world.ns, { a: '1' }),
      policies: { ...defaults, deletionPolicy: 'Retain' },
    });
    expectState(outcome, 'created');
    const cm = await mustGet(world, world.ns, 'kept');
    assert.equal(cm.metadata.labels?.['lynq.sh/node'], 'node-a');
    assert.equal(cm.metadata.annotations?.['lynq.sh/deletion-policy'], 'Retain');
    assert.equal(cm.metadata.ownerReferences, undefined);
  });
});

describe('apply one resource: patch strategies', () => {
  let world: World;
  let node: OwningNode;
  let anchor: ConfigMap;
  before(async () => {
    world = await openWorld('apply-strategies');
    node = await createNode(world, 'node-s');
    // A real owner for the foreign owner reference, so the garbage collector leaves it be.
    anchor = await createAsOther(world, world.ns, 'anchor', {});
  });
  after(async () => {
    for (const strategy of ['apply', 'merge', 'replace']) {
      const cm = await getConfigMap(world, world.ns, `by-${strategy}`);
      if (cm?.metadata.finalizers !== undefined) {
        await patchAsOther(world, world.ns, `by-${strategy}`, { metadata: { finalizers: null } });
      }
    }
    await closeWorld(world);
  });

  for (const strategy of ['apply', 'merge', 'replace'] as const) {
    it(`N5 ${strategy}: creates when absent, updates, and ${strategy === 'replace' ? 'removes' : 'keeps'} a key another manager added; foreign owner references and finalizers stay`, async () => {
      const name = `by-${strategy}`;
      const policies: ResourcePolicies = { ...defaults, patchStrategy: strategy };
      const first = configMap(name, world.ns, { a: '1' });
      expectState(await applyResource(world.deps, { node, manifest: first, policies }), 'created');

      await patchAsOther(world, world.ns, name, {
        data: { extra: 'theirs' },
        metadata: {
          finalizers: ['example.com/keep'],
          ownerReferences: [
            ...((await mustGet(world, world.ns, name)).metadata.ownerReferences ?? []),
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor', uid: anchor.metadata.uid },
          ],
        },
      });

      const second = configMap(name, world.ns, { a: '2' });
      const outcome = await applyResource(world.deps, {
        node,
        manifest: second,
        policies,
        lastAppliedHash: first.hash,
      });
      expectState(outcome, 'applied');

      const cm = await mustGet(world, world.ns, name);
      assert.equal(cm.data?.['a'], '2');
      if (strategy === 'replace') assert.equal(cm.data['extra'], undefined);
      else assert.equal(cm.data['extra'], 'theirs');
      assert.deepEqual(cm.metadata.finalizers, ['example.com/keep']);
      assert.deepEqual(
        (cm.metadata.ownerReferences ?? []).map((r) => r.uid).sort(),
        [anchor.metadata.uid, node.uid].sort(),
      );
      assert.equal(cm.metadata.annotations?.['lynq.sh/desired-hash'], second.hash);
    });
  }
});

describe('apply one resource: conflicts', () => {
  let world: World;
  let nodeA: OwningNode;
  let nodeB: OwningNode;
  before(async () => {
    world = await openWorld('apply-conflicts');
    nodeA = await createNode(world, 'node-a');
    nodeB = await createNode(world, 'node-b');
  });
  after(async () => closeWorld(world));

  it('N6 an object held by another node is an OwnerConflict under every policy and strategy, untouched', async () => {
    expectState(
      await applyResource(world.deps, {
        node: nodeA,
        manifest: configMap('held', world.ns, { a: 'A' }),
        policies: defaults,
      }),
      'created',
    );
    const before = await mustGet(world, world.ns, 'held');
    for (const conflictPolicy of ['Stuck', 'Force'] as const) {
      for (const patchStrategy of ['apply', 'merge', 'replace'] as const) {
        const outcome = await applyResource(world.deps, {
          node: nodeB,
          manifest: configMap('held', world.ns, { a: 'B' }),
          policies: { ...defaults, conflictPolicy, patchStrategy },
        });
        expectState(outcome, 'conflict');
        assert.equal(outcome.reason, 'OwnerConflict');
        assert.match(outcome.message, /node-a/);
      }
    }
    const after = await mustGet(world, world.ns, 'held');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.data?.['a'], 'A');
  });

  it('N6 Stuck leaves a pre-existing object untouched under every strategy and names the other manager', async () => {
    const pre = await createAsOther(world, world.ns, 'pre', { a: 'theirs' });
    for (const patchStrategy of ['apply', 'merge', 'replace'] as const) {
      const outcome = await applyResource(world.deps, {
        node: nodeA,
        manifest: configMap('pre', world.ns, { a: 'ours' }),
        policies: { ...defaults, patchStrategy },
      });
      expectState(outcome, 'conflict');
      assert.equal(outcome.reason, 'ResourceConflict');
      assert.match(outcome.message, /pre-existing-tool/);
    }
    const after = await mustGet(world, world.ns, 'pre');
    assert.equal(after.metadata.resourceVersion, pre.metadata.resourceVersion);
    assert.equal(after.data?.['a'], 'theirs');
  });

  it('N6 Force takes a pre-existing object over, under every strategy', async () => {
    for (const patchStrategy of ['apply', 'merge', 'replace'] as const) {
      const name = `forced-${patchStrategy}`;
      await createAsOther(world, world.ns, name, { a: 'theirs' });
      const outcome = await applyResource(world.deps, {
        node: nodeA,
        manifest: configMap(name, world.ns, { a: 'ours' }),
        policies: { ...defaults, patchStrategy, conflictPolicy: 'Force' },
      });
      expectState(outcome, 'applied');
      const cm = await mustGet(world, world.ns, name);
      assert.equal(cm.data?.['a'], 'ours');
      assert.equal(cm.metadata.labels?.['lynq.sh/node'], 'node-a');
      assert.equal(cm.metadata.ownerReferences?.[0]?.uid, nodeA.uid);
    }
  });

  it('N6 a node that read the object as absent loses the create to the node that made it and reports OwnerConflict', async () => {
    expectState(
      await applyResource(world.deps, {
        node: nodeA,
        manifest: configMap('late', world.ns, { by: 'a' }),
        policies: defaults,
      }),
      'created',
    );
    // Node B's first read is stale (as if it ran just before A's create): its create must fail.
    let staleReads = 0;
    const stale: KubeTransport = {
      stream: (req) => world.transport.stream(req),
      request: async (req) => {
        if (req.method === 'GET' && req.path === cmPath(world.ns, 'late') && staleReads === 0) {
          staleReads += 1;
          return { status: 404, body: { kind: 'Status', reason: 'NotFound' }, headers: {} };
        }
        return world.transport.request(req);
      },
    };
    const outcome = await applyResource(
      { ...world.deps, transport: stale },
      {
        node: nodeB,
        manifest: configMap('late', world.ns, { by: 'b' }),
        policies: { ...defaults, conflictPolicy: 'Force' },
      },
    );
    assert.equal(staleReads, 1);
    expectState(outcome, 'conflict');
    assert.equal(outcome.reason, 'OwnerConflict');
    assert.equal((await mustGet(world, world.ns, 'late')).data?.['by'], 'a');
  });

  it('N6 two nodes racing for an absent object: exactly one creates it, the other conflicts', async () => {
    for (let round = 0; round < 5; round += 1) {
      const name = `race-${round}`;
      const [a, b] = await Promise.all([
        applyResource(world.deps, {
          node: nodeA,
          manifest: configMap(name, world.ns, { by: 'a' }),
          policies: { ...defaults, conflictPolicy: 'Force' },
        }),
        applyResource(world.deps, {
          node: nodeB,
          manifest: configMap(name, world.ns, { by: 'b' }),
          policies: { ...defaults, conflictPolicy: 'Force' },
        }),
      ]);
      const states = [a.state, b.state].sort();
      assert.deepEqual(states, ['conflict', 'created'], `${a.message} / ${b.message}`);
      const winner = a.state === 'created' ? 'a' : 'b';
      const loser = a.state === 'created' ? b : a;
      assert.equal(loser.reason, 'OwnerConflict');
      const cm = await mustGet(world, world.ns, name);
      assert.equal(cm.data?.['by'], winner);
      assert.equal(cm.metadata.labels?.['lynq.sh/node'], `node-${winner}`);
    }
  });
});

describe('apply one resource: Once, the hash skip, allow-list and failures', () => {
  let world: World;
  let node: OwningNode;
  before(async () => {
    world = await openWorld('apply-once');
    node = await createNode(world, 'node-o');
  });
  after(async () => closeWorld(world));

  it('N7 Once creates the object marked created-once, never updates it, and re-creates it after deletion', async () => {
    const policies: ResourcePolicies = { ...defaults, creationPolicy: 'Once' };
    const first = configMap('once', world.ns, { v: '1' });
    expectState(await applyResource(world.deps, { node, manifest: first, policies }), 'created');
    const created = await mustGet(world, world.ns, 'once');
    assert.equal(created.metadata.annotations?.['lynq.sh/created-once'], 'true');

    const changed = configMap('once', world.ns, { v: '2' });
    const outcome = await applyResource(world.deps, {
      node,
      manifest: changed,
      policies,
      lastAppliedHash: first.hash,
      drifted: true,
    });
    expectState(outcome, 'unchanged');
    const still = await mustGet(world, world.ns, 'once');
    assert.equal(still.data?.['v'], '1');
    assert.equal(still.metadata.resourceVersion, created.metadata.resourceVersion);

    const res = await kubeRequest(world.admin, {
      method: 'DELETE',
      path: cmPath(world.ns, 'once'),
    });
    assert.equal(res.status, 200, res.text);
    expectState(
      await applyResource(world.deps, {
        node,
        manifest: changed,
        policies,
        lastAppliedHash: first.hash,
        drifted: true,
      }),
      'created',
    );
    assert.equal((await mustGet(world, world.ns, 'once')).data?.['v'], '2');
  });

  it('N13 an equal hash without drift writes nothing; drift writes again', async () => {
    const manifest = configMap('steady', world.ns, { v: '1' });
    expectState(await applyResource(world.deps, { node, manifest, policies: defaults }), 'created');
    const writes = async (): Promise<number> =>
      (
        await auditEvents(
          (e) =>
            e.user.username === 'lynq-operator' &&
            e.objectRef?.namespace === world.ns &&
            e.objectRef.resource === 'configmaps' &&
            e.objectRef.name === 'steady',
        )
      ).length;
    const afterCreate = await writes();
    assert.equal(afterCreate, 1);
    for (let i = 0; i < 5; i += 1) {
      expectState(
        await applyResource(world.deps, {
          node,
          manifest,
          policies: defaults,
          lastAppliedHash: manifest.hash,
        }),
        'unchanged',
      );
    }
    assert.equal(await writes(), afterCreate, 'no write for an unchanged resource');
    // A status that lagged behind the write: the live object already carries the hash.
    expectState(
      await applyResource(world.deps, {
        node,
        manifest,
        policies: defaults,
        lastAppliedHash: 'an-older-hash',
        drifted: false,
      }),
      'unchanged',
    );
    assert.equal(await writes(), afterCreate, 'no write when the live object carries the hash');
    expectState(
      await applyResource(world.deps, {
        node,
        manifest,
        policies: defaults,
        lastAppliedHash: manifest.hash,
        drifted: true,
      }),
      'applied',
    );
    assert.equal(await writes(), afterCreate + 1);
  });

  it('N16 a target outside the allow-list fails with TargetNotAllowed and writes nothing', async () => {
    const outcome = await applyResource(world.deps, {
      node,
      manifest: configMap('elsewhere', world.other, { v: '1' }),
      policies: defaults,
      targets: defaultTargetPolicy,
    });
    expectState(outcome, 'failed');
    assert.equal(outcome.reason, 'TargetNotAllowed');
    assert.equal(await getConfigMap(world, world.other, 'elsewhere'), undefined);
    const allowed = await applyResource(world.deps, {
      node,
      manifest: configMap('elsewhere', world.other, { v: '1' }),
      policies: defaults,
      targets: { ...defaultTargetPolicy, allowedNamespaces: [world.other] },
    });
    expectState(allowed, 'created');
  });

  it('N16 a kind outside the allow-list fails with TargetNotAllowed', async () => {
    const json = JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r', namespace: world.ns },
      rules: [],
    });
    const outcome = await applyResource(world.deps, {
      node,
      manifest: {
        id: 'role',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        name: 'r',
        namespace: world.ns,
        namespaced: true,
        json,
        hash: 'h',
      },
      policies: defaults,
      targets: defaultTargetPolicy,
    });
    expectState(outcome, 'failed');
    assert.equal(outcome.reason, 'TargetNotAllowed');
  });

  it('N14 an unknown kind, a missing target namespace and an RBAC denial fail only that resource, as outcomes, not exceptions', async () => {
    const widget = await applyResource(world.deps, {
      node,
      manifest: {
        id: 'widget',
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        name: 'w',
        namespace: world.ns,
        namespaced: true,
        json: JSON.stringify({
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' },
        }),
        hash: 'h',
      },
      policies: defaults,
    });
    expectState(widget, 'failed');
    assert.equal(widget.reason, 'UnknownKind');
    // The cluster may catch up (a CRD installed later): retried with backoff.
    assert.equal(widget.retryable, true);

    const missing = await applyResource(world.deps, {
      node,
      manifest: configMap('nowhere', 'no-such-namespace-lynq', { v: '1' }),
      policies: defaults,
    });
    expectState(missing, 'failed');
    assert.equal(missing.reason, 'NotFound');
    assert.match(missing.message, /no-such-namespace-lynq/);
    assert.equal(missing.retryable, true);

    const role = await applyResource(world.deps, {
      node,
      manifest: {
        id: 'role',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        name: 'r',
        namespace: world.ns,
        namespaced: true,
        json: JSON.stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'r' },
          rules: [],
        }),
        hash: 'h',
      },
      policies: defaults,
    });
    expectState(role, 'failed');
    assert.equal(role.reason, 'Forbidden');
    assert.match(role.message, /forbidden/i);
  });
});
