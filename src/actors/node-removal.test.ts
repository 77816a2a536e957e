// Removing one object a node held, over a fake API server holding one ConfigMap: a release is told as a released fact, a deletion is not (SPEC N10, O5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedResource } from '../api/lynq-node.schema.js';
import { orphanReasons } from '../api/metadata-keys.js';
import type { KubeTransport } from '../kube/http-transport.js';
import type { KubeObject } from '../kube/kube-object.js';
import { createResourcePaths } from '../kube/resource-paths.js';
import type { NodeEventSink } from './node-apply.actor.js';
import { removeResource } from './node-removal.js';

const node = { namespace: 'home', name: 'n1', uid: 'node-uid' };
const objectPath = '/api/v1/namespaces/home/configmaps/cfg';

/** An API server with one ConfigMap this node holds; logs the verbs it is sent. */
const fakeServer = () => {
  let stored: KubeObject | undefined = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cfg',
      namespace: 'home',
      uid: 'obj-uid',
      labels: { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home' },
      annotations: { 'lynq.sh/created-by': 'home/n1' },
    },
  };
  const verbs: string[] = [];
  const transport: KubeTransport = {
    request: (req) => {
      const path = req.path.split('?')[0] ?? '';
      if (req.method === 'GET' && path === '/api/v1') {
        return Promise.resolve({
          status: 200,
          headers: {},
          body: {
            kind: 'APIResourceList',
            resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [] }],
          },
        });
      }
      verbs.push(req.method);
      if (path !== objectPath || stored === undefined) {
        return Promise.resolve({ status: 404, headers: {}, body: { kind: 'Status', code: 404 } });
      }
      if (req.method === 'DELETE') stored = undefined;
      return Promise.resolve({ status: 200, headers: {}, body: stored ?? {} });
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return { transport, verbs };
};

const target = (deletionPolicy: 'Delete' | 'Retain'): AppliedResource => ({
  id: 'cfg',
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'home',
  name: 'cfg',
  deletionPolicy,
  creationPolicy: 'WhenNeeded',
  level: 0,
});

const removeWith = async (deletionPolicy: 'Delete' | 'Retain') => {
  const server = fakeServer();
  const events: Parameters<NodeEventSink>[0][] = [];
  const result = await removeResource(
    { transport: server.transport, paths: createResourcePaths(server.transport) },
    node,
    target(deletionPolicy),
    new AbortController().signal,
    orphanReasons.removedFromTemplate,
    (event) => events.push(event),
  );
  return { result, events, verbs: server.verbs };
};

describe('removing one object of a node', () => {
  it('N10 O5 a Retain object is released with one Normal event marked as a release', async () => {
    const { result, events, verbs } = await removeWith('Retain');
    assert.equal(result, undefined);
    assert.ok(verbs.includes('PATCH'), `a release patches the object (${verbs.join(', ')})`);
    assert.ok(!verbs.includes('DELETE'));
    assert.deepEqual(
      events.map((e) => [e.type, e.reason, e.released]),
      [['Normal', orphanReasons.removedFromTemplate, true]],
    );
  });

  it('N10 a Delete object it created is deleted, and no release is told', async () => {
    const { events, verbs } = await removeWith('Delete');
    assert.ok(verbs.includes('DELETE'), `a Delete object is deleted (${verbs.join(', ')})`);
    assert.ok(!events.some((e) => e.released === true));
  });
});
