// The child watcher with fake reflectors and discovery: which watches it starts, where, and to which node it reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createChildWatcher, type ChildChange } from './child-watcher.js';
import type { KubeObject } from './kube-object.js';
import type { Reflector, ReflectorOptions } from './reflector.js';
import type { ResourceInfo } from './resource-paths.js';

const silent = pino({ level: 'silent' });

const kinds: Record<string, ResourceInfo> = {
  'v1|ConfigMap': { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  'v1|Namespace': { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  'batch/v1|Job': { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true },
};

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
};

const setup = (namespaces: readonly string[] | undefined, allowedKinds?: readonly string[]) => {
  const started: ReflectorOptions<KubeObject>[] = [];
  const stopped: string[] = [];
  const reports: [string, ChildChange['type'], string][] = [];
  let lookups = 0;
  const watcher = createChildWatcher({
    transport: {
      request: () => Promise.reject(new Error('unused')),
      stream: () => Promise.reject(new Error('unused')),
    },
    paths: {
      resolve: (apiVersion, kind) => {
        lookups += 1;
        const info = kinds[`${apiVersion}|${kind}`];
        return info === undefined
          ? Promise.reject(new Error(`unknown kind ${kind}`))
          : Promise.resolve(info);
      },
    },
    logger: silent,
    namespaces,
    ...(allowedKinds === undefined ? {} : { allowedKinds }),
    report: (node, change) => reports.push([node, change.type, change.object.metadata.name]),
    createReflector: (options) => {
      started.push(options);
      const reflector: Reflector<KubeObject> = {
        start: () => undefined,
        stop: () => {
          stopped.push(options.path);
          return Promise.resolve();
        },
        synced: () => Promise.resolve(),
        get: () => undefined,
        list: () => [],
        resourceVersion: () => undefined,
        metrics: {
          lists: 0,
          relists: 0,
          listRestarts: 0,
          watches: 0,
          reconnects: 0,
          events: 0,
          bookmarks: 0,
          errors: 0,
        },
      };
      return reflector;
    },
  });
  return { watcher, started, stopped, reports, lookups: () => lookups };
};

const child = (name: string, node?: string): KubeObject => ({
  apiVersion: 'meta.k8s.io/v1',
  kind: 'PartialObjectMetadata',
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: '1',
    ...(node === undefined
      ? {}
      : { labels: { 'lynq.sh/node': node, 'lynq.sh/node-namespace': 'ns' } }),
  },
});

describe('child watcher', () => {
  it('N7 N8 DESIGN 8 watches Jobs whole but keeps only metadata, Lynq managedFields and the readiness view', async () => {
    const { watcher, started } = setup(undefined);
    watcher.watch({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'a', name: 'x' });
    await settle();
    const [jobs] = started;
    assert.ok(jobs);
    assert.equal(jobs.path, '/apis/batch/v1/jobs');
    assert.equal(jobs.metadataOnly, false);
    const conditions = [{ type: 'Complete', status: 'True' }];
    const kept = jobs.transform?.({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'x',
        managedFields: [{ manager: 'lynq' }, { manager: 'kube-controller-manager' }],
      },
      spec: { completions: 1, template: { spec: { containers: [] } } },
      status: { conditions, succeeded: 1, uncountedTerminatedPods: {} },
    });
    assert.deepEqual(kept, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x', managedFields: [{ manager: 'lynq' }] },
      spec: { completions: 1 },
      status: { succeeded: 1, conditions },
    });
  });

  it('DESIGN 8 a child store keeps of an object only its identity, version and tracking labels; a Job also its readiness view', async () => {
    const { watcher, started } = setup(undefined);
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'x' });
    watcher.watch({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'a', name: 'x' });
    await settle();
    const [configMaps, jobs] = started;
    assert.ok(configMaps?.retain && jobs?.retain);
    const metadata = {
      name: 'x',
      namespace: 'a',
      uid: 'u-1',
      resourceVersion: '7',
      generation: 2,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'a', app: 'web' },
      annotations: { 'lynq.sh/desired-hash': 'h' },
      managedFields: [{ manager: 'lynq', fieldsV1: { 'f:data': {} } }],
    };
    const held = {
      name: 'x',
      namespace: 'a',
      resourceVersion: '7',
      labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'a' },
    };
    assert.deepEqual(configMaps.retain({ kind: 'PartialObjectMetadata', metadata }), {
      metadata: held,
    });
    const status = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
    assert.deepEqual(jobs.retain({ apiVersion: 'batch/v1', kind: 'Job', metadata, status }), {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...held, generation: 2 },
      status,
    });
  });

  it('DESIGN 8 starts one metadata-only watch per kind, lazily, with the tracking-label selector, across all namespaces', async () => {
    const { watcher, started, lookups } = setup(undefined);
    assert.equal(started.length, 0, 'nothing before a node applied something');
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'x' });
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'y' });
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b', name: 'z' });
    await settle();
    assert.equal(lookups(), 2, 'one lookup per kind and namespace');
    assert.equal(started.length, 1, 'one watch for the kind in every namespace');
    const [first] = started;
    assert.ok(first);
    assert.equal(first.path, '/api/v1/configmaps');
    assert.equal(first.labelSelector, 'lynq.sh/node');
    assert.equal(first.metadataOnly, true);
    assert.deepEqual(watcher.watched(), ['v1|ConfigMap|*']);
  });

  it('DESIGN 8 an operator of one namespace watches each target namespace it uses, cluster-scoped kinds cluster-wide, only its own nodes’ objects', async () => {
    const { watcher, started } = setup(['home']);
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'home', name: 'x' });
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'extra', name: 'y' });
    watcher.watch({ apiVersion: 'v1', kind: 'Namespace', name: 'space' });
    await settle();
    assert.deepEqual(
      started.map((o) => o.path),
      [
        '/api/v1/namespaces/home/configmaps',
        '/api/v1/namespaces/extra/configmaps',
        '/api/v1/namespaces',
      ],
    );
    for (const o of started) {
      assert.equal(o.labelSelector, 'lynq.sh/node,lynq.sh/node-namespace=home');
    }
  });

  it('SPEC P1 an operator of several namespaces watches per target namespace and selects its nodes’ objects by every watched namespace', async () => {
    const { watcher, started } = setup(['a', 'b']);
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'x' });
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b', name: 'y' });
    await settle();
    assert.deepEqual(
      started.map((o) => o.path),
      ['/api/v1/namespaces/a/configmaps', '/api/v1/namespaces/b/configmaps'],
    );
    for (const o of started) {
      assert.equal(o.labelSelector, 'lynq.sh/node,lynq.sh/node-namespace in (a,b)');
    }
  });

  it('SPEC P1 N16 never watches a kind outside the allowed kinds, such as Secrets the chart grants no list for', async () => {
    const { watcher, started, lookups } = setup(undefined, ['/ConfigMap']);
    watcher.watch({ apiVersion: 'v1', kind: 'Secret', namespace: 'a', name: 's' });
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'a', name: 'c' });
    await settle();
    assert.deepEqual(
      started.map((o) => o.path),
      ['/api/v1/configmaps'],
    );
    assert.equal(lookups(), 1, 'no discovery for a kind not allowed');
  });

  it('a kind discovery does not know is asked for again on the next call, and starts nothing', async () => {
    const { watcher, started, lookups } = setup(undefined);
    watcher.watch({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'a', name: 'w' });
    await settle();
    watcher.watch({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'a', name: 'w' });
    await settle();
    assert.equal(lookups(), 2);
    assert.equal(started.length, 0);
  });

  it('N12 reports changes to the node the labels name; a deletion by the labels as stored; an object handed over to both nodes', async () => {
    const { watcher, started, reports } = setup(undefined);
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' });
    await settle();
    const handler = started[0]?.handler;
    assert.ok(handler);
    handler.added(child('a', 'n1'));
    handler.updated(child('a', 'n2'), child('a', 'n1'));
    // Left the selector: the event's object lost the labels, the stored one still has them.
    handler.deleted(child('b'), child('b', 'n1'));
    handler.deleted(child('c'), child('c'));
    assert.deepEqual(reports, [
      ['ns/n1', 'changed', 'a'],
      ['ns/n2', 'changed', 'a'],
      ['ns/n1', 'changed', 'a'],
      ['ns/n1', 'deleted', 'b'],
    ]);
  });

  it('stop() stops every watch and starts no more', async () => {
    const { watcher, started, stopped } = setup(undefined);
    watcher.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'x' });
    await settle();
    watcher.watch({ apiVersion: 'v1', kind: 'Namespace', name: 'space' });
    await watcher.stop();
    await settle();
    assert.deepEqual(stopped, ['/api/v1/configmaps']);
    assert.equal(started.length, 1);
    assert.deepEqual(watcher.watched(), []);
  });
});
