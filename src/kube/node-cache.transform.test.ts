// The LynqNode cache transform keeps everything but managedFields, value for value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from './kube-object.js';
import { createNodeCacheTransform } from './node-cache.transform.js';

const node = (i: number): KubeObject => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqNode',
  metadata: {
    name: `tenant-${i}-web`,
    namespace: 'bench',
    resourceVersion: String(100 + i),
    labels: { 'lynq.sh/hub': 'hub', 'lynq.sh/form': 'web' },
    finalizers: ['lynq.sh/node-cleanup'],
    ownerReferences: [
      { apiVersion: 'operator.lynq.sh/v1', kind: 'LynqHub', name: 'hub', uid: 'hub-uid' },
    ],
    managedFields: [{ manager: 'lynq-status', fieldsV1: { 'f:status': {} } }],
  },
  spec: { uid: `tenant-${i}`, templateRef: 'web', variables: { plan: 'pro' } },
  status: {
    phase: 'Ready',
    phaseReason: 'apply.done',
    readySummary: '1/1 resources ready',
    transitions: [{ phase: 'Ready', event: 'apply.done', at: '2026-12-06T07:00:00Z' }],
    resources: [{ id: 'cfg', state: 'Ready', reason: 'Applied' }],
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Ready',
        message: 'The node is Ready',
        lastTransitionTime: '2026-12-06T07:00:00Z',
      },
    ],
    appliedResources: [{ apiVersion: 'v1', kind: 'ConfigMap', name: `tenant-${i}`, id: 'cfg' }],
  },
});

describe('node cache transform', () => {
  it('DESIGN 8 keeps every field of a LynqNode but its managedFields', () => {
    const transform = createNodeCacheTransform();
    for (const i of [1, 2]) {
      const expected = node(i);
      const metadata: Record<string, unknown> = { ...expected.metadata };
      delete metadata['managedFields'];
      assert.deepEqual(transform(node(i)), { ...expected, metadata });
    }
  });
});
