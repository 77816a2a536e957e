// Readiness per kind (SPEC N8) as a table: live object → ready, waiting (reason, field) or failed; and the cached view judges the same.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from './kube-object.js';
import {
  hasReadiness,
  readinessOf,
  readinessView,
  sameReadiness,
  type Readiness,
} from './readiness.js';

const obj = (
  apiVersion: string,
  kind: string,
  body: { generation?: number; spec?: unknown; status?: unknown; deleting?: boolean },
): KubeObject => ({
  apiVersion,
  kind,
  metadata: {
    name: 'x',
    namespace: 'ns',
    ...(body.generation === undefined ? {} : { generation: body.generation }),
    ...(body.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  ...(body.spec === undefined ? {} : { spec: body.spec }),
  ...(body.status === undefined ? {} : { status: body.status }),
});

const waitingOn = (reason: string, field: string): Readiness => ({
  state: 'waiting',
  reason,
  field,
});
const ready: Readiness = { state: 'ready' };
const cond = (type: string, status: string, reason?: string, message?: string) => ({
  type,
  status,
  ...(reason === undefined ? {} : { reason }),
  ...(message === undefined ? {} : { message }),
  lastTransitionTime: '2026-01-01T00:00:00Z',
});

const deployment = (status: unknown, generation = 2, replicas = 2) =>
  obj('apps/v1', 'Deployment', { generation, spec: { replicas }, status });
const allReplicas = {
  observedGeneration: 2,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
};

const statefulSet = (status: unknown, spec: Record<string, unknown> = {}) =>
  obj('apps/v1', 'StatefulSet', { generation: 1, spec: { replicas: 2, ...spec }, status });
const setReady = {
  observedGeneration: 1,
  replicas: 2,
  readyReplicas: 2,
  currentRevision: 'r1',
  updateRevision: 'r1',
};

const daemonSet = (status: unknown) => obj('apps/v1', 'DaemonSet', { generation: 1, status });
const daemonsAll = {
  observedGeneration: 1,
  desiredNumberScheduled: 3,
  updatedNumberScheduled: 3,
  numberReady: 3,
  numberAvailable: 3,
};

const claim = (phase: string, storageClassName = 'local') =>
  obj('v1', 'PersistentVolumeClaim', { spec: { storageClassName }, status: { phase } });
const modes = (mode: string) => ({
  bindingModeOf: (name: string) => (name === 'local' ? mode : undefined),
});

const table: readonly {
  readonly name: string;
  readonly object: KubeObject;
  readonly facts?: Parameters<typeof readinessOf>[3];
  readonly want: Readiness;
}[] = [
  // Deployment
  {
    name: 'Deployment with no status yet',
    object: deployment(undefined),
    want: waitingOn('generation not observed yet', 'status.observedGeneration'),
  },
  {
    name: 'Deployment whose controller has not seen the new spec',
    object: deployment({ ...allReplicas, observedGeneration: 1 }),
    want: waitingOn('observed generation 1 < generation 2', 'status.observedGeneration'),
  },
  {
    name: 'Deployment with no pod available',
    object: deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2 }),
    want: waitingOn('0/2 replicas available', 'status.availableReplicas'),
  },
  {
    name: 'Deployment mid-rollout',
    object: deployment({ ...allReplicas, updatedReplicas: 1 }),
    want: waitingOn('1/2 replicas updated', 'status.updatedReplicas'),
  },
  {
    name: 'Deployment available but not all ready',
    object: deployment({ ...allReplicas, readyReplicas: 1 }),
    want: waitingOn('1/2 replicas ready', 'status.readyReplicas'),
  },
  {
    name: 'Deployment with old replicas still running',
    object: deployment({ ...allReplicas, replicas: 3 }),
    want: waitingOn('1 old replicas still running', 'status.replicas'),
  },
  {
    name: 'Deployment updated = ready = available = replicas',
    object: deployment(allReplicas),
    want: ready,
  },
  {
    name: 'Deployment scaled to zero once observed',
    object: deployment({ observedGeneration: 2 }, 2, 0),
    want: ready,
  },
  // StatefulSet
  {
    name: 'StatefulSet all ready on the update revision',
    object: statefulSet(setReady),
    want: ready,
  },
  {
    name: 'StatefulSet one replica short',
    object: statefulSet({ ...setReady, readyReplicas: 1 }),
    want: waitingOn('1/2 replicas ready', 'status.readyReplicas'),
  },
  {
    name: 'StatefulSet RollingUpdate not on the update revision',
    object: statefulSet({ ...setReady, updateRevision: 'r2' }),
    want: waitingOn('current revision r1 is not update revision r2', 'status.currentRevision'),
  },
  {
    name: 'StatefulSet with a partition ignores revisions',
    object: statefulSet(
      { ...setReady, updateRevision: 'r2' },
      { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
    ),
    want: ready,
  },
  {
    name: 'StatefulSet OnDelete ignores revisions',
    object: statefulSet(
      { ...setReady, updateRevision: 'r2' },
      { updateStrategy: { type: 'OnDelete' } },
    ),
    want: ready,
  },
  // DaemonSet
  {
    name: 'DaemonSet desired = updated = ready = available',
    object: daemonSet(daemonsAll),
    want: ready,
  },
  {
    name: 'DaemonSet with pods not available',
    object: daemonSet({ ...daemonsAll, numberAvailable: 1 }),
    want: waitingOn('1/3 pods available', 'status.numberAvailable'),
  },
  {
    name: 'DaemonSet not updated everywhere',
    object: daemonSet({ ...daemonsAll, updatedNumberScheduled: 2 }),
    want: waitingOn('2/3 pods updated', 'status.updatedNumberScheduled'),
  },
  // Job
  {
    name: 'Job running',
    object: obj('batch/v1', 'Job', { spec: { completions: 2 }, status: { succeeded: 1 } }),
    want: waitingOn('1/2 completions; not Complete yet', 'status.conditions[Complete]'),
  },
  {
    name: 'Job Complete',
    object: obj('batch/v1', 'Job', { status: { conditions: [cond('Complete', 'True')] } }),
    want: ready,
  },
  {
    name: 'Job Failed is a failure',
    object: obj('batch/v1', 'Job', {
      status: {
        conditions: [
          cond(
            'Failed',
            'True',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
          ),
        ],
      },
    }),
    want: {
      state: 'failed',
      reason: 'the Job failed (BackoffLimitExceeded: Job has reached the specified backoff limit)',
      field: 'status.conditions[Failed]',
    },
  },
  // PVC
  { name: 'PVC Bound', object: claim('Bound'), want: ready },
  {
    name: 'PVC Pending with an Immediate class',
    object: claim('Pending'),
    facts: modes('Immediate'),
    want: waitingOn('phase Pending, not Bound', 'status.phase'),
  },
  {
    name: 'PVC Pending with a WaitForFirstConsumer class',
    object: claim('Pending'),
    facts: modes('WaitForFirstConsumer'),
    want: ready,
  },
  {
    name: 'PVC Pending with a class not known yet',
    object: claim('Pending'),
    want: waitingOn('phase Pending, not Bound', 'status.phase'),
  },
  // Service
  {
    name: 'ClusterIP Service',
    object: obj('v1', 'Service', { spec: { type: 'ClusterIP' }, status: { loadBalancer: {} } }),
    want: ready,
  },
  {
    name: 'LoadBalancer Service without ingress',
    object: obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: { loadBalancer: {} } }),
    want: waitingOn('no load balancer ingress assigned', 'status.loadBalancer.ingress'),
  },
  {
    name: 'LoadBalancer Service with an ingress',
    object: obj('v1', 'Service', {
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
    }),
    want: ready,
  },
  // Namespace
  {
    name: 'Namespace Active',
    object: obj('v1', 'Namespace', { status: { phase: 'Active' } }),
    want: ready,
  },
  {
    name: 'Namespace Terminating',
    object: obj('v1', 'Namespace', { status: { phase: 'Terminating' } }),
    want: waitingOn('phase Terminating, not Active', 'status.phase'),
  },
  // CRD
  {
    name: 'CRD not Established yet',
    object: obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      status: { conditions: [cond('NamesAccepted', 'True')] },
    }),
    want: waitingOn('no Established condition yet', 'status.conditions[Established]'),
  },
  {
    name: 'CRD Established',
    object: obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      status: { conditions: [cond('Established', 'True')] },
    }),
    want: ready,
  },
  // Ready condition, and the rest
  {
    name: 'custom resource with Ready False',
    object: obj('example.com/v1', 'Database', {
      status: { conditions: [cond('Ready', 'False', 'Provisioning', 'creating volume')] },
    }),
    want: waitingOn('Ready is False (Provisioning: creating volume)', 'status.conditions[Ready]'),
  },
  {
    name: 'custom resource with Ready True',
    object: obj('example.com/v1', 'Database', { status: { conditions: [cond('Ready', 'True')] } }),
    want: ready,
  },
  {
    name: 'custom resource without a Ready condition',
    object: obj('example.com/v1', 'Widget', { status: {} }),
    want: ready,
  },
  { name: 'ConfigMap: ready once applied', object: obj('v1', 'ConfigMap', {}), want: ready },
  {
    name: 'an object being deleted',
    object: obj('v1', 'ConfigMap', { deleting: true }),
    want: waitingOn('being deleted', 'metadata.deletionTimestamp'),
  },
  {
    name: 'hostile status (strings where numbers belong) is not ready, not a crash',
    object: deployment({ observedGeneration: '2', availableReplicas: '2' }),
    want: waitingOn('generation not observed yet', 'status.observedGeneration'),
  },
];

describe('readiness per kind (SPEC N8)', () => {
  for (const row of table) {
    it(`N8 ${row.name}`, () => {
      const [group, kind] = [row.object.apiVersion ?? '', row.object.kind ?? ''];
      assert.deepEqual(readinessOf(group, kind, row.object, row.facts), row.want);
      // The watch caches only the view: it must judge the same.
      const view = readinessView({ ...row.object, data: { big: 'x'.repeat(1000) } }, (o) => o);
      assert.deepEqual(readinessOf(group, kind, view, row.facts), row.want);
    });
  }

  it('N8 DESIGN 8 the view drops everything readiness does not read', () => {
    const view = readinessView(
      {
        ...deployment(allReplicas),
        spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'b' }] } } },
        status: {
          ...allReplicas,
          conditions: [cond('Available', 'True', 'MinimumReplicasAvailable', 'ok')],
        },
      },
      (o) => ({ ...o, metadata: { name: o.metadata.name } }),
    );
    assert.deepEqual(view, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: { replicas: 2 },
      status: {
        ...allReplicas,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' },
        ],
      },
    });
  });

  it('N8 kinds that are ready once applied are not watched for status (Secrets stay metadata-only)', () => {
    assert.equal(hasReadiness('v1', 'Secret'), false);
    assert.equal(hasReadiness('v1', 'ConfigMap'), false);
    assert.equal(hasReadiness('rbac.authorization.k8s.io/v1', 'Role'), false);
    assert.equal(hasReadiness('apps/v1', 'Deployment'), true);
    assert.equal(hasReadiness('example.com/v1', 'Database'), true);
  });

  it('N8 a changed count is a change; two ready verdicts are the same', () => {
    assert.equal(sameReadiness(ready, { state: 'ready' }), true);
    assert.equal(
      sameReadiness(
        waitingOn('0/2 replicas available', 'f'),
        waitingOn('1/2 replicas available', 'f'),
      ),
      false,
    );
    assert.equal(sameReadiness(ready, waitingOn('a', 'b')), false);
  });
});
