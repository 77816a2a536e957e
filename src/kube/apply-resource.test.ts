// The pure parts of applying: owner-reference rule, holder, desired object, update bodies, re-hold patch, outcomes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conflictError, invalidSpecError, transientError } from '../errors.js';
import type { RenderedManifest } from '../render/render-types.js';
import {
  applyResource,
  desiredObject,
  failedOutcome,
  holderOf,
  markedHash,
  observedDrift,
  otherClaimants,
  reholdPatch,
  updateBody,
  wantsOwnerReference,
  type OwningNode,
} from './apply-resource.js';
import type { KubeTransport } from './http-transport.js';
import type { KubeObject } from './kube-object.js';
import { createResourcePaths } from './resource-paths.js';

const node: OwningNode = { name: 'n1', namespace: 'home', uid: 'node-uid' };

const manifest = (
  namespace: string | undefined,
  extra: Record<string, unknown> = {},
): RenderedManifest => {
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', labels: { app: 'x' }, ...extra },
    data: { a: '1' },
  };
  return {
    id: 'cm',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'cm',
    namespace,
    namespaced: true,
    json: JSON.stringify(object),
    hash: 'hash-1',
  };
};

const live = (metadata: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'home', uid: 'obj-uid', resourceVersion: '7', ...metadata },
});

const tracked = { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home' };
const foreignRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor', uid: 'anchor-uid' };
const ourRef = { kind: 'LynqNode', name: 'n1', uid: 'node-uid', controller: true };

const meta = (obj: Record<string, unknown>): Record<string, unknown> =>
  obj['metadata'] as Record<string, unknown>;

describe('apply: owner references and the desired object', () => {
  it('N4 only an object in the node namespace with Delete gets an owner reference', () => {
    assert.equal(wantsOwnerReference('home', node, 'Delete'), true);
    assert.equal(wantsOwnerReference('elsewhere', node, 'Delete'), false);
    assert.equal(wantsOwnerReference(undefined, node, 'Delete'), false);
    assert.equal(wantsOwnerReference('home', node, 'Retain'), false);
  });

  it('N4 the desired object carries tracking labels, annotations, the hash and the controller reference', () => {
    const desired = desiredObject(manifest('home'), true, node, {
      creationPolicy: 'WhenNeeded',
      deletionPolicy: 'Delete',
    });
    assert.deepEqual(meta(desired), {
      name: 'cm',
      namespace: 'home',
      labels: { app: 'x', ...tracked },
      annotations: { 'lynq.sh/deletion-policy': 'Delete', 'lynq.sh/desired-hash': 'hash-1' },
      ownerReferences: [
        {
          apiVersion: 'operator.lynq.sh/v1',
          kind: 'LynqNode',
          name: 'n1',
          uid: 'node-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
  });

  it('N4 N7 cross-namespace, cluster-scoped and Retain objects get no owner reference; Once is marked', () => {
    const cross = desiredObject(manifest('elsewhere'), true, node, {
      creationPolicy: 'Once',
      deletionPolicy: 'Delete',
    });
    assert.equal(meta(cross)['ownerReferences'], undefined);
    assert.equal(meta(cross)['namespace'], 'elsewhere');
    assert.equal(
      (meta(cross)['annotations'] as Record<string, string>)['lynq.sh/created-once'],
      'true',
    );
    const cluster = desiredObject(manifest('home'), false, node, {
      creationPolicy: 'WhenNeeded',
      deletionPolicy: 'Delete',
    });
    assert.equal(meta(cluster)['namespace'], undefined);
    assert.equal(meta(cluster)['ownerReferences'], undefined);
    const retained = desiredObject(manifest(undefined), true, node, {
      creationPolicy: 'WhenNeeded',
      deletionPolicy: 'Retain',
    });
    assert.equal(meta(retained)['namespace'], 'home');
    assert.equal(meta(retained)['ownerReferences'], undefined);
  });
});

describe('apply: the deletion-protection mark', () => {
  it('H8 a marked node writes its objects marked; a merge update over a marked object unmarks it by name once lifted', () => {
    const marked = desiredObject(
      manifest('home'),
      true,
      { ...node, marked: true },
      {
        creationPolicy: 'WhenNeeded',
        deletionPolicy: 'Delete',
      },
    );
    assert.equal(
      (meta(marked)['labels'] as Record<string, string>)['lynq.sh/deletion-protection'],
      'true',
    );
    const plain = desiredObject(manifest('home'), true, node, {
      creationPolicy: 'WhenNeeded',
      deletionPolicy: 'Delete',
    });
    assert.equal(
      (meta(plain)['labels'] as Record<string, string>)['lynq.sh/deletion-protection'],
      undefined,
    );
    const liveMarked = live({ labels: { ...tracked, 'lynq.sh/deletion-protection': 'true' } });
    const merge = updateBody('merge', plain, liveMarked, node);
    assert.deepEqual(meta(merge)['labels'], {
      app: 'x',
      ...tracked,
      'lynq.sh/deletion-protection': null,
    });
    // Still marked: nothing to remove; an apply leaves removal to server-side apply itself.
    const kept = updateBody('merge', marked, liveMarked, { ...node, marked: true });
    assert.equal(
      (meta(kept)['labels'] as Record<string, unknown>)['lynq.sh/deletion-protection'],
      'true',
    );
  });
});

describe('apply: who holds an object', () => {
  it('N6 reads the holder from the tracking labels, and a release by this node as its own', () => {
    assert.deepEqual(holderOf(live({ labels: tracked }), node), { by: 'self' });
    assert.deepEqual(
      holderOf(live({ labels: { 'lynq.sh/node': 'n2', 'lynq.sh/node-namespace': 'home' } }), node),
      { by: 'node', node: 'home/n2' },
    );
    // Same name in another namespace is another node.
    assert.deepEqual(
      holderOf(live({ labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'other' } }), node),
      { by: 'node', node: 'other/n1' },
    );
    assert.deepEqual(holderOf(live({}), node), { by: 'none' });
    assert.deepEqual(
      holderOf(live({ annotations: { 'lynq.sh/orphaned-from': 'home/n1' } }), node),
      { by: 'self' },
    );
    assert.deepEqual(
      holderOf(live({ annotations: { 'lynq.sh/orphaned-from': 'home/n2' } }), node),
      { by: 'none' },
    );
  });

  it('N6 names the other field managers and the controller of an unheld object', () => {
    const obj = live({
      managedFields: [{ manager: 'kubectl' }, { manager: 'lynq' }, { manager: 'kubectl' }],
      ownerReferences: [{ ...foreignRef, kind: 'Deployment', name: 'web', controller: true }],
    });
    assert.equal(otherClaimants(obj), 'field managers kubectl; controller Deployment/web');
    assert.match(otherClaimants(live({})), /unknown/);
  });

  it('N13 drift: gone, not held, orphaned, or another desired hash', () => {
    const held = live({ labels: tracked, annotations: { 'lynq.sh/desired-hash': 'hash-1' } });
    const m = { hash: 'hash-1' };
    assert.equal(observedDrift(held, node, m, 'WhenNeeded'), false);
    assert.equal(observedDrift(undefined, node, m, 'WhenNeeded'), true);
    assert.equal(observedDrift(live({}), node, m, 'WhenNeeded'), true);
    assert.equal(observedDrift(held, node, { hash: 'hash-2' }, 'WhenNeeded'), true);
    assert.equal(observedDrift(held, node, { hash: 'hash-2' }, 'Once'), false);
  });
});

describe('apply: update bodies per strategy', () => {
  const desired = desiredObject(manifest('home'), true, node, {
    creationPolicy: 'WhenNeeded',
    deletionPolicy: 'Delete',
  });
  const current = live({
    labels: tracked,
    ownerReferences: [foreignRef, ourRef],
    finalizers: ['example.com/keep'],
  });

  it('N5 apply sends the desired object with the live resourceVersion as precondition', () => {
    const body = updateBody('apply', desired, current, node);
    assert.equal(meta(body)['resourceVersion'], '7');
    assert.deepEqual(
      (meta(body)['ownerReferences'] as { uid: string }[]).map((r) => r.uid),
      ['node-uid'],
    );
    assert.equal(meta(body)['finalizers'], undefined);
  });

  it('N5 merge keeps foreign owner references in the list it replaces', () => {
    const body = updateBody('merge', desired, current, node);
    assert.equal(meta(body)['resourceVersion'], '7');
    assert.deepEqual(
      (meta(body)['ownerReferences'] as { uid: string }[]).map((r) => r.uid),
      ['anchor-uid', 'node-uid'],
    );
  });

  it('N5 merge clears a stale owner reference of this node when none is wanted', () => {
    const retained = desiredObject(manifest('home'), true, node, {
      creationPolicy: 'WhenNeeded',
      deletionPolicy: 'Retain',
    });
    const body = updateBody('merge', retained, live({ ownerReferences: [ourRef] }), node);
    assert.equal(meta(body)['ownerReferences'], null);
  });

  it('N5 replace keeps foreign owner references and live finalizers', () => {
    const body = updateBody('replace', desired, current, node);
    assert.equal(meta(body)['resourceVersion'], '7');
    assert.deepEqual(
      (meta(body)['ownerReferences'] as { uid: string }[]).map((r) => r.uid),
      ['anchor-uid', 'node-uid'],
    );
    assert.deepEqual(meta(body)['finalizers'], ['example.com/keep']);
    assert.deepEqual(body['data'], { a: '1' });
  });
});

describe('apply: re-holding a released object', () => {
  it('N10 tests the uid and the release mark, removes the markers, restores labels and owner reference', () => {
    const released = live({
      labels: { app: 'x', 'lynq.sh/orphaned': 'true' },
      annotations: {
        'lynq.sh/orphaned-at': 't',
        'lynq.sh/orphaned-reason': 'RemovedFromTemplate',
        'lynq.sh/orphaned-from': 'home/n1',
      },
    });
    const ops = reholdPatch(released, node, true);
    assert.deepEqual(ops.slice(0, 2), [
      { op: 'test', path: '/metadata/uid', value: 'obj-uid' },
      { op: 'test', path: '/metadata/annotations/lynq.sh~1orphaned-from', value: 'home/n1' },
    ]);
    const removed = ops.filter((op) => op.op === 'remove').map((op) => op.path);
    assert.deepEqual(removed.sort(), [
      '/metadata/annotations/lynq.sh~1orphaned-at',
      '/metadata/annotations/lynq.sh~1orphaned-from',
      '/metadata/annotations/lynq.sh~1orphaned-reason',
      '/metadata/labels/lynq.sh~1orphaned',
    ]);
    const added = ops.filter((op) => op.op === 'add');
    assert.deepEqual(
      added.map((op) => op.path),
      [
        '/metadata/labels/lynq.sh~1node',
        '/metadata/labels/lynq.sh~1node-namespace',
        '/metadata/ownerReferences',
      ],
    );
  });
});

describe('apply: outcomes', () => {
  it('maps API errors to failed outcomes with the Kubernetes reason and whether to retry', () => {
    const forbidden = failedOutcome(
      invalidSpecError('KubeForbidden', 'POST x: forbidden', undefined, { reason: 'Forbidden' }),
    );
    assert.deepEqual(
      [forbidden.state, forbidden.reason, forbidden.retryable],
      ['failed', 'Forbidden', true],
    );
    const unknown = failedOutcome(invalidSpecError('UnknownKind', 'no such kind'));
    assert.deepEqual([unknown.reason, unknown.retryable], ['UnknownKind', true]);
    const invalid = failedOutcome(
      invalidSpecError('KubeInvalid', 'spec.replicas: Invalid value', undefined, {
        reason: 'Invalid',
      }),
    );
    assert.deepEqual([invalid.reason, invalid.retryable], ['Invalid', false]);
    const down = failedOutcome(transientError('KubeUnavailable', 'down'));
    assert.deepEqual([down.reason, down.retryable], ['ApplyError', true]);
    assert.equal(failedOutcome(conflictError('KubeConflict', 'x')).retryable, true);
    assert.equal(failedOutcome(new Error('boom')).message, 'boom');
  });

  it('an unreachable API server fails a resource as KubernetesUnreachable, retried, not as an apply error', () => {
    for (const err of [
      transientError('KubeRequestFailed', 'PATCH x: connect ECONNREFUSED 127.0.0.1:6443'),
      transientError('KubeUnavailable', 'PATCH x: unavailable', undefined, {
        status: 503,
        reason: 'ServiceUnavailable',
      }),
    ]) {
      const outcome = failedOutcome(err);
      assert.deepEqual(
        [outcome.state, outcome.reason, outcome.retryable],
        ['failed', 'KubernetesUnreachable', true],
      );
      assert.equal(outcome.message, err.message);
    }
  });

  it('N13 sends nothing when the hash is unchanged and nothing drifted', async () => {
    let requests = 0;
    const transport: KubeTransport = {
      request: () => {
        requests += 1;
        return Promise.reject(new Error('no request expected'));
      },
      stream: () => Promise.reject(new Error('no streams here')),
    };
    const outcome = await applyResource(
      { transport, paths: createResourcePaths(transport) },
      {
        node,
        manifest: manifest('home'),
        policies: {
          creationPolicy: 'WhenNeeded',
          deletionPolicy: 'Delete',
          conflictPolicy: 'Stuck',
          patchStrategy: 'apply',
        },
        lastAppliedHash: 'hash-1',
      },
    );
    assert.equal(outcome.state, 'unchanged');
    assert.equal(requests, 0);
  });

  it('H8 N7 a Once object is never updated, except that its deletion-protection mark follows the node', async () => {
    const requests: string[] = [];
    let labels: Record<string, string> = { ...tracked };
    const transport: KubeTransport = {
      request: (req) => {
        if (req.method === 'GET' && req.path === '/api/v1') {
          // Discovery of the core group, read once by the REST mapping.
          return Promise.resolve({
            status: 200,
            headers: {},
            body: {
              kind: 'APIResourceList',
              resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] }],
            },
          });
        }
        requests.push(`${req.method} ${req.path.split('?')[0] ?? ''}`);
        if (req.method === 'GET') {
          return Promise.resolve({
            status: 200,
            headers: {},
            body: live({ labels, annotations: { 'lynq.sh/desired-hash': 'hash-1' } }),
          });
        }
        if (req.method === 'PATCH') {
          const [test, op] = req.body as { op: string; path: string; value?: string }[];
          assert.deepEqual(test, { op: 'test', path: '/metadata/uid', value: 'obj-uid' });
          assert.equal(op?.path, '/metadata/labels/lynq.sh~1deletion-protection');
          labels =
            op.op === 'add' ? { ...labels, 'lynq.sh/deletion-protection': 'true' } : { ...tracked };
          return Promise.resolve({ status: 200, headers: {}, body: live({ labels }) });
        }
        return Promise.reject(new Error(`unexpected ${req.method}`));
      },
      stream: () => Promise.reject(new Error('no streams here')),
    };
    const deps = { transport, paths: createResourcePaths(transport) };
    const policies = {
      creationPolicy: 'Once',
      deletionPolicy: 'Delete',
      conflictPolicy: 'Stuck',
      patchStrategy: 'apply',
    } as const;
    const changed = { ...manifest('home'), hash: 'hash-2' };
    const unchanged = await applyResource(deps, {
      node,
      manifest: changed,
      policies,
      lastAppliedHash: 'hash-1',
    });
    assert.equal(unchanged.reason, 'CreatedOnce');
    assert.equal(requests.length, 0, 'a template change alone sends nothing');

    const marked = await applyResource(deps, {
      node: { ...node, marked: true },
      manifest: { ...changed, hash: markedHash('hash-2') },
      policies,
      lastAppliedHash: 'hash-1',
    });
    assert.deepEqual([marked.state, marked.reason], ['applied', 'Marked']);
    assert.equal(labels['lynq.sh/deletion-protection'], 'true');
    const unmarked = await applyResource(deps, {
      node,
      manifest: changed,
      policies,
      lastAppliedHash: markedHash('hash-2'),
    });
    assert.deepEqual([unmarked.state, unmarked.reason], ['applied', 'Unmarked']);
    assert.equal(labels['lynq.sh/deletion-protection'], undefined);
    assert.equal(requests.filter((r) => r.startsWith('PATCH')).length, 2);
    assert.ok(!requests.some((r) => r.startsWith('POST') || r.startsWith('PUT')));
  });

  it('N7 a gone Job whose run completed is not created again; without a completed run it is', async () => {
    const requests: string[] = [];
    const transport: KubeTransport = {
      request: (req) => {
        if (req.method === 'GET' && req.path === '/apis/batch/v1') {
          return Promise.resolve({
            status: 200,
            headers: {},
            body: {
              kind: 'APIResourceList',
              resources: [{ name: 'jobs', kind: 'Job', namespaced: true, verbs: [] }],
            },
          });
        }
        requests.push(`${req.method} ${req.path.split('?')[0] ?? ''}`);
        if (req.method === 'GET') {
          return Promise.resolve({
            status: 404,
            headers: {},
            body: { kind: 'Status', code: 404, reason: 'NotFound' },
          });
        }
        if (req.method === 'POST') {
          return Promise.resolve({ status: 201, headers: {}, body: live({ labels: tracked }) });
        }
        return Promise.reject(new Error(`unexpected ${req.method}`));
      },
      stream: () => Promise.reject(new Error('no streams here')),
    };
    const deps = { transport, paths: createResourcePaths(transport) };
    const job: RenderedManifest = {
      ...manifest('home'),
      id: 'job',
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: 'migrate',
      json: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } }),
    };
    const policies = {
      creationPolicy: 'Once',
      deletionPolicy: 'Delete',
      conflictPolicy: 'Stuck',
      patchStrategy: 'apply',
    } as const;
    const done = await applyResource(deps, {
      node,
      manifest: job,
      policies,
      drifted: true,
      completed: true,
    });
    assert.deepEqual([done.state, done.reason], ['unchanged', 'Completed']);
    assert.deepEqual(requests, ['GET /apis/batch/v1/namespaces/home/jobs/migrate']);

    const again = await applyResource(deps, { node, manifest: job, policies, drifted: true });
    assert.equal(again.state, 'created');
    assert.deepEqual(requests.slice(1), [
      'GET /apis/batch/v1/namespaces/home/jobs/migrate',
      'POST /apis/batch/v1/namespaces/home/jobs',
    ]);
  });

  it('N14 turns a transport failure into a failed outcome, and rethrows an abort', async () => {
    const transport: KubeTransport = {
      request: (req) =>
        req.signal?.aborted === true
          ? Promise.reject(new DOMException('aborted', 'AbortError'))
          : Promise.reject(transientError('KubeRequestFailed', 'connection refused')),
      stream: () => Promise.reject(new Error('no streams here')),
    };
    const req = {
      node,
      manifest: manifest('home'),
      policies: {
        creationPolicy: 'WhenNeeded',
        deletionPolicy: 'Delete',
        conflictPolicy: 'Stuck',
        patchStrategy: 'apply',
      },
    } as const;
    const outcome = await applyResource({ transport, paths: createResourcePaths(transport) }, req);
    assert.deepEqual([outcome.state, outcome.retryable], ['failed', true]);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      applyResource(
        { transport, paths: createResourcePaths(transport) },
        { ...req, signal: controller.signal },
      ),
      { name: 'AbortError' },
    );
  });
});
