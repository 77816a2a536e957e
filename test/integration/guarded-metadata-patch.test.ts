// Guarded metadata patches against the real API server, as the operator user: a finalizer is never added twice, and a changed annotation is left alone (SPEC H8, H9).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createApiClient, patchTypes, type ApiClient } from '../../src/kube/api-client.js';
import {
  addFinalizerPatch,
  createFinalizerAdder,
  removeAnnotationIfUnchanged,
} from '../../src/kube/guarded-metadata-patch.js';
import { createHttpTransport, type HttpTransport } from '../../src/kube/http-transport.js';
import { kubeRequest } from '../harness/kube-request.js';
import { createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

interface Meta {
  uid: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
}

const ours = 'lynq.sh/hub-cleanup';

describe('guarded metadata patches', () => {
  let admin: KubeConfig;
  let transport: HttpTransport;
  let client: ApiClient;
  let ns: { name: string; remove: () => Promise<void> };
  const made: string[] = [];

  const path = (name: string) => `/api/v1/namespaces/${ns.name}/configmaps/${name}`;
  const meta = async (name: string): Promise<Meta> => {
    const res = await kubeRequest(admin, { method: 'GET', path: path(name) });
    assert.equal(res.status, 200, res.text);
    return (res.body as { metadata: Meta }).metadata;
  };
  const configMap = async (
    name: string,
    metadata: { finalizers?: string[]; annotations?: Record<string, string> },
  ): Promise<Meta> => {
    const res = await kubeRequest(admin, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns.name}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...metadata } },
    });
    assert.equal(res.status, 201, res.text);
    made.push(name);
    return (res.body as { metadata: Meta }).metadata;
  };

  before(async () => {
    admin = await kubeConfigFor('admin');
    transport = createHttpTransport(await kubeConfigFor('operator'));
    client = createApiClient(transport);
    ns = await createTestNamespace('guarded-patch');
  });
  after(async () => {
    // Finalizers would keep the namespace terminating.
    await Promise.all(
      made.map((name) =>
        kubeRequest(admin, {
          method: 'PATCH',
          path: path(name),
          contentType: patchTypes.merge,
          body: { metadata: { finalizers: null } },
        }),
      ),
    );
    transport.close();
    await ns.remove();
  });

  it('H8 the same finalizer patch sent twice from one stale view adds the finalizer once, beside another', async () => {
    const seen = await configMap('with-other', { finalizers: ['example.com/other'] });
    const ops = addFinalizerPatch(seen, ours);
    assert.ok(ops);
    const results = await Promise.allSettled([
      client.patch(path('with-other'), patchTypes.json, ops),
      client.patch(path('with-other'), patchTypes.json, ops),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.deepEqual((await meta('with-other')).finalizers, ['example.com/other', ours]);
  });

  it('H8 from an object without finalizers, too (the test for no list at all holds once)', async () => {
    const seen = await configMap('bare', {});
    const ops = addFinalizerPatch(seen, ours);
    assert.ok(ops);
    await client.patch(path('bare'), patchTypes.json, ops);
    await assert.rejects(client.patch(path('bare'), patchTypes.json, ops), {
      code: 'KubeInvalid',
    });
    assert.deepEqual((await meta('bare')).finalizers, [ours]);
  });

  it('H8 the adder given two close observations leaves one finalizer', async () => {
    const seen = await configMap('adder', { finalizers: ['example.com/other'] });
    const adder = createFinalizerAdder(client, pino({ level: 'silent' }), ours);
    adder.ensure(path('adder'), seen);
    adder.ensure(path('adder'), seen);
    await adder.settled();
    adder.ensure(path('adder'), seen); // stale: the watch has not shown the add yet
    await adder.settled();
    assert.deepEqual((await meta('adder')).finalizers, ['example.com/other', ours]);
  });

  it('H9 an allow token changed meanwhile is left alone and is no error; the unchanged one is removed', async () => {
    const key = 'lynq.sh/allow-deletions';
    const seen = await configMap('token', { annotations: { [key]: 'new-token' } });
    assert.equal(
      await removeAnnotationIfUnchanged(client, path('token'), {
        uid: seen.uid,
        key,
        value: 'spent-token',
      }),
      false,
    );
    assert.equal((await meta('token')).annotations?.[key], 'new-token');
    assert.equal(
      await removeAnnotationIfUnchanged(client, path('token'), {
        uid: seen.uid,
        key,
        value: 'new-token',
      }),
      true,
    );
    assert.equal((await meta('token')).annotations?.[key], undefined);
    assert.equal(
      await removeAnnotationIfUnchanged(client, path('token'), {
        uid: seen.uid,
        key,
        value: 'new-token',
      }),
      false,
      'already removed: a no-op',
    );
  });
});
