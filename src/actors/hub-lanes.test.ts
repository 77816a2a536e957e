// Hub lanes: a node's and a hub's requests wait in that hub's API queue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { KubeRequest, KubeTransport } from '../kube/http-transport.js';
import { hubClients, laneWrite, nodeLane } from './hub-lanes.js';

const recording = () => {
  const seen: KubeRequest[] = [];
  const transport: KubeTransport = {
    request: (req) => {
      seen.push(req);
      return Promise.resolve({ status: 200, body: {}, headers: {} });
    },
    stream: () => Promise.reject(new Error('not used')),
  };
  return { seen, transport };
};

const node = (labels: Record<string, string>): LynqNode =>
  ({ metadata: { name: 'acme-web', namespace: 'ns', labels }, spec: {} }) as unknown as LynqNode;

describe('hub lanes', () => {
  it('P4 puts a node in the lane of the hub its label names, at the priority of its work', () => {
    assert.deepEqual(nodeLane(node({ 'lynq.sh/hub': 'customers' }), 'repair'), {
      hub: 'ns/customers',
      priority: 'repair',
    });
    assert.deepEqual(nodeLane(node({}), 'change'), { priority: 'change' });
    assert.deepEqual(nodeLane(undefined, 'removal'), { priority: 'removal' });
  });

  it('P4 stamps every request of a node pass and of a hub client with the lane', async () => {
    const { seen, transport } = recording();
    const write = laneWrite(
      { transport, paths: {} as never },
      { hub: 'ns/customers', priority: 'removal' },
    );
    await write.transport.request({ method: 'DELETE', path: '/x', timeoutMs: 1_000 });
    const clients = hubClients(transport);
    await clients.of('ns', 'orders').get('/api/v1/namespaces/ns/configmaps/y');
    assert.deepEqual(
      seen.map((r) => r.lane),
      [
        { hub: 'ns/customers', priority: 'removal' },
        { hub: 'ns/orders', priority: 'change' },
      ],
    );
    assert.equal(clients.of('ns', 'orders'), clients.of('ns', 'orders'), 'one client per hub');
  });
});
