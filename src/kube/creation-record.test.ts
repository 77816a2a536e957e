// The creation record (SPEC N6): set on create only, kept by every later write, never taken from a form; it decides who holds an object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RenderedManifest } from '../render/render-types.js';
import {
  createdBy,
  creationBody,
  desiredObject,
  holderOf,
  updateBody,
  type OwningNode,
} from './apply-resource.js';
import type { KubeObject } from './kube-object.js';

const node: OwningNode = { name: 'n1', namespace: 'home', uid: 'node-uid' };
const record = 'lynq.sh/created-by';

const hostileManifest = (): RenderedManifest => {
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cm',
      labels: { app: 'x', 'lynq.sh/orphaned': 'true' },
      annotations: {
        keep: 'me',
        [record]: 'home/n1',
        'lynq.sh/orphaned-from': 'home/other',
      },
    },
    data: { a: '1' },
  };
  return {
    id: 'cm',
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'cm',
    namespace: 'home',
    namespaced: true,
    json: JSON.stringify(object),
    hash: 'hash-1',
  };
};

const policies = { creationPolicy: 'WhenNeeded', deletionPolicy: 'Delete' } as const;

const annotationsOf = (obj: Record<string, unknown>): Record<string, string> =>
  (obj['metadata'] as { annotations: Record<string, string> }).annotations;

const live = (annotations: Record<string, string>, labels: Record<string, string> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cm',
      namespace: 'home',
      uid: 'u',
      resourceVersion: '3',
      annotations,
      labels,
    },
  }) satisfies KubeObject;

describe('creation record', () => {
  it('N6 a form cannot write the creation record, the release marks or the orphan label itself', () => {
    const desired = desiredObject(hostileManifest(), true, node, policies);
    const annotations = annotationsOf(desired);
    assert.equal(annotations[record], undefined);
    assert.equal(annotations['lynq.sh/orphaned-from'], undefined);
    assert.equal(annotations['keep'], 'me');
    const labels = (desired['metadata'] as { labels: Record<string, string> }).labels;
    assert.equal(labels['lynq.sh/orphaned'], undefined);
    assert.equal(labels['app'], 'x');
  });

  it('N6 the create names the node; updates keep the live record as it is, under every strategy', () => {
    const desired = desiredObject(hostileManifest(), true, node, policies);
    assert.equal(annotationsOf(creationBody(desired, node))[record], 'home/n1');
    for (const strategy of ['apply', 'merge', 'replace'] as const) {
      const kept = updateBody(strategy, desired, live({ [record]: 'home/n0' }), node);
      assert.equal(annotationsOf(kept)[record], 'home/n0', strategy);
      const none = updateBody(strategy, desired, live({}), node);
      assert.equal(annotationsOf(none)[record], undefined, `${strategy}: never added`);
    }
  });

  it('N6 an object this node created is its own even when its tracking labels were stripped; a record of another node is not', () => {
    assert.equal(createdBy(live({ [record]: 'home/n1' }), node), true);
    assert.deepEqual(holderOf(live({ [record]: 'home/n1' }), node), { by: 'self' });
    assert.deepEqual(holderOf(live({ [record]: 'home/n2' }), node), { by: 'none' });
    assert.deepEqual(holderOf(live({}), node), { by: 'none' });
    const other = { 'lynq.sh/node': 'n2', 'lynq.sh/node-namespace': 'home' };
    assert.deepEqual(holderOf(live({ [record]: 'home/n1' }, other), node), {
      by: 'node',
      node: 'home/n2',
    });
  });
});
