// Apply passes over a fake API server with a Deployment and its dependant ConfigMap (SPEC N2, N8): readiness gates dependants, times out from lastDesiredChange, and recovers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeTransport } from '../kube/http-transport.js';
import type { KubeObject } from '../kube/kube-object.js';
import { createResourcePaths } from '../kube/resource-paths.js';
import type { ResourceStatus } from '../api/lynq-node.schema.js';
import type { NodeApplyInput } from '../machines/node.machine.js';
import { applyNodePlan, type NodeApplyMemory } from './node-apply.actor.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';

const node = { namespace: 'home', name: 'n1', uid: 'node-uid' };
const deployPath = '/apis/apps/v1/namespaces/home/deployments/web';
const configPath = '/api/v1/namespaces/home/configmaps/settings';

const discovery: Record<string, unknown> = {
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: [] }],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] }],
  },
};

/** An API server of paths: discovery, GET, POST to a collection, PATCH; a log of the writes. */
const fakeServer = () => {
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  const transport: KubeTransport = {
    request: (req) => {
      const path = req.path.split('?')[0] ?? '';
      const found = discovery[path];
      if (req.method === 'GET' && found !== undefined)
        return Promise.resolve({ status: 200, headers: {}, body: found });
      if (req.method === 'GET') {
        const stored = objects.get(path);
        return Promise.resolve(
          stored === undefined
            ? { status: 404, headers: {}, body: { kind: 'Status', code: 404, reason: 'NotFound' } }
            : { status: 200, headers: {}, body: stored },
        );
      }
      const body = req.body as KubeObject;
      const target = req.method === 'POST' ? `${path}/${body.metadata.name}` : path;
      writes.push(`${req.method} ${target}`);
      const before = objects.get(target);
      const written: KubeObject = {
        ...before,
        ...body,
        metadata: { ...body.metadata, uid: `uid-${target}`, generation: 1 },
        ...(before?.['status'] === undefined ? {} : { status: before['status'] }),
      };
      objects.set(target, written);
      return Promise.resolve({
        status: req.method === 'POST' ? 201 : 200,
        headers: {},
        body: written,
      });
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return {
    transport,
    writes,
    objects,
    /** What a deployment controller would write through the status subresource. */
    setAvailable: (available: number) => {
      const stored = objects.get(deployPath);
      if (stored === undefined) throw new Error('no Deployment yet');
      objects.set(deployPath, {
        ...stored,
        status: {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          readyReplicas: available,
          availableReplicas: available,
        },
      });
    },
  };
};

const resource = (
  id: string,
  level: number,
  manifest: { apiVersion: string; kind: string; name: string; body: Record<string, unknown> },
  extra: Partial<PlannedResource> = {},
): PlannedResource => ({
  id,
  level,
  dependIds: [],
  skipOnDependencyFailure: true,
  waitForReady: true,
  timeoutSeconds: 60,
  policies: {
    creationPolicy: 'WhenNeeded',
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
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    name: manifest.name,
    namespace: undefined,
    namespaced: true,
    json: JSON.stringify({
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      metadata: { name: manifest.name },
      ...manifest.body,
    }),
    hash: `${id}-h1`,
  },
  renderError: undefined,
  renderReason: undefined,
  ...extra,
});

const planOf = (deploy: Partial<PlannedResource> = {}): NodePlan => ({
  levels: [
    [
      resource(
        'web',
        0,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', body: { spec: { replicas: 2 } } },
        deploy,
      ),
    ],
    [
      resource(
        'settings',
        1,
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', body: { data: { a: '1' } } },
        { dependIds: ['web'] },
      ),
    ],
  ],
});

const freshMemory = (previous: ResourceStatus[] = []): NodeApplyMemory => ({
  hashes: new Map(),
  previous,
  completions: new Map(),
  readiness: new Map(),
});

const pass = async (
  server: ReturnType<typeof fakeServer>,
  memory: NodeApplyMemory,
  plan: NodePlan,
  at: number,
  extra: Partial<Pick<NodeApplyInput, 'drifted' | 'verify'>> = {},
) =>
  applyNodePlan(
    {
      write: { transport: server.transport, paths: createResourcePaths(server.transport) },
      targets: {
        allowedNamespaces: [],
        allowedKinds: ['*'],
        allowedClusterNames: ['*'],
        allowClusterScopedTakeover: false,
      },
      concurrency: 2,
      now: () => new Date(at),
    },
    {
      node,
      observation: {
        generation: 1,
        deleting: false,
        appliedResources: [],
        revision: 'r1',
        cleanupFinalizerIndex: 0,
      },
      render: { generation: 1, revision: 'r1', plan },
      drifted: extra.drifted ?? [],
      ...(extra.verify === undefined ? {} : { verify: extra.verify }),
    },
    memory,
    () => undefined,
    new AbortController().signal,
  );

const stateOf = (output: { resources: readonly ResourceStatus[] }, id: string) =>
  output.resources.find((r) => r.id === id);

describe('node apply: readiness (N2, N8)', () => {
  it('N8 N2 a Deployment not available holds its dependant back, unapplied and not failed; available, the dependant goes', async () => {
    const server = fakeServer();
    const memory = freshMemory();
    const first = await pass(server, memory, planOf(), 0);
    assert.notEqual(first.outcome.kind, 'ready');
    assert.deepEqual(first.outcome, {
      kind: 'waiting',
      on: 'readiness',
      resource: 'web',
      reason: 'WaitingForReady',
      deadlineMillis: 60_000,
    });
    assert.equal(first.failedCount, 0);
    assert.deepEqual(stateOf(first, 'web'), {
      id: 'web',
      state: 'Applied',
      reason: 'WaitingForReady',
      message: 'status.observedGeneration: generation not observed yet',
      lastDesiredChange: new Date(0).toISOString(),
    });
    assert.equal(stateOf(first, 'settings')?.state, 'WaitingForDependencies');
    assert.equal(stateOf(first, 'settings')?.reason, 'DependencyNotReady');
    assert.match(stateOf(first, 'settings')?.message ?? '', /waiting for "web" to be ready/);
    assert.deepEqual(server.writes, [`POST ${deployPath}`], 'the ConfigMap is not written');
    assert.deepEqual(
      first.appliedResources.map((r) => r.id),
      ['web'],
    );

    server.setAvailable(0);
    const short = await pass(server, memory, planOf(), 10_000);
    assert.equal(
      stateOf(short, 'web')?.message,
      'status.availableReplicas: 0/2 replicas available',
    );
    assert.equal(
      short.outcome.kind === 'waiting' && short.outcome.on === 'readiness'
        ? short.outcome.deadlineMillis
        : undefined,
      50_000,
      'the clock runs from lastDesiredChange',
    );
    assert.deepEqual(server.writes, [`POST ${deployPath}`], 'a waiting pass writes nothing');

    server.setAvailable(2);
    const done = await pass(server, memory, planOf(), 20_000);
    assert.equal(done.outcome.kind, 'ready');
    assert.equal(stateOf(done, 'web')?.state, 'Ready');
    assert.equal(stateOf(done, 'settings')?.state, 'Ready');
    assert.deepEqual(server.writes, [`POST ${deployPath}`, `POST ${configPath}`]);
  });

  it('N8 past timeoutSeconds from lastDesiredChange the resource fails with ReadinessTimeout naming the field; its dependant is skipped; it recovers once ready', async () => {
    const server = fakeServer();
    const memory = freshMemory();
    await pass(server, memory, planOf(), 0);
    server.setAvailable(0);
    const late = await pass(server, memory, planOf(), 60_000);
    assert.notEqual(late.outcome.kind, 'ready');
    assert.deepEqual(
      late.outcome,
      { kind: 'failed', retryable: false, reason: 'ResourcesFailed' },
      'recovery is the watch’s news, not a retry',
    );
    assert.deepEqual(stateOf(late, 'web'), {
      id: 'web',
      state: 'Failed',
      reason: 'ReadinessTimeout',
      message: 'not ready within 60s (status.availableReplicas: 0/2 replicas available)',
      lastDesiredChange: new Date(0).toISOString(),
    });
    assert.equal(stateOf(late, 'settings')?.state, 'Skipped');
    assert.deepEqual(
      late.appliedResources.map((r) => r.id),
      ['web'],
      'a timed-out object is still held',
    );

    server.setAvailable(2);
    const healed = await pass(server, memory, planOf(), 120_000);
    assert.equal(healed.outcome.kind, 'ready');
  });

  it('N8 a restart or a drift repair keeps the readiness clock; only a new desired object resets it', async () => {
    const server = fakeServer();
    const memory = freshMemory();
    const first = await pass(server, memory, planOf(), 0);
    // A restart: nothing remembered but the status.
    const restarted = freshMemory([...first.resources]);
    const again = await pass(server, restarted, planOf(), 30_000);
    assert.equal(stateOf(again, 'web')?.lastDesiredChange, new Date(0).toISOString());
    const repaired = await pass(server, restarted, planOf(), 40_000, {
      drifted: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'home', name: 'web' }],
    });
    assert.equal(stateOf(repaired, 'web')?.lastDesiredChange, new Date(0).toISOString());
    const changed = planOf();
    const web = changed.levels[0]?.[0];
    assert.ok(web?.manifest);
    const newer: NodePlan = {
      levels: [
        [{ ...web, manifest: { ...web.manifest, hash: 'web-h2' } }],
        ...changed.levels.slice(1),
      ],
    };
    const moved = await pass(server, restarted, newer, 50_000);
    assert.equal(stateOf(moved, 'web')?.lastDesiredChange, new Date(50_000).toISOString());
  });

  it('N8 waitForReady: false is ready once applied, and its dependant goes at once', async () => {
    const server = fakeServer();
    const output = await pass(server, freshMemory(), planOf({ waitForReady: false }), 0);
    assert.equal(output.outcome.kind, 'ready');
    assert.deepEqual(server.writes, [`POST ${deployPath}`, `POST ${configPath}`]);
  });

  it('N8 a pass trusts a ready verdict the watches keep, and reads a waiting object again', async () => {
    const server = fakeServer();
    const memory = freshMemory();
    await pass(server, memory, planOf(), 0);
    server.setAvailable(2);
    await pass(server, memory, planOf(), 1_000);
    // The object regresses but no watch told the node: the known-ready verdict stands.
    server.setAvailable(1);
    const trusted = await pass(server, memory, planOf(), 2_000);
    assert.equal(trusted.outcome.kind, 'ready');
    // A watch reports it: the pass reads it and waits.
    memory.readiness?.set('web', {
      key: memory.readiness.get('web')?.key ?? '',
      readiness: {
        state: 'waiting',
        reason: '1/2 replicas available',
        field: 'status.availableReplicas',
      },
    });
    const reread = await pass(server, memory, planOf(), 3_000);
    assert.notEqual(reread.outcome.kind, 'ready');
    assert.equal(
      stateOf(reread, 'web')?.message,
      'status.availableReplicas: 1/2 replicas available',
    );
  });
});
