// The dashboard's access check: a refused list fails at once with what the user needs, instead of a page that never comes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeRequest, KubeResponse, KubeTransport } from '../kube/http-transport.js';
import { checkDashboardAccess } from './dashboard-access.js';

const answering = (answer: (req: KubeRequest) => KubeResponse) => {
  const paths: string[] = [];
  const transport: KubeTransport = {
    request: (req) => {
      paths.push(req.path);
      return Promise.resolve(answer(req));
    },
    stream: () => Promise.reject(new Error('not used')),
  };
  return { paths, transport };
};

const forbidden: KubeResponse = {
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: {
    kind: 'Status',
    reason: 'Forbidden',
    message: 'lynqforms.operator.lynq.sh is forbidden: User "ann" cannot list resource "lynqforms"',
    code: 403,
  },
};

describe('dashboard access', () => {
  it('O3b a list the user may not make fails at once, naming the resource and what grants it', async () => {
    const { paths, transport } = answering((req) =>
      req.path.includes('lynqforms')
        ? forbidden
        : { status: 200, body: { items: [] }, headers: {} },
    );
    await assert.rejects(
      checkDashboardAccess(transport, undefined, ['lynqhubs', 'lynqforms', 'lynqnodes']),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DashboardCannotList');
        assert.match(err.message, /cannot list lynqforms in all namespaces/);
        assert.match(err.message, /dashboard\.enabled/);
        return true;
      },
    );
    assert.deepEqual(paths, [
      '/apis/operator.lynq.sh/v1/lynqhubs?limit=1',
      '/apis/operator.lynq.sh/v1/lynqforms?limit=1',
    ]);
  });

  it('O3b lists each named namespace and resolves when every list answers', async () => {
    const { paths, transport } = answering(() => ({
      status: 200,
      body: { items: [] },
      headers: {},
    }));
    await checkDashboardAccess(transport, ['a', 'b'], ['lynqhubs']);
    assert.deepEqual(paths, [
      '/apis/operator.lynq.sh/v1/namespaces/a/lynqhubs?limit=1',
      '/apis/operator.lynq.sh/v1/namespaces/b/lynqhubs?limit=1',
    ]);
  });
});
