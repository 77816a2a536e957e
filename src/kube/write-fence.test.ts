// The write fence refuses writes past the lease deadline by the clock, aborts those in flight when it closes, and never opens again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { createWriteFence, fencedTransport } from './write-fence.js';

/** Answers 200 after `delayMs`, or rejects with the signal's reason when aborted first. */
const slowTransport = (delayMs: number, sent: KubeRequest[]): KubeTransport => ({
  request: (req) =>
    new Promise<KubeResponse>((resolve, reject) => {
      sent.push(req);
      const timer = setTimeout(() => {
        resolve({ status: 200, body: {}, headers: {} });
      }, delayMs);
      req.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(req.signal?.reason as Error);
      });
    }),
  stream: () => Promise.reject(new Error('no streams here')),
});

const write = (path: string): KubeRequest => ({ method: 'PATCH', path, timeoutMs: 5_000 });

describe('write fence', () => {
  it('P2 refuses every write before it is opened and after its deadline, judged by the clock when the write is sent', async () => {
    let clock = 1_000;
    const fence = createWriteFence(() => clock);
    const sent: KubeRequest[] = [];
    const transport = fencedTransport(slowTransport(0, sent), fence);
    await assert.rejects(transport.request(write('/a')), { code: 'NotLeader' });
    fence.openUntil(5_000);
    assert.equal((await transport.request(write('/b'))).status, 200);
    // A process frozen past its deadline: the timer has not fired yet, the clock has moved.
    clock = 5_000;
    await assert.rejects(transport.request(write('/c')), { code: 'NotLeader' });
    // Reads pass: they change nothing.
    assert.equal(
      (await transport.request({ method: 'GET', path: '/d', timeoutMs: 1 })).status,
      200,
    );
    assert.deepEqual(
      sent.map((r) => r.path),
      ['/b', '/d'],
    );
    fence.close('test over');
  });

  it('P2 aborts the writes in flight when the deadline passes, and never opens again', async () => {
    const fence = createWriteFence();
    const sent: KubeRequest[] = [];
    const transport = fencedTransport(slowTransport(10_000, sent), fence);
    let closedBecause = '';
    fence.onClosed((reason) => (closedBecause = reason));
    fence.openUntil(Date.now() + 50);
    await assert.rejects(transport.request(write('/slow')), { code: 'NotLeader' });
    assert.match(closedBecause, /not renewed before its deadline/);
    fence.openUntil(Date.now() + 60_000);
    assert.equal(fence.writable(), false);
    await assert.rejects(transport.request(write('/later')), { code: 'NotLeader' });
    assert.equal(sent.length, 1);
  });
});
