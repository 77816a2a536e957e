// One node's apply passes over a fake API server holding one Job (SPEC N7): a completed run is learnt from a read, kept when the Job is gone, forgotten by a new run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreationPolicy } from '../api/lynq-form.schema.js';
import type { KubeTransport } from '../kube/http-transport.js';
import type { KubeObject } from '../kube/kube-object.js';
import { createResourcePaths } from '../kube/resource-paths.js';
import type { NodeApplyInput } from '../machines/node.machine.js';
import { applyNodePlan, type NodeApplyMemory } from './node-apply.actor.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';

const node = { namespace: 'home', name: 'n1', uid: 'node-uid' };
const jobPath = '/apis/batch/v1/namespaces/home/jobs/migrate';

/** An API server with one Job path: GET, POST, and a log of the writes. */
const fakeServer = () => {
  let stored: KubeObject | undefined;
  const writes: string[] = [];
  const transport: KubeTransport = {
    request: (req) => {
      const path = req.path.split('?')[0] ?? '';
      if (req.method === 'GET' && path === '/apis/batch/v1') {
        return Promise.resolve({
          status: 200,
          headers: {},
          body: {
            kind: 'APIResourceList',
            resources: [{ name: 'jobs', kind: 'Job', namespaced: true, verbs: [] }],
          },
        });
      }
      if (req.method === 'GET' && path === jobPath) {
        return Promise.resolve(
          stored === undefined
            ? { status: 404, headers: {}, body: { kind: 'Status', code: 404, reason: 'NotFound' } }
            : { status: 200, headers: {}, body: stored },
        );
      }
      if (req.method === 'POST') {
        writes.push('POST');
        const body = req.body as KubeObject;
        stored = { ...body, metadata: { ...body.metadata, uid: `uid-${String(writes.length)}` } };
        return Promise.resolve({ status: 201, headers: {}, body: stored });
      }
      writes.push(req.method);
      return Promise.resolve({ status: 200, headers: {}, body: stored });
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return {
    transport,
    writes,
    complete: () => {
      if (stored === undefined) return;
      stored = { ...stored, status: { conditions: [{ type: 'Complete', status: 'True' }] } };
    },
    remove: () => {
      stored = undefined;
    },
    exists: () => stored !== undefined,
  };
};

const planOf = (creationPolicy: CreationPolicy, hash: string, ids = ['job']): NodePlan => ({
  levels: [
    ids.map((id): PlannedResource => ({
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
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: id === 'job' ? 'migrate' : id,
        namespace: undefined,
        namespaced: true,
        json: JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } }),
        hash,
      },
      renderError: undefined,
      renderReason: undefined,
    })),
  ],
});

const pass = async (
  server: ReturnType<typeof fakeServer>,
  memory: NodeApplyMemory,
  plan: NodePlan,
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
      now: () => new Date(0),
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

const gone = [{ apiVersion: 'batch/v1', kind: 'Job', namespace: 'home', name: 'migrate' }];

describe('node apply: completed Jobs (N7)', () => {
  it('N7 a Once Job read complete is recorded, and once gone is not created again; the node stays ready', async () => {
    const server = fakeServer();
    const memory: NodeApplyMemory = { hashes: new Map(), previous: [], completions: new Map() };
    await pass(server, memory, planOf('Once', 'h1'));
    assert.deepEqual(server.writes, ['POST']);

    server.complete();
    const verified = await pass(server, memory, planOf('Once', 'h1'), { verify: true });
    assert.equal(verified.resources[0]?.completed, true);
    assert.deepEqual(memory.completions, new Map([['job', { hash: 'h1' }]]));

    server.remove();
    const after = await pass(server, memory, planOf('Once', 'h2'), { drifted: gone });
    assert.equal(server.exists(), false);
    assert.deepEqual(server.writes, ['POST'], 'never created again, even for another spec');
    assert.equal(after.outcome.kind, 'ready');
    assert.deepEqual(after.resources, [
      {
        id: 'job',
        state: 'Ready',
        reason: 'Applied',
        lastDesiredChange: new Date(0).toISOString(),
        completed: true,
        completedHash: 'h1',
      },
    ]);
    assert.deepEqual(
      after.appliedResources.map((r) => r.name),
      ['migrate'],
      'still held: cleanup finds it gone',
    );
  });

  it('N7 a gone WhenNeeded Job runs again for another desired hash, which forgets the last run', async () => {
    const server = fakeServer();
    const memory: NodeApplyMemory = { hashes: new Map(), previous: [], completions: new Map() };
    await pass(server, memory, planOf('WhenNeeded', 'h1'));
    server.complete();
    await pass(server, memory, planOf('WhenNeeded', 'h1'), { verify: true });
    server.remove();
    await pass(server, memory, planOf('WhenNeeded', 'h1'), { drifted: gone });
    assert.deepEqual(server.writes, ['POST'], 'the same spec does not run again');

    const rerun = await pass(server, memory, planOf('WhenNeeded', 'h2'));
    assert.deepEqual(server.writes, ['POST', 'POST']);
    assert.equal(memory.completions.size, 0);
    assert.equal(rerun.resources[0]?.completed, undefined);
  });

  it('N7 a completed run is forgotten with its resource: re-added to the form, the Job runs again', async () => {
    const server = fakeServer();
    const memory: NodeApplyMemory = {
      hashes: new Map(),
      previous: [],
      completions: new Map([['job', { hash: 'h1' }]]),
    };
    await pass(server, memory, planOf('Once', 'h1', ['other']));
    assert.equal(memory.completions.size, 0);
  });
});
