// REST mapping: resource lists, paths by scope, the discovery cache and its refresh on a miss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import {
  collectionPathOf,
  createResourcePaths,
  objectPathOf,
  parseResourceList,
} from './resource-paths.js';

const list = (groupVersion: string, resources: unknown[]) => ({
  kind: 'APIResourceList',
  groupVersion,
  resources,
});

/** Answers discovery GETs from `served` (mutable, so a CRD can appear), counting requests. */
const fakeDiscovery = (served: Map<string, unknown>) => {
  const requests: string[] = [];
  const transport: KubeTransport = {
    request: (req: KubeRequest): Promise<KubeResponse> => {
      requests.push(req.path);
      const body = served.get(req.path);
      return Promise.resolve(
        body === undefined
          ? { status: 404, body: { kind: 'Status', reason: 'NotFound' }, headers: {} }
          : { status: 200, body, headers: {} },
      );
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return { transport, requests };
};

describe('resource paths', () => {
  it('reads main resources from a resource list and skips subresources', () => {
    const byKind = parseResourceList(
      'apps/v1',
      list('apps/v1', [
        { name: 'deployments', kind: 'Deployment', namespaced: true },
        { name: 'deployments/scale', kind: 'Scale', namespaced: true },
        { name: 'deployments/status', kind: 'Deployment', namespaced: true },
      ]),
    );
    assert.deepEqual([...byKind.keys()], ['Deployment']);
    assert.equal(byKind.get('Deployment')?.plural, 'deployments');
  });

  it('refuses a body that is not a resource list', () => {
    assert.throws(() => parseResourceList('v1', 'nope'), { code: 'DiscoveryFailed' });
  });

  it('builds core, group, namespaced and cluster-scoped paths', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
    const ns = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      plural: 'deployments',
      namespaced: true,
    };
    assert.equal(objectPathOf(cm, 'a', 'b'), '/api/v1/namespaces/a/configmaps/b');
    assert.equal(objectPathOf(ns, 'ignored', 'x'), '/api/v1/namespaces/x');
    assert.equal(collectionPathOf(dep, 'a'), '/apis/apps/v1/namespaces/a/deployments');
    assert.equal(collectionPathOf(dep, undefined), '/apis/apps/v1/deployments');
  });

  it('asks discovery once per group version and answers from the cache after that', async () => {
    const served = new Map<string, unknown>([
      ['/api/v1', list('v1', [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }])],
    ]);
    const { transport, requests } = fakeDiscovery(served);
    const paths = createResourcePaths(transport);
    assert.equal(paths.knownScope('v1', 'ConfigMap'), undefined);
    const [a, b] = await Promise.all([
      paths.isNamespaced('v1', 'ConfigMap'),
      paths.objectPath({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'x' }),
    ]);
    assert.equal(a, true);
    assert.equal(b, '/api/v1/namespaces/n/configmaps/x');
    assert.equal(paths.knownScope('v1', 'ConfigMap'), true);
    assert.deepEqual(requests, ['/api/v1']);
  });

  it('refreshes on a miss, so a kind installed later is found', async () => {
    const served = new Map<string, unknown>();
    const { transport, requests } = fakeDiscovery(served);
    const paths = createResourcePaths(transport);
    await assert.rejects(paths.resolve('example.com/v1', 'Widget'), { code: 'UnknownKind' });
    served.set(
      '/apis/example.com/v1',
      list('example.com/v1', [{ name: 'widgets', kind: 'Widget', namespaced: false }]),
    );
    const widget = await paths.resolve('example.com/v1', 'Widget');
    assert.equal(widget.namespaced, false);
    assert.equal(
      await paths.objectPath({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w' }),
      '/apis/example.com/v1/widgets/w',
    );
    assert.ok(requests.length >= 2);
  });

  it('says UnknownKind for a kind missing from a served group version, after one refresh', async () => {
    const served = new Map<string, unknown>([
      ['/api/v1', list('v1', [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }])],
    ]);
    const { transport, requests } = fakeDiscovery(served);
    const paths = createResourcePaths(transport);
    await paths.resolve('v1', 'ConfigMap');
    await assert.rejects(paths.resolve('v1', 'Gadget'), { code: 'UnknownKind' });
    assert.deepEqual(requests, ['/api/v1', '/api/v1']);
  });

  it('turns a discovery error into a transient error, and asks again next time', async () => {
    let fail = true;
    const transport: KubeTransport = {
      request: () =>
        Promise.resolve(
          fail
            ? { status: 503, body: { message: 'down' }, headers: {} }
            : {
                status: 200,
                body: list('v1', [{ name: 'secrets', kind: 'Secret', namespaced: true }]),
                headers: {},
              },
        ),
      stream: () => Promise.reject(new Error('no streams here')),
    };
    const paths = createResourcePaths(transport);
    await assert.rejects(paths.resolve('v1', 'Secret'), {
      code: 'KubeUnavailable',
      kind: 'Transient',
    });
    fail = false;
    assert.equal((await paths.resolve('v1', 'Secret')).plural, 'secrets');
  });
});
