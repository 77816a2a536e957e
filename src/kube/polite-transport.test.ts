// The polite transport: a bound on requests in flight, 429s waited out and retried, aborts honoured while waiting.
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { politeTransport } from './polite-transport.js';
import type { RequestPriority } from './traffic-lane.js';

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
const write = (
  path: string,
  hub: string,
  priority: RequestPriority,
  method: KubeRequest['method'] = 'PATCH',
): KubeRequest => ({ method, path, timeoutMs: 1_000, lane: { hub, priority } });

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
    assert.deepEqual(polite.stats(), {
      inFlight: 2,
      queued: 2,
      queuedByPriority: { removal: 0, repair: 0, change: 2, resync: 0 },
      throttledRetries: 0,
    });
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
    assert.deepEqual(polite.stats(), {
      inFlight: 1,
      queued: 0,
      queuedByPriority: { removal: 0, repair: 0, change: 0, resync: 0 },
      throttledRetries: 0,
    });

    inner.calls[0]?.answer(throttled('5'));
    await tick();
    // Waiting to retry holds no slot.
    assert.equal(polite.stats().inFlight, 0);
    held.abort(new Error('stop'));
    await assert.rejects(first, /stop/);
    assert.equal(inner.calls.length, 1);
  });

  it('P4 one hub with many waiting writes delays another hub by one turn, not by its queue', async () => {
    const inner = manual();
    const polite = politeTransport(inner.transport, { maxInFlight: 1 });
    const settled = [
      polite.request(write('/a/0', 'ns/a', 'change')),
      ...Array.from({ length: 100 }, (_, i) =>
        polite.request(write(`/a/${i + 1}`, 'ns/a', 'change')),
      ),
    ];
    await tick();
    settled.push(polite.request(write('/b/0', 'ns/b', 'change')));
    for (let answered = 0; answered < 4; answered += 1) {
      inner.calls[answered]?.answer(ok);
      await tick();
    }
    // The hub that queued later was served right after one more request of the busy hub.
    assert.deepEqual(
      inner.calls.slice(0, 4).map((c) => c.req.path),
      ['/a/0', '/a/1', '/b/0', '/a/2'],
    );
    for (let answered = 4; answered < 102; answered += 1) {
      inner.calls[answered]?.answer(ok);
      await tick();
    }
    assert.equal((await Promise.all(settled)).length, 102);
  });

  it('P4 within one hub sends removals, then drift repairs, then changes, then resync reads', async () => {
    const inner = manual();
    const polite = politeTransport(inner.transport, { maxInFlight: 1 });
    const settled = [
      polite.request(write('/held', 'ns/a', 'change')),
      polite.request(write('/resync', 'ns/a', 'resync', 'GET')),
      // A write of a resync repairs drift.
      polite.request(write('/resync-fix', 'ns/a', 'resync', 'PUT')),
      polite.request(write('/create', 'ns/a', 'change', 'POST')),
      polite.request(write('/repair', 'ns/a', 'repair')),
      // A DELETE removes whatever lane it came with.
      polite.request(write('/delete', 'ns/a', 'change', 'DELETE')),
    ];
    await tick();
    assert.deepEqual(polite.stats().queuedByPriority, {
      removal: 1,
      repair: 2,
      change: 1,
      resync: 1,
    });
    for (let answered = 0; answered < 6; answered += 1) {
      inner.calls[answered]?.answer(ok);
      await tick();
    }
    assert.deepEqual(
      inner.calls.map((c) => c.req.path),
      ['/held', '/delete', '/resync-fix', '/repair', '/create', '/resync'],
    );
    await Promise.all(settled);
  });

  it('P4 sends at most burst requests at once and then qps a second', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      const inner = manual();
      const polite = politeTransport(inner.transport, {
        maxInFlight: 100,
        qps: 10,
        burst: 3,
        now: () => clock,
      });
      const settled = Array.from({ length: 8 }, (_, i) => polite.request(get(`/r${i}`)));
      await tick();
      assert.equal(inner.calls.length, 3, 'the burst leaves at once');
      assert.equal(polite.stats().queued, 5);
      clock = 100;
      mock.timers.tick(100);
      await tick();
      assert.equal(inner.calls.length, 4, 'one token per 100 ms at 10 qps');
      clock = 300;
      mock.timers.tick(100);
      await tick();
      mock.timers.tick(100);
      await tick();
      assert.equal(
        inner.calls.length,
        6,
        'two tokens for the 200 ms that passed, none for a timer that fired early',
      );
      clock = 10_000;
      mock.timers.tick(10_000);
      await tick();
      await tick();
      assert.equal(inner.calls.length, 8);
      for (const call of inner.calls) call.answer(ok);
      assert.equal((await Promise.all(settled)).length, 8);
    } finally {
      mock.timers.reset();
    }
  });
});
