// Shutdown's gate: new writes refused at once, writes in flight finish within the bound, stragglers aborted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drainingTransport } from './draining-transport.js';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';

const delayed = (delays: Record<string, number>): KubeTransport => ({
  request: (req: KubeRequest) =>
    new Promise<KubeResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        resolve({ status: 200, body: req.path, headers: {} });
      }, delays[req.path] ?? 0);
      req.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(req.signal?.reason as Error);
      });
    }),
  stream: () => Promise.reject(new Error('no streams here')),
});

describe('draining transport', () => {
  it('P3 lets a write in flight finish, refuses new writes, and still serves reads', async () => {
    const gate = drainingTransport(delayed({ '/a': 100 }));
    const inFlight = gate.transport.request({ method: 'POST', path: '/a', timeoutMs: 5_000 });
    const drained = gate.drain(5_000);
    await assert.rejects(
      gate.transport.request({ method: 'PATCH', path: '/b', timeoutMs: 5_000 }),
      { code: 'ShuttingDown' },
    );
    assert.equal((await inFlight).status, 200);
    assert.deepEqual(await drained, { finished: 1, aborted: 0 });
    const read = await gate.transport.request({ method: 'GET', path: '/c', timeoutMs: 5_000 });
    assert.equal(read.status, 200);
  });

  it('P3 aborts what is still running at the bound', async () => {
    const gate = drainingTransport(delayed({ '/slow': 60_000 }));
    const slow = gate.transport.request({ method: 'PUT', path: '/slow', timeoutMs: 90_000 });
    assert.equal(gate.inFlight(), 1);
    assert.deepEqual(await gate.drain(50), { finished: 0, aborted: 1 });
    await assert.rejects(slow, { code: 'ShuttingDown' });
  });
});
