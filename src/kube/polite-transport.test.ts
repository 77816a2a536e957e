// The polite transport: a bound on requests in flight, 429s waited out and retried, aborts honoured while waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { politeTransport } from './polite-transport.js';

interface Call {
  readonly req: KubeRequest;
  readonly answer: (res: KubeResponse) => void;
}

/** An inner transport whose requests the test answers by hand. */
const manual = () => {
  const calls: Call[] = [];
  const transport: KubeTransport = {
    request: (req) =>
      new Promise<KubeResponse>((resolve) => {
        calls.push({ req, answer: resolve });
      }),
    stream: () => Promise.reject(new Error('not used')),
  };
  return { transport, calls };
};

const ok: KubeResponse = { status: 200, body: {}, headers: {} };
const throttled = (retryAfter?: string): KubeResponse => ({
  status: 429,
  body: { reason: 'TooManyRequests' },
  headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
});
const get = (path: string, signal?: AbortSignal): KubeRequest => ({
  method: 'GET',
  path,
  timeoutMs: 1_000,
  ...(signal === undefined ? {} : { signal }),
});
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('polite transport', () => {
  it('P4 keeps at most maxInFlight requests in flight and starts the rest in arrival order', async () => {
    const inner = manual();
    const polite = politeTransport(inner.transport, { maxInFlight: 2 });
    const results = ['/a', '/b', '/c', '/d'].map((p) => polite.request(get(p)));
    await tick();
    assert.deepEqual(
      inner.calls.map((c) => c.req.path),
      ['/a', '/b'],
    );
    assert.deepEqual(polite.stats(), { inFlight: 2, queued: 2, throttledRetries: 0 });
    inner.calls[1]?.answer(ok);
    await tick();
    assert.deepEqual(
      inner.calls.map((c) => c.req.path),
      ['/a', '/b', '/c'],
    );
    for (const call of inner.calls) call.answer(ok);
    await tick();
    inner.calls[3]?.answer(ok);
    assert.deepEqual(
      (await Promise.all(results)).map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.equal(polite.stats().inFlight, 0);
  });

  it('P4 waits out a 429 for its Retry-After and sends the request again', async () => {
    const inner = manual();
    const waits: number[] = [];
    let wake: () => void = () => undefined;
    const polite = politeTransport(inner.transport, {
      random: () => 0,
      sleep: (ms) => {
        waits.push(ms);
        return new Promise((resolve) => {
          wake = resolve;
        });
      },
    });
    const result = polite.request(get('/x'));
    await tick();
    inner.calls[0]?.answer(throttled('1'));
    await tick();
    // Waiting the second the server asked for, and not sent again meanwhile.
    assert.deepEqual(waits, [1_000]);
    assert.equal(inner.calls.length, 1);
    wake();
    await tick();
    assert.equal(inner.calls.length, 2);
    inner.calls[1]?.answer(ok);
    assert.equal((await result).status, 200);
    assert.equal(polite.stats().throttledRetries, 1);
  });

  it('P4 spreads a retry by up to half as long again, never past retryMaxMs', async () => {
    const inner = manual();
    const waits: number[] = [];
    const polite = politeTransport(inner.transport, {
      maxRetries: 2,
      retryMaxMs: 3_000,
      random: () => 0.5,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const result = polite.request(get('/x'));
    for (const retryAfter of ['2', '3']) {
      await tick();
      inner.calls.at(-1)?.answer(throttled(retryAfter));
    }
    await tick();
    inner.calls.at(-1)?.answer(ok);
    assert.equal((await result).status, 200);
    // 2 s × 1.25, then 3 s × 1.25 cut to the cap.
    assert.deepEqual(waits, [2_500, 3_000]);
  });

  it('P4 gives the 429 to the caller after maxRetries, backing off without a Retry-After', async () => {
    const inner = manual();
    const waits: number[] = [];
    const polite = politeTransport(inner.transport, {
      maxRetries: 2,
      retryBaseMs: 5,
      random: () => 0,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const result = polite.request(get('/y'));
    for (let answered = 0; answered < 3; answered += 1) {
      await tick();
      inner.calls[answered]?.answer(throttled());
    }
    assert.equal((await result).status, 429);
    assert.equal(inner.calls.length, 3);
    // Doubled per retry from retryBaseMs.
    assert.deepEqual(waits, [5, 10]);
  });

  it('rejects with the abort reason while queued or while waiting to retry, holding no slot meanwhile', async () => {
    const inner = manual();
    const polite = politeTransport(inner.transport, { maxInFlight: 1, random: () => 0 });
    const held = new AbortController();
    const first = polite.request(get('/held', held.signal));
    const queued = new AbortController();
    const second = polite.request(get('/queued', queued.signal));
    await tick();
    queued.abort(new Error('gone'));
    await assert.rejects(second, /gone/);
    assert.deepEqual(polite.stats(), { inFlight: 1, queued: 0, throttledRetries: 0 });

    inner.calls[0]?.answer(throttled('5'));
    await tick();
    // Waiting to retry holds no slot.
    assert.equal(polite.stats().inFlight, 0);
    held.abort(new Error('stop'));
    await assert.rejects(first, /stop/);
    assert.equal(inner.calls.length, 1);
  });
});
