// Which watch reports on a node's objects are drift (SPEC N7, N12, N13): pure cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreationPolicy } from '../api/lynq-form.schema.js';
import type { ChildChange } from '../kube/child-watcher.js';
import type { KubeObjectMeta } from '../kube/kube-object.js';
import { heldPlanOf } from './held-plan.js';
import { childDrift } from './node-child-drift.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';

const node = { namespace: 'ns', name: 'n1' };

const planned = (
  id: string,
  creationPolicy: CreationPolicy,
  identity: { apiVersion?: string; kind?: string; namespace?: string; namespaced?: boolean } = {},
): PlannedResource => ({
  id,
  level: 0,
  dependIds: [],
  skipOnDependencyFailure: true,
  waitForReady: true,
  timeoutSeconds: 300,
  policies: {
    creationPolicy,
    deletionPolicy: 'Delete',
    conflictPolicy: 'Stuck',
    patchStrategy: 'apply',
    deleteAdopted: false,
    allowClusterScopedTakeover: false,
    ignoreFields: [],
    recreateOnImmutableChange: false,
  },
  manifest: {
    id,
    apiVersion: identity.apiVersion ?? 'v1',
    kind: identity.kind ?? 'ConfigMap',
    name: id,
    namespace: identity.namespace,
    namespaced: identity.namespaced ?? true,
    json: '{}',
    hash: `hash-${id}`,
  },
  renderError: undefined,
  renderReason: undefined,
});

const plan: NodePlan = {
  levels: [
    [
      planned('needed', 'WhenNeeded'),
      planned('once', 'Once'),
      planned('space', 'WhenNeeded', { kind: 'Namespace', namespaced: false }),
    ],
  ],
};

const tracking = { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'ns' };

const change = (
  type: ChildChange['type'],
  name: string,
  metadata: Partial<KubeObjectMeta> = {},
  kind = 'ConfigMap',
): ChildChange => ({
  type,
  apiVersion: 'v1',
  kind,
  object: {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: {
      name,
      ...(kind === 'Namespace' ? {} : { namespace: 'ns' }),
      labels: tracking,
      annotations: { 'lynq.sh/desired-hash': `hash-${name}` },
      ...metadata,
    },
  },
});

const applied = (id: string) => `hash-${id}`;
const forgotten = () => undefined;

describe('node child drift', () => {
  it('N7 N12 a deleted object of the render is drift, Once and cluster-scoped included', () => {
    assert.deepEqual(childDrift(change('deleted', 'needed'), node, plan, applied), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'needed',
    });
    assert.equal(childDrift(change('deleted', 'once'), node, plan, applied)?.name, 'once');
    assert.deepEqual(childDrift(change('deleted', 'space', {}, 'Namespace'), node, plan, applied), {
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'space',
    });
  });

  it('N10 an object that is not in the current render (left the form, another kind, another namespace) is no drift', () => {
    assert.equal(childDrift(change('deleted', 'removed'), node, plan, applied), undefined);
    assert.equal(
      childDrift(change('deleted', 'needed', {}, 'Secret'), node, plan, applied),
      undefined,
    );
    assert.equal(
      childDrift(change('deleted', 'needed', { namespace: 'other' }), node, plan, applied),
      undefined,
    );
    assert.equal(childDrift(change('deleted', 'needed'), node, undefined, applied), undefined);
  });

  it('N13 the node’s own writes are no drift: the hash last applied, or the one being applied', () => {
    assert.equal(childDrift(change('changed', 'needed'), node, plan, applied), undefined);
    const midUpdate = change('changed', 'needed', {
      annotations: { 'lynq.sh/desired-hash': 'hash-needed' },
    });
    assert.equal(
      childDrift(midUpdate, node, plan, () => 'an-older-hash'),
      undefined,
    );
    const older = change('changed', 'needed', {
      annotations: { 'lynq.sh/desired-hash': 'an-older-hash' },
    });
    assert.equal(
      childDrift(older, node, plan, () => 'an-older-hash'),
      undefined,
    );
  });

  it('N12 a desired-hash annotation someone else changed or removed is drift for WhenNeeded, not for Once, and not without a remembered hash', () => {
    const edited = { annotations: { 'lynq.sh/desired-hash': 'edited' } };
    assert.equal(
      childDrift(change('changed', 'needed', edited), node, plan, applied)?.name,
      'needed',
    );
    assert.equal(
      childDrift(change('changed', 'needed', { annotations: {} }), node, plan, applied)?.name,
      'needed',
    );
    assert.equal(childDrift(change('changed', 'once', edited), node, plan, applied), undefined);
    assert.equal(childDrift(change('changed', 'needed', edited), node, plan, forgotten), undefined);
  });

  it('N12 lost or foreign tracking labels and orphan markers are drift, for Once too; an object being deleted waits for its deletion', () => {
    const lost = { labels: { 'lynq.sh/node': 'n1' } };
    assert.equal(childDrift(change('changed', 'once', lost), node, plan, applied)?.name, 'once');
    const foreign = { labels: { ...tracking, 'lynq.sh/node': 'n2' } };
    assert.equal(
      childDrift(change('changed', 'needed', foreign), node, plan, applied)?.name,
      'needed',
    );
    const orphaned = { labels: { ...tracking, 'lynq.sh/orphaned': 'true' } };
    assert.equal(
      childDrift(change('changed', 'needed', orphaned), node, plan, applied)?.name,
      'needed',
    );
    const terminating = { deletionTimestamp: '2026-01-01T00:00:00Z', labels: {} };
    assert.equal(
      childDrift(change('changed', 'needed', terminating), node, plan, applied),
      undefined,
    );
  });

  it('N12 N13 the plan a pass leaves behind (held, without the rendered text) judges drift as the render did', () => {
    const held = heldPlanOf(plan, node.namespace);
    const edited = { annotations: { 'lynq.sh/desired-hash': 'edited' } };
    for (const [what, type, name, metadata, kind] of [
      ['deleted', 'deleted', 'needed', {}, 'ConfigMap'],
      ['deleted cluster-scoped', 'deleted', 'space', {}, 'Namespace'],
      ['not rendered', 'deleted', 'removed', {}, 'ConfigMap'],
      ['own write', 'changed', 'needed', {}, 'ConfigMap'],
      ['edited hash', 'changed', 'needed', edited, 'ConfigMap'],
      ['edited Once', 'changed', 'once', edited, 'ConfigMap'],
    ] as const) {
      const c = change(type, name, metadata, kind);
      assert.deepEqual(
        childDrift(c, node, held, applied),
        childDrift(c, node, plan, applied),
        what,
      );
    }
  });
});
