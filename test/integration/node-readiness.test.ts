// Readiness per kind on the real API server (SPEC N2, N8): child status set through the status subresource (no kubelet, no workload controllers) walks each kind from waiting to ready; a Deployment gates its dependant; a timeout names the resource and the field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { create, openWorld, type World } from './forms-world.js';
import { configMapEntry, formOf, scenarioHub } from './node-scenarios.js';
import { configMapPath, getObject, nodeOf, resourceOf, statusWhen } from './node-world.js';

/** A status subresource write, as the controller of the kind (or the kubelet) would make it. */
const setStatus = async (world: World, path: string, status: unknown): Promise<void> => {
  const res = await world.request({
    method: 'PATCH',
    path: `${path}/status`,
    contentType: 'application/merge-patch+json',
    body: { status },
  });
  assert.equal(res.status, 200, res.text);
};

const appsPath = (world: World, plural: string, name: string): string =>
  `/apis/apps/v1/namespaces/${world.ns}/${plural}/${name}`;

const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
});

const deploymentEntry = (id: string, replicas: number, extra: Record<string, unknown> = {}) => ({
  id,
  nameTemplate: `{{ uid }}-${id}`,
  ...extra,
  spec: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: {
      replicas,
      selector: { matchLabels: { app: `{{ uid }}-${id}` } },
      template: podTemplate(`{{ uid }}-${id}`),
    },
  },
});

/** What a deployment controller writes once `available` of `replicas` pods are available. */
const deploymentStatus = (replicas: number, available: number) => ({
  observedGeneration: 1,
  replicas,
  updatedReplicas: replicas,
  readyReplicas: available,
  availableReplicas: available,
  ...(replicas > available ? { unavailableReplicas: replicas - available } : {}),
});

const at = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('node readiness per kind', () => {
  let world: World;
  const classes: string[] = [];
  before(async () => {
    world = await openWorld('node-readiness');
  });
  after(async () => {
    for (const name of classes) {
      await world.request({
        method: 'DELETE',
        path: `/apis/storage.k8s.io/v1/storageclasses/${name}`,
      });
    }
    await world.close();
  });

  it('N8 N2 a Deployment gates its dependant ConfigMap until available; the node is Applying, then Ready', async () => {
    await scenarioHub(world, 'gate', 'g0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'gate', 'gate', {
        deployments: [deploymentEntry('app', 2)],
        configMaps: [configMapEntry('config', { dependIds: ['app'] })],
      }),
    );
    const { metadata } = await nodeOf(world, 'gate', 'g0');
    const waiting = await statusWhen(
      world,
      metadata.name,
      'the Deployment waiting for its controller',
      (s) => resourceOf(s, 'app')?.reason === 'WaitingForReady',
    );
    assert.equal(waiting.phase, 'Applying');
    assert.equal(resourceOf(waiting, 'app')?.state, 'Applied');
    assert.equal(
      resourceOf(waiting, 'app')?.message,
      'status.observedGeneration: generation not observed yet',
    );
    assert.equal(resourceOf(waiting, 'config')?.state, 'WaitingForDependencies');
    assert.equal(resourceOf(waiting, 'config')?.reason, 'DependencyNotReady');
    const readyCondition = waiting.conditions?.find((c) => c.type === 'Ready');
    assert.ok(readyCondition);
    assert.equal(readyCondition.status, 'False');
    assert.equal(readyCondition.reason, 'WaitingForReady');
    assert.match(readyCondition.message, /^app: WaitingForReady/);
    assert.equal(await getObject(world, configMapPath(world.ns, 'g0-config')), undefined);

    const deployment = appsPath(world, 'deployments', 'g0-app');
    await setStatus(world, deployment, deploymentStatus(2, 0));
    const short = await statusWhen(
      world,
      metadata.name,
      'the Deployment observed, no replica available',
      (s) => resourceOf(s, 'app')?.message === 'status.availableReplicas: 0/2 replicas available',
    );
    assert.equal(short.phase, 'Applying');
    assert.equal(short.readySummary, '0/2');
    assert.equal(
      await getObject(world, configMapPath(world.ns, 'g0-config')),
      undefined,
      'the dependant still waits',
    );

    await setStatus(world, deployment, deploymentStatus(2, 1));
    await statusWhen(
      world,
      metadata.name,
      'one replica available',
      (s) => resourceOf(s, 'app')?.message === 'status.availableReplicas: 1/2 replicas available',
    );

    await setStatus(world, deployment, deploymentStatus(2, 2));
    const done = await statusWhen(world, metadata.name, 'node Ready', (s) => s.phase === 'Ready');
    assert.equal(done.readySummary, '2/2');
    assert.equal(resourceOf(done, 'app')?.state, 'Ready');
    assert.ok(await getObject(world, configMapPath(world.ns, 'g0-config')), 'then applied');
  });

  it('N8 StatefulSet, DaemonSet, Job, PVC and LoadBalancer Service each wait until their status says ready; a WaitForFirstConsumer claim is ready while Pending', async () => {
    const immediate = `${world.ns}-immediate`;
    const lazy = `${world.ns}-lazy`;
    for (const [name, mode] of [
      [immediate, 'Immediate'],
      [lazy, 'WaitForFirstConsumer'],
    ] as const) {
      const res = await world.request({
        method: 'POST',
        path: '/apis/storage.k8s.io/v1/storageclasses',
        body: {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name },
          provisioner: 'example.com/none',
          volumeBindingMode: mode,
        },
      });
      assert.equal(res.status, 201, res.text);
      classes.push(name);
    }
    const claim = (id: string, storageClassName: string) => ({
      id,
      nameTemplate: `{{ uid }}-${id}`,
      spec: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        spec: {
          storageClassName,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      },
    });
    await scenarioHub(world, 'kinds', 'k0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'kinds', 'kinds', {
        statefulSets: [
          {
            id: 'set',
            nameTemplate: '{{ uid }}-set',
            spec: {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              spec: {
                replicas: 1,
                serviceName: '{{ uid }}-set',
                selector: { matchLabels: { app: '{{ uid }}-set' } },
                template: podTemplate('{{ uid }}-set'),
              },
            },
          },
        ],
        daemonSets: [
          {
            id: 'daemon',
            nameTemplate: '{{ uid }}-daemon',
            spec: {
              apiVersion: 'apps/v1',
              kind: 'DaemonSet',
              spec: {
                selector: { matchLabels: { app: '{{ uid }}-daemon' } },
                template: podTemplate('{{ uid }}-daemon'),
              },
            },
          },
        ],
        jobs: [
          {
            id: 'job',
            nameTemplate: '{{ uid }}-job',
            spec: {
              apiVersion: 'batch/v1',
              kind: 'Job',
              spec: {
                backoffLimit: 0,
                template: {
                  spec: {
                    restartPolicy: 'Never',
                    containers: [{ name: 'run', image: 'registry.invalid/run:1' }],
                  },
                },
              },
            },
          },
        ],
        persistentVolumeClaims: [claim('claim', immediate), claim('lazy', lazy)],
        services: [
          {
            id: 'lb',
            nameTemplate: '{{ uid }}-lb',
            spec: {
              apiVersion: 'v1',
              kind: 'Service',
              spec: {
                type: 'LoadBalancer',
                selector: { app: '{{ uid }}' },
                ports: [{ port: 80, targetPort: 8080 }],
              },
            },
          },
        ],
      }),
    );
    const { metadata } = await nodeOf(world, 'kinds', 'k0');
    const expected: Record<string, string> = {
      set: 'status.observedGeneration: generation not observed yet',
      daemon: 'status.observedGeneration: generation not observed yet',
      job: 'status.conditions[Complete]: 0/1 completions; not Complete yet',
      claim: 'status.phase: phase Pending, not Bound',
      lb: 'status.loadBalancer.ingress: no load balancer ingress assigned',
    };
    const waiting = await statusWhen(world, metadata.name, 'five resources waiting', (s) =>
      Object.entries(expected).every(([id, message]) => resourceOf(s, id)?.message === message),
    );
    assert.equal(waiting.phase, 'Applying');
    assert.equal(
      resourceOf(waiting, 'lazy')?.state,
      'Ready',
      'WaitForFirstConsumer: ready while Pending',
    );
    assert.equal(waiting.readySummary, '1/6');

    const ns = world.ns;
    const steps: [string, string, unknown][] = [
      [
        'set',
        appsPath(world, 'statefulsets', 'k0-set'),
        {
          observedGeneration: 1,
          replicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
          currentReplicas: 1,
          updatedReplicas: 1,
          currentRevision: 'k0-set-1',
          updateRevision: 'k0-set-1',
        },
      ],
      [
        'daemon',
        appsPath(world, 'daemonsets', 'k0-daemon'),
        {
          observedGeneration: 1,
          desiredNumberScheduled: 1,
          currentNumberScheduled: 1,
          numberMisscheduled: 0,
          numberReady: 1,
          updatedNumberScheduled: 1,
          numberAvailable: 1,
        },
      ],
      [
        'job',
        `/apis/batch/v1/namespaces/${ns}/jobs/k0-job`,
        {
          startTime: at(),
          completionTime: at(),
          succeeded: 1,
          conditions: ['SuccessCriteriaMet', 'Complete'].map((type) => ({
            type,
            status: 'True',
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
            lastProbeTime: at(),
            lastTransitionTime: at(),
          })),
        },
      ],
      ['claim', `/api/v1/namespaces/${ns}/persistentvolumeclaims/k0-claim`, { phase: 'Bound' }],
      [
        'lb',
        `/api/v1/namespaces/${ns}/services/k0-lb`,
        { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
      ],
    ];
    let readyCount = 1;
    for (const [id, path, status] of steps) {
      await setStatus(world, path, status);
      readyCount += 1;
      const now = await statusWhen(
        world,
        metadata.name,
        `${id} ready`,
        (s) => resourceOf(s, id)?.state === 'Ready',
      );
      assert.equal(now.readySummary, `${String(readyCount)}/6`);
      assert.equal(now.phase, readyCount === 6 ? 'Ready' : 'Applying');
    }
    await statusWhen(world, metadata.name, 'node Ready', (s) => s.phase === 'Ready');
  });

  it('N8 a Deployment not available within timeoutSeconds fails with ReadinessTimeout naming the resource and the field; its dependant is skipped; it recovers when available', async () => {
    await scenarioHub(world, 'late', 'l0');
    await create(
      world,
      'lynqforms',
      formOf(world, 'late', 'late', {
        deployments: [deploymentEntry('app', 1, { timeoutSeconds: 3 })],
        configMaps: [configMapEntry('config', { dependIds: ['app'] })],
      }),
    );
    const { metadata } = await nodeOf(world, 'late', 'l0');
    const failed = await statusWhen(
      world,
      metadata.name,
      'the readiness timeout',
      (s) => s.phase === 'Degraded' && resourceOf(s, 'app')?.reason === 'ReadinessTimeout',
    );
    assert.equal(
      resourceOf(failed, 'app')?.message,
      'not ready within 3s (status.observedGeneration: generation not observed yet)',
    );
    assert.equal(resourceOf(failed, 'config')?.state, 'Skipped');
    const ready = failed.conditions?.find((c) => c.type === 'Ready');
    assert.ok(ready);
    assert.equal(ready.reason, 'ResourcesFailed');
    assert.match(ready.message, /app: ReadinessTimeout \(not ready within 3s/);

    // No retry is scheduled for a timeout: only the watch's news can heal it (N8).
    await setStatus(world, appsPath(world, 'deployments', 'l0-app'), deploymentStatus(1, 1));
    const healed = await statusWhen(world, metadata.name, 'node Ready', (s) => s.phase === 'Ready');
    assert.equal(resourceOf(healed, 'app')?.state, 'Ready');
    assert.ok(
      await eventually('the dependant applied', () =>
        getObject(world, configMapPath(world.ns, 'l0-config')),
      ),
    );
  });
});
