// The release patch (SPEC N10): preconditions, what it removes and adds, and nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OwningNode } from './apply-resource.js';
import type { KubeObject } from './kube-object.js';
import { releasePatch } from './release-resource.js';

const node: OwningNode = { name: 'n1', namespace: 'home', uid: 'node-uid' };
const now = new Date('2030-01-02T03:04:05.000Z');

const live = (metadata: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'cm',
    namespace: 'home',
    uid: 'obj-uid',
    labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home', app: 'x' },
    ...metadata,
  },
});

describe('release patch', () => {
  it('N10 tests uid, labels and the owner reference it removes; removes tracking labels; adds the markers', () => {
    const ops = releasePatch(
      live({
        annotations: { keep: 'me' },
        ownerReferences: [{ uid: 'other' }, { uid: 'node-uid' }],
      }),
      node,
      'LynqNodeDeleted',
      now,
    );
    assert.deepEqual(ops, [
      { op: 'test', path: '/metadata/uid', value: 'obj-uid' },
      { op: 'test', path: '/metadata/labels/lynq.sh~1node', value: 'n1' },
      { op: 'test', path: '/metadata/labels/lynq.sh~1node-namespace', value: 'home' },
      { op: 'test', path: '/metadata/ownerReferences/1/uid', value: 'node-uid' },
      { op: 'remove', path: '/metadata/ownerReferences/1' },
      { op: 'remove', path: '/metadata/labels/lynq.sh~1node' },
      { op: 'remove', path: '/metadata/labels/lynq.sh~1node-namespace' },
      { op: 'add', path: '/metadata/labels/lynq.sh~1orphaned', value: 'true' },
      { op: 'add', path: '/metadata/annotations/lynq.sh~1orphaned-at', value: now.toISOString() },
      {
        op: 'add',
        path: '/metadata/annotations/lynq.sh~1orphaned-reason',
        value: 'LynqNodeDeleted',
      },
      { op: 'add', path: '/metadata/annotations/lynq.sh~1orphaned-from', value: 'home/n1' },
    ]);
  });

  it('N10 creates the annotations map when there is none, and leaves owner references alone without ours', () => {
    const ops = releasePatch(
      live({ ownerReferences: [{ uid: 'other' }] }),
      node,
      'RemovedFromTemplate',
      now,
    );
    assert.ok(!ops.some((op) => op.path.startsWith('/metadata/ownerReferences')));
    assert.ok(ops.some((op) => op.op === 'add' && op.path === '/metadata/annotations'));
    assert.ok(!ops.some((op) => op.op === 'replace'));
  });

  it('H8 a released object leaves without the deletion-protection mark', () => {
    const marked = live({});
    (marked.metadata.labels as Record<string, string>)['lynq.sh/deletion-protection'] = 'true';
    const ops = releasePatch(marked, node, 'LynqNodeDeleted', now);
    assert.ok(
      ops.some(
        (op) => op.op === 'remove' && op.path === '/metadata/labels/lynq.sh~1deletion-protection',
      ),
    );
    assert.ok(
      !releasePatch(live({}), node, 'LynqNodeDeleted', now).some((op) =>
        op.path.includes('deletion-protection'),
      ),
    );
  });
});
