// Coalesced status writes (DESIGN 3): the latest wins, one write in flight, nothing when nothing changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ApiClient } from './api-client.js';
import { createStatusWriter } from './status-writer.js';

const fakeClient = (fail = 0) => {
  const writes: { path: string; body: unknown }[] = [];
  let failures = fail;
  const client: ApiClient = {
    get: () => Promise.resolve(undefined),
    create: () => Promise.resolve(undefined),
    patch: async (path, _type, body) => {
      await new Promise((r) => setImmediate(r));
      if (failures > 0) {
        failures -= 1;
        throw new Error('etcd is slow');
      }
      writes.push({ path, body });
      return body;
    },
    remove: () => Promise.resolve(true),
  };
  return { client, writes };
};

/** Lets the fake client's answers (one setImmediate each) and their follow-ups run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((r) => setImmediate(r));
};

const writer = (client: ApiClient) =>
  createStatusWriter({ client, logger: pino({ level: 'silent' }), minIntervalMs: 5, retryMs: 5 });

describe('status writer', () => {
  // The writer's timers are unref'd (they never hold the process open); the tests do.
  let keepAlive: NodeJS.Timeout | undefined;
  before(() => {
    keepAlive = setInterval(() => undefined, 1_000);
  });
  after(() => {
    clearInterval(keepAlive);
  });

  it('coalesces a burst into the latest status', async () => {
    const { client, writes } = fakeClient();
    const w = writer(client);
    for (const phase of ['Pending', 'Rendering', 'Applying', 'Ready'])
      w.publish('/n/status', { phase });
    await w.flush();
    assert.deepEqual(writes, [{ path: '/n/status', body: { status: { phase: 'Ready' } } }]);
  });

  it('a transient status waits for the settled one that follows, which goes at once', async () => {
    const { client, writes } = fakeClient();
    // A transient wait far beyond the test: the flush ends only because the settled status moved the write forward.
    const w = createStatusWriter({
      client,
      logger: pino({ level: 'silent' }),
      minIntervalMs: 5,
      transientGatherMs: 3_600_000,
    });
    w.publish('/t/status', { phase: 'Applying' }, { transient: true });
    await settle();
    w.publish('/t/status', { phase: 'Ready' });
    await w.flush();
    assert.deepEqual(writes, [{ path: '/t/status', body: { status: { phase: 'Ready' } } }]);
  });

  it('writes nothing when the status equals what was last written or observed on the server', async () => {
    const { client, writes } = fakeClient();
    const w = writer(client);
    w.publish('/a/status', { phase: 'Ready', ready: 1 });
    await w.flush();
    w.publish('/a/status', { ready: 1, phase: 'Ready' });
    w.observe('/b/status', { phase: 'Ready' });
    w.publish('/b/status', { phase: 'Ready' });
    await w.flush();
    assert.equal(writes.length, 1);
  });

  it('clears keys that disappeared and retries a failed write', async () => {
    const { client, writes } = fakeClient(1);
    const w = writer(client);
    w.observe('/c/status', { phase: 'Degraded', lastError: 'x' });
    w.publish('/c/status', { phase: 'Ready' });
    await w.flush();
    assert.deepEqual(writes, [
      { path: '/c/status', body: { status: { lastError: null, phase: 'Ready' } } },
    ]);
  });

  it('F4 clears nested keys that disappeared (a rollout completion time of an earlier target)', async () => {
    const { client, writes } = fakeClient();
    const w = writer(client);
    w.observe('/d/status', { rollout: { target: 'a', completionTime: 't1' }, conditions: [1] });
    w.publish('/d/status', { rollout: { target: 'b' }, conditions: [2] });
    await w.flush();
    assert.deepEqual(writes, [
      {
        path: '/d/status',
        body: { status: { rollout: { completionTime: null, target: 'b' }, conditions: [2] } },
      },
    ]);
  });

  it('gathers the changes that follow a first one into one write', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 });
    const { client, writes } = fakeClient();
    const w = createStatusWriter({
      client,
      logger: pino({ level: 'silent' }),
      minIntervalMs: 5,
      gatherMs: 500,
    });
    // Without gathering, the first status would be written during the first pause.
    w.publish('/g/status', { phase: 'Pending' });
    t.mock.timers.tick(20);
    w.publish('/g/status', { phase: 'Applying' });
    t.mock.timers.tick(20);
    w.publish('/g/status', { phase: 'Ready' });
    await settle();
    assert.deepEqual(writes, []);
    t.mock.timers.tick(460);
    await w.flush();
    assert.deepEqual(writes, [{ path: '/g/status', body: { status: { phase: 'Ready' } } }]);
  });

  it('waits a whole interval before the first write of an object that has no status yet', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 });
    const { client, writes } = fakeClient();
    const w = createStatusWriter({
      client,
      logger: pino({ level: 'silent' }),
      minIntervalMs: 300,
    });
    w.publish('/new/status', { phase: 'Pending' });
    w.observe('/old/status', { phase: 'Pending' });
    w.publish('/old/status', { phase: 'Applying' });
    t.mock.timers.tick(0);
    await settle();
    t.mock.timers.tick(299);
    await settle();
    assert.deepEqual(
      writes.map((x) => x.path),
      ['/old/status'],
    );
    w.publish('/new/status', { phase: 'Ready' });
    t.mock.timers.tick(1);
    await w.flush();
    assert.deepEqual(writes.at(-1), {
      path: '/new/status',
      body: { status: { phase: 'Ready' } },
    });
    assert.equal(writes.length, 2);
  });
});
