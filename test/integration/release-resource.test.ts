// Releasing and deleting one resource of a node against the real API server, as the operator user (SPEC N9, N10).
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
import { deleteResource } from '../../src/kube/delete-resource.js';
import {
  createHttpTransport,
  type HttpTransport,
  type KubeTransport,
} from '../../src/kube/http-transport.js';
import { releaseResource } from '../../src/kube/release-resource.js';
import { createResourcePaths } from '../../src/kube/resource-paths.js';
import type { RenderedManifest } from '../../src/render/render-types.js';
import { lynqApiVersion } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest } from '../harness/kube-request.js';
import { auditEvents, createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

interface ConfigMap {
  metadata: {
    uid: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string }[];
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  data?: Record<string, string>;
}

const policies: ResourcePolicies = {
  creationPolicy: 'WhenNeeded',
  deletionPolicy: 'Retain',
  conflictPolicy: 'Stuck',
  patchStrategy: 'apply',
};

const configMap = (
  name: string,
  namespace: string,
  data: Record<string, string>,
): RenderedManifest => {
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  return {
    id: name,
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    namespace,
    namespaced: true,
    json,
    hash: createHash('sha256').update(json).digest('hex'),
  };
};

const expectState = (
  outcome: { state: string; reason: string; message: string },
  state: string,
): void => {
  assert.equal(outcome.state, state, `${outcome.state} ${outcome.reason}: ${outcome.message}`);
};

describe('release and delete one resource', () => {
  let admin: KubeConfig;
  let transport: HttpTransport;
  let deps: ResourceWriteDeps;
  let ns: { name: string; remove: () => Promise<void> };
  let node: OwningNode;
  let other: OwningNode;

  const cmPath = (name: string): string => `/api/v1/namespaces/${ns.name}/configmaps/${name}`;
  const get = async (name: string): Promise<ConfigMap | undefined> => {
    const res = await kubeRequest(admin, { method: 'GET', path: cmPath(name) });
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200, res.text);
    return res.body as ConfigMap;
  };
  const mustGet = async (name: string): Promise<ConfigMap> => {
    const cm = await get(name);
    assert.ok(cm !== undefined, `ConfigMap ${name} exists`);
    return cm;
  };
  const createNode = async (name: string): Promise<OwningNode> => {
    const res = await kubeRequest(admin, {
      method: 'POST',
      path: lynqPath('lynqnodes', ns.name),
      body: {
        apiVersion: lynqApiVersion,
        kind: 'LynqNode',
        metadata: { name, namespace: ns.name },
        spec: { uid: name, templateRef: 'form', variables: {} },
      },
    });
    assert.equal(res.status, 201, res.text);
    return { name, namespace: ns.name, uid: (res.body as ConfigMap).metadata.uid };
  };
  const apply = async (
    name: string,
    data: Record<string, string>,
    overrides: Partial<ResourcePolicies> = {},
    by: OwningNode = node,
  ): Promise<ApplyOutcome> =>
    applyResource(deps, {
      node: by,
      manifest: configMap(name, ns.name, data),
      policies: { ...policies, ...overrides },
    });
  const target = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: ns.name,
    name,
  });

  before(async () => {
    admin = await kubeConfigFor('admin');
    transport = createHttpTransport(await kubeConfigFor('operator'));
    deps = { transport, paths: createResourcePaths(transport) };
    ns = await createTestNamespace('release');
    node = await createNode('node-r');
    other = await createNode('node-x');
  });
  after(async () => {
    transport.close();
    await ns.remove();
  });

  it('N10 release keeps the data, removes the owner reference and tracking labels, and adds the orphan markers', async () => {
    // Delete policy in the node's namespace: the object has an owner reference to drop.
    expectState(await apply('kept', { a: '1' }, { deletionPolicy: 'Delete' }), 'created');
    await kubeRequest(admin, {
      method: 'PATCH',
      path: `${cmPath('kept')}?fieldManager=someone-else`,
      contentType: 'application/merge-patch+json',
      body: { data: { theirs: 'x' }, metadata: { labels: { team: 'blue' } } },
    });
    const now = new Date('2030-01-02T03:04:05.000Z');
    const outcome = await releaseResource(deps, {
      node,
      target: target('kept'),
      reason: 'RemovedFromTemplate',
      now,
    });
    expectState(outcome, 'released');

    const cm = await mustGet('kept');
    assert.deepEqual(cm.data, { a: '1', theirs: 'x' });
    const labels = cm.metadata.labels ?? {};
    assert.equal(labels['lynq.sh/node'], undefined);
    assert.equal(labels['lynq.sh/node-namespace'], undefined);
    assert.equal(labels['lynq.sh/orphaned'], 'true');
    assert.equal(labels['team'], 'blue');
    assert.equal(cm.metadata.annotations?.['lynq.sh/orphaned-at'], now.toISOString());
    assert.equal(cm.metadata.annotations['lynq.sh/orphaned-reason'], 'RemovedFromTemplate');
    assert.deepEqual(cm.metadata.ownerReferences ?? [], []);

    // Releasing again is a no-op.
    expectState(
      await releaseResource(deps, { node, target: target('kept'), reason: 'RemovedFromTemplate' }),
      'released',
    );
    assert.equal((await mustGet('kept')).metadata.resourceVersion, cm.metadata.resourceVersion);
  });

  it('N10 re-adding a released object holds it again and removes the markers, data intact', async () => {
    const outcome = await apply('kept', { a: '1' }, { deletionPolicy: 'Delete' });
    expectState(outcome, 'applied');
    assert.equal(outcome.reason, 'Reheld');
    const cm = await mustGet('kept');
    const labels = cm.metadata.labels ?? {};
    const annotations = cm.metadata.annotations ?? {};
    assert.equal(labels['lynq.sh/node'], 'node-r');
    assert.equal(labels['lynq.sh/orphaned'], undefined);
    assert.equal(annotations['lynq.sh/orphaned-at'], undefined);
    assert.equal(annotations['lynq.sh/orphaned-reason'], undefined);
    assert.equal(annotations['lynq.sh/orphaned-from'], undefined);
    assert.deepEqual(
      (cm.metadata.ownerReferences ?? []).map((r) => r.uid),
      [node.uid],
    );
    assert.deepEqual(cm.data, { a: '1', theirs: 'x' });
  });

  it("N10 a released object is not another node's to take without Force, and release never touches what the node does not hold", async () => {
    expectState(await apply('loose', { a: '1' }), 'created');
    expectState(
      await releaseResource(deps, { node, target: target('loose'), reason: 'LynqNodeDeleted' }),
      'released',
    );
    const released = await mustGet('loose');
    const taken = await apply('loose', { a: '2' }, {}, other);
    expectState(taken, 'conflict');
    assert.equal(taken.reason, 'ResourceConflict');
    expectState(
      await releaseResource(deps, {
        node: other,
        target: target('loose'),
        reason: 'LynqNodeDeleted',
      }),
      'notHeld',
    );
    assert.equal(
      (await mustGet('loose')).metadata.resourceVersion,
      released.metadata.resourceVersion,
    );
  });

  it('N10 a release computed from a stale read fails its precondition and is computed again', async () => {
    expectState(await apply('raced', { a: '1' }, { deletionPolicy: 'Delete' }), 'created');
    // The first read answers with another uid (as if the object was re-created meanwhile).
    let staleReads = 0;
    const stale: KubeTransport = {
      stream: (r) => transport.stream(r),
      request: async (r) => {
        const res = await transport.request(r);
        if (r.method === 'GET' && r.path === cmPath('raced') && staleReads === 0) {
          staleReads += 1;
          const body = res.body as ConfigMap;
          return { ...res, body: { ...body, metadata: { ...body.metadata, uid: 'not-the-uid' } } };
        }
        return res;
      },
    };
    const outcome = await releaseResource(
      { ...deps, transport: stale },
      { node, target: target('raced'), reason: 'LynqNodeDeleted' },
    );
    assert.equal(staleReads, 1);
    expectState(outcome, 'released');
    const cm = await mustGet('raced');
    assert.equal(cm.metadata.labels?.['lynq.sh/orphaned'], 'true');
    assert.deepEqual(cm.metadata.ownerReferences ?? [], []);
  });

  it('N9 delete removes a held object with background propagation and reports it gone', async () => {
    expectState(await apply('doomed', { a: '1' }, { deletionPolicy: 'Delete' }), 'created');
    const outcome = await deleteResource(deps, { node, target: target('doomed') });
    expectState(outcome, 'gone');
    assert.equal(await get('doomed'), undefined);
    expectState(await deleteResource(deps, { node, target: target('doomed') }), 'gone');
    const deletes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.verb === 'delete' &&
        e.objectRef?.namespace === ns.name &&
        e.objectRef.name === 'doomed',
    );
    assert.equal(deletes.length, 1, 'one DELETE; an absent object needs none');
  });

  it('N9 delete of an object held by a finalizer reports "waiting on finalizer X" until it goes', async () => {
    expectState(await apply('held-back', { a: '1' }, { deletionPolicy: 'Delete' }), 'created');
    const patch = await kubeRequest(admin, {
      method: 'PATCH',
      path: cmPath('held-back'),
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: ['example.com/hold'] } },
    });
    assert.equal(patch.status, 200, patch.text);
    const first = await deleteResource(deps, { node, target: target('held-back') });
    expectState(first, 'deleting');
    assert.equal(first.reason, 'WaitingOnFinalizer');
    assert.equal(first.message, 'waiting on finalizer example.com/hold');
    assert.deepEqual(first.finalizers, ['example.com/hold']);
    const again = await deleteResource(deps, { node, target: target('held-back') });
    expectState(again, 'deleting');

    const release = await kubeRequest(admin, {
      method: 'PATCH',
      path: cmPath('held-back'),
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    });
    assert.equal(release.status, 200, release.text);
    expectState(await deleteResource(deps, { node, target: target('held-back') }), 'gone');
  });

  it('N9 delete leaves alone an object another node holds', async () => {
    expectState(await apply('theirs', { a: '1' }, { deletionPolicy: 'Delete' }, other), 'created');
    expectState(await deleteResource(deps, { node, target: target('theirs') }), 'notHeld');
    assert.ok((await get('theirs')) !== undefined);
  });

  it('N9 delete and release of a kind no longer served report it gone', async () => {
    const gone = { apiVersion: 'example.com/v1', kind: 'Widget', namespace: ns.name, name: 'w' };
    expectState(await deleteResource(deps, { node, target: gone }), 'gone');
    expectState(
      await releaseResource(deps, { node, target: gone, reason: 'LynqNodeDeleted' }),
      'gone',
    );
  });
});
