// Event de-duplication against the real API server, as the operator user: a restarted recorder and an expired Event both keep counting (SPEC O1).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createApiClient, type ApiClient } from '../../src/kube/api-client.js';
import { createEventRecorder, type EventInput } from '../../src/kube/event-recorder.js';
import { createHttpTransport, type HttpTransport } from '../../src/kube/http-transport.js';
import { kubeRequest } from '../harness/kube-request.js';
import { createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

interface EventView {
  metadata: { name: string };
  reason: string;
  message: string;
  count: number;
}

describe('event recorder', () => {
  let admin: KubeConfig;
  let transport: HttpTransport;
  let client: ApiClient;
  let ns: { name: string; remove: () => Promise<void> };
  let event: EventInput;

  const events = async (): Promise<EventView[]> => {
    const res = await kubeRequest(admin, {
      method: 'GET',
      path: `/api/v1/namespaces/${ns.name}/events`,
    });
    assert.equal(res.status, 200, res.text);
    return (res.body as { items: EventView[] }).items.filter((e) => e.reason === event.reason);
  };

  before(async () => {
    admin = await kubeConfigFor('admin');
    transport = createHttpTransport(await kubeConfigFor('operator'));
    client = createApiClient(transport);
    ns = await createTestNamespace('event-recorder');
    const cm = await kubeRequest(admin, {
      method: 'POST',
      path: `/api/v1/namespaces/${ns.name}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'subject' } },
    });
    assert.equal(cm.status, 201, cm.text);
    event = {
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns.name,
        name: 'subject',
        uid: (cm.body as { metadata: { uid: string } }).metadata.uid,
      },
      type: 'Warning',
      reason: 'DatasourceUnreachable',
      message: 'connect ECONNREFUSED',
    };
  });
  after(async () => {
    transport.close();
    await ns.remove();
  });

  it('O1 a restarted recorder counts up the Event it wrote before (deterministic name, 409 on create)', async () => {
    const first = createEventRecorder(client, pino({ level: 'silent' }));
    await first.record(event);
    await first.record(event);
    assert.deepEqual(
      (await events()).map((e) => e.count),
      [2],
    );
    const restarted = createEventRecorder(client, pino({ level: 'silent' }));
    await restarted.record(event);
    await restarted.record(event);
    const [only, ...rest] = await events();
    assert.deepEqual(rest, []);
    assert.equal(only?.count, 4);
  });

  it('O1 an Event gone (TTL) is written again and counted up after that (404 on the count-up)', async () => {
    const recorder = createEventRecorder(client, pino({ level: 'silent' }));
    await recorder.record(event);
    const [stored] = await events();
    assert.ok(stored);
    const del = await kubeRequest(admin, {
      method: 'DELETE',
      path: `/api/v1/namespaces/${ns.name}/events/${stored.metadata.name}`,
    });
    assert.equal(del.status, 200, del.text);
    await recorder.record(event);
    await recorder.record(event);
    const [again, ...rest] = await events();
    assert.deepEqual(rest, []);
    assert.deepEqual(
      { name: again?.metadata.name, count: again?.count },
      {
        name: stored.metadata.name,
        count: 2,
      },
    );
  });
});
