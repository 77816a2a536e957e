// The reflector against the real API server: re-watch across short server timeouts, and relist after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createHttpTransport, type HttpTransport } from '../../src/kube/http-transport.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { createReflector, type Reflector } from '../../src/kube/reflector.js';
import { kubeRequest } from '../harness/kube-request.js';
import { createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

const logger = pino({ level: process.env['LYNQ_TEST_LOG'] ?? 'silent' });
const label = 'lynq.sh/reflector-test';

/** Polls `check` until it holds or the (generous) deadline passes. */
const eventually = async (
  what: string,
  check: () => boolean,
  deadlineMillis = 60_000,
): Promise<void> => {
  const deadline = Date.now() + deadlineMillis;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${deadlineMillis} ms`);
    await sleep(100);
  }
};

/** Handler calls as `added name`, `updated name=value`, `deleted name`. */
const recorder = () => {
  const calls: string[] = [];
  const value = (o: KubeObject): string => {
    const data = o['data'];
    return typeof data === 'object' && data !== null && 'v' in data ? String(data.v) : '';
  };
  return {
    calls,
    has: (call: string) => calls.includes(call),
    handler: {
      added: (o: KubeObject) => calls.push(`added ${o.metadata.name}`),
      updated: (o: KubeObject) => calls.push(`updated ${o.metadata.name}=${value(o)}`),
      deleted: (o: KubeObject) => calls.push(`deleted ${o.metadata.name}`),
    },
  };
};

describe('reflector on the real API server', () => {
  let transport: HttpTransport;
  let ns: { name: string; remove: () => Promise<void> };
  const kc = kubeConfigFor('admin');

  before(async () => {
    transport = createHttpTransport(await kc);
    ns = await createTestNamespace('reflector');
  });
  after(async () => {
    transport.close();
    await ns.remove();
  });

  const configMaps = () => `/api/v1/namespaces/${ns.name}/configmaps`;
  const create = async (name: string, v: string): Promise<void> => {
    const res = await kubeRequest(await kc, {
      method: 'POST',
      path: configMaps(),
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels: { [label]: 'yes' } },
        data: { v },
      },
    });
    assert.equal(res.status, 201, res.text);
  };
  const update = async (name: string, v: string): Promise<void> => {
    const res = await kubeRequest(await kc, {
      method: 'PATCH',
      path: `${configMaps()}/${name}`,
      contentType: 'application/merge-patch+json',
      body: { data: { v } },
    });
    assert.equal(res.status, 200, res.text);
  };
  const remove = async (name: string): Promise<void> => {
    const res = await kubeRequest(await kc, { method: 'DELETE', path: `${configMaps()}/${name}` });
    assert.equal(res.status, 200, res.text);
  };
  const reflectorFor = (rec: ReturnType<typeof recorder>): Reflector<KubeObject> =>
    createReflector({
      transport,
      path: configMaps(),
      labelSelector: `${label}=yes`,
      handler: rec.handler,
      logger,
      // Short server timeouts end watches every few seconds; small pages exercise `continue`.
      watchTimeoutSeconds: 2,
      watchTimeoutJitter: 0.25,
      idleGraceMs: 5_000,
      pageSize: 2,
      requestTimeoutMs: 30_000,
    });

  it('keeps delivering add, update and delete events across several watch timeouts', async () => {
    const rec = recorder();
    await create('before-1', '0');
    await create('before-2', '0');
    await create('before-3', '0');
    const reflector = reflectorFor(rec);
    reflector.start();
    try {
      await reflector.synced();
      assert.deepEqual([...rec.calls].sort(), [
        'added before-1',
        'added before-2',
        'added before-3',
      ]);
      assert.ok(reflector.metrics.listRestarts === 0 && reflector.metrics.lists === 1);

      for (let round = 1; round <= 3; round += 1) {
        // Each round starts on a watch that re-opened after the server ended the previous one.
        const reconnects = reflector.metrics.reconnects;
        await eventually(`watch re-opened before round ${round}`, () => {
          return reflector.metrics.reconnects > reconnects;
        });
        const name = `round-${round}`;
        await create(name, '1');
        await eventually(`${name} added`, () => rec.has(`added ${name}`));
        await update(name, '2');
        await eventually(`${name} updated`, () => rec.has(`updated ${name}=2`));
        await remove(name);
        await eventually(`${name} deleted`, () => rec.has(`deleted ${name}`));
        assert.equal(reflector.get(`${ns.name}/${name}`), undefined);
      }
      assert.ok(reflector.metrics.reconnects >= 3, `reconnects: ${reflector.metrics.reconnects}`);
      // Delivered by watches (a relist would report the same changes, but not count as events).
      assert.ok(reflector.metrics.events >= 9, `events: ${reflector.metrics.events}`);
      assert.equal(reflector.get(`${ns.name}/before-1`)?.kind, 'ConfigMap');
      // Watches that ended normally hand their connection back: re-watching reuses it.
      const { connectionsOpened, connectionsReused } = transport.stats;
      assert.ok(
        connectionsReused >= 3 && connectionsOpened <= 3,
        `connections opened ${connectionsOpened}, reused ${connectionsReused}`,
      );
    } finally {
      await reflector.stop();
    }
  });

  it('caches metadata only when asked, and still follows changes', async () => {
    const rec = recorder();
    await create('meta-only', '1');
    const reflector = createReflector({
      transport,
      path: configMaps(),
      labelSelector: `${label}=yes`,
      handler: rec.handler,
      logger,
      metadataOnly: true,
      watchTimeoutSeconds: 2,
    });
    reflector.start();
    try {
      await reflector.synced();
      const listed = reflector.get(`${ns.name}/meta-only`);
      assert.equal(listed?.kind, 'PartialObjectMetadata');
      assert.equal(listed['data'], undefined, 'no body in a metadata-only cache');
      await update('meta-only', '2');
      // The body is not there to show the value: the changed resourceVersion is what reports it.
      await eventually('meta-only updated', () => rec.has('updated meta-only='));
      assert.equal(reflector.get(`${ns.name}/meta-only`)?.kind, 'PartialObjectMetadata');
      await remove('meta-only');
      await eventually('meta-only deleted', () => rec.has('deleted meta-only'));
    } finally {
      await reflector.stop();
    }
  });

  it('relists after a stop and start, reporting objects deleted, changed and created meanwhile', async () => {
    const rec = recorder();
    await create('keep', '1');
    await create('change', '1');
    await create('drop', '1');
    const reflector = reflectorFor(rec);
    reflector.start();
    try {
      await reflector.synced();
      await eventually('the three objects listed', () =>
        ['keep', 'change', 'drop'].every((n) => rec.has(`added ${n}`)),
      );
      await reflector.stop();
      const seen = rec.calls.length;

      await remove('drop');
      await update('change', '2');
      await create('new', '1');

      reflector.start();
      await reflector.synced();
      assert.deepEqual(rec.calls.slice(seen).sort(), [
        'added new',
        'deleted drop',
        'updated change=2',
      ]);
      assert.equal(reflector.metrics.relists, 1);
      assert.equal(reflector.get(`${ns.name}/drop`), undefined);
    } finally {
      await reflector.stop();
    }
  });
});
