// The render batcher against a fake pool: gathering per revision, bounds, own results, cancellation (T7).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRenderBatcher, type NodeRenderRequest } from './render-batcher.js';
import type { RenderPool, RenderRequest } from './render-pool.js';
import { poolCodes, type NodeRenderResult, type ResourceEntry } from './render-types.js';

const form: readonly ResourceEntry[] = [
  { id: 'cm', nameTemplate: '{{ uid }}', spec: { apiVersion: 'v1', kind: 'ConfigMap' } },
];

const request = (uid: string, revisionKey = 'ns/rev-a'): NodeRenderRequest => ({
  revisionKey,
  resources: form,
  node: { namespace: 'ns', variables: { uid } },
});

/** Each node's result names its own uid, so a caller can tell it got its own. */
const resultFor = (uid: unknown): NodeRenderResult =>
  uid === 'bad'
    ? {
        ok: false,
        errors: [{ code: poolCodes.budgetExceeded, resourceId: '', field: '', message: 'bad' }],
      }
    : {
        ok: true,
        manifests: [],
        errors: [{ code: 'Marker', resourceId: String(uid), field: '', message: '' }],
      };

interface FakePool extends Pick<RenderPool, 'render'> {
  readonly calls: { request: RenderRequest; signal: AbortSignal | undefined }[];
  /** Resolves the oldest call still waiting. */
  release(): void;
}

/** A pool that answers when told to (or at once), recording what it was asked. */
const fakePool = (manual = false): FakePool => {
  const calls: FakePool['calls'] = [];
  const waiting: (() => void)[] = [];
  return {
    calls,
    release() {
      waiting.shift()?.();
    },
    render(req, signal) {
      calls.push({ request: req, signal });
      const answer = (): NodeRenderResult[] =>
        req.nodes.map((n) =>
          signal?.aborted === true ? resultFor('aborted') : resultFor(n.variables['uid']),
        );
      if (!manual) return Promise.resolve(answer());
      return new Promise((resolve) => {
        waiting.push(() => {
          resolve(answer());
        });
      });
    },
  };
};

const uidOf = (result: NodeRenderResult): string | undefined =>
  result.ok ? result.errors[0]?.resourceId : result.errors[0]?.code;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('render batcher', () => {
  it('T7 sends the nodes of one revision that arrive together as one pool call, each caller getting its own result', async () => {
    const pool = fakePool();
    const batcher = createRenderBatcher(pool, { windowMs: 1 });
    const uids = ['a', 'b', 'c', 'd'];
    const results = await Promise.all(uids.map((uid) => batcher.render(request(uid))));
    assert.deepEqual(results.map(uidOf), uids);
    assert.equal(pool.calls.length, 1);
    assert.deepEqual(
      pool.calls[0]?.request.nodes.map((n) => n.variables['uid']),
      uids,
    );
    assert.deepEqual(batcher.stats(), { batches: 1, nodes: 4 });
  });

  it('T7 keeps revisions and kind scopes apart', async () => {
    const pool = fakePool();
    const batcher = createRenderBatcher(pool, { windowMs: 1 });
    const scoped = { ...request('d'), kindScopes: { 'example.com/Widget': true } };
    const results = await Promise.all([
      batcher.render(request('a', 'ns/rev-a')),
      batcher.render(request('b', 'ns/rev-b')),
      batcher.render(request('c', 'ns/rev-a')),
      batcher.render(scoped),
    ]);
    assert.deepEqual(results.map(uidOf), ['a', 'b', 'c', 'd']);
    const sent = pool.calls.map((c) => [
      c.request.revisionKey,
      c.request.nodes.map((n) => n.variables['uid']).join(''),
      c.request.kindScopes === undefined ? '-' : 'scoped',
    ]);
    assert.deepEqual(
      sent.sort((x, y) => x.join().localeCompare(y.join())),
      [
        ['ns/rev-a', 'ac', '-'],
        ['ns/rev-a', 'd', 'scoped'],
        ['ns/rev-b', 'b', '-'],
      ],
    );
  });

  it('T7 sends a batch as soon as it holds maxNodes nodes', async () => {
    const pool = fakePool();
    // A window no test waits for: only the count bound (and flush) can send.
    const batcher = createRenderBatcher(pool, { windowMs: 3_600_000, maxNodes: 3 });
    const pending = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((uid) => batcher.render(request(uid)));
    await tick();
    assert.deepEqual(
      pool.calls.map((c) => c.request.nodes.length),
      [3, 3],
    );
    batcher.flush();
    const results = await Promise.all(pending);
    assert.deepEqual(results.map(uidOf), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.deepEqual(
      pool.calls.map((c) => c.request.nodes.length),
      [3, 3, 1],
    );
  });

  it('T7 sends a batch as soon as its estimated output reaches maxBytes', async () => {
    const pool = fakePool();
    const perNode = JSON.stringify(form).length + 2 * JSON.stringify({ uid: 'a' }).length;
    const batcher = createRenderBatcher(pool, {
      windowMs: 3_600_000,
      maxBytes: 2 * perNode,
    });
    const pending = ['a', 'b', 'c'].map((uid) => batcher.render(request(uid)));
    await tick();
    assert.deepEqual(
      pool.calls.map((c) => c.request.nodes.length),
      [2],
    );
    batcher.flush();
    assert.deepEqual((await Promise.all(pending)).map(uidOf), ['a', 'b', 'c']);
  });

  it('N14 T5 one failing node fails alone: the others of its batch get their manifests', async () => {
    const pool = fakePool();
    const batcher = createRenderBatcher(pool, { windowMs: 1 });
    const results = await Promise.all(['a', 'bad', 'c'].map((uid) => batcher.render(request(uid))));
    assert.deepEqual(results.map(uidOf), ['a', poolCodes.budgetExceeded, 'c']);
    assert.equal(pool.calls.length, 1);
  });

  it('T7 a caller cancelled before its batch is sent gets RenderAborted and is not sent', async () => {
    const pool = fakePool();
    const batcher = createRenderBatcher(pool, { windowMs: 3_600_000 });
    const cancel = new AbortController();
    const first = batcher.render(request('a'));
    const gone = batcher.render(request('b'), cancel.signal);
    const third = batcher.render(request('c'));
    cancel.abort();
    assert.equal(uidOf(await gone), poolCodes.renderAborted);
    batcher.flush();
    assert.deepEqual([uidOf(await first), uidOf(await third)], ['a', 'c']);
    assert.deepEqual(
      pool.calls[0]?.request.nodes.map((n) => n.variables['uid']),
      ['a', 'c'],
    );
  });

  it('T7 an already cancelled request is answered without a pool call', async () => {
    const pool = fakePool();
    const batcher = createRenderBatcher(pool, { windowMs: 1 });
    const result = await batcher.render(request('a'), AbortSignal.abort());
    assert.equal(uidOf(result), poolCodes.renderAborted);
    batcher.flush();
    assert.equal(pool.calls.length, 0);
  });

  it('T7 a sent batch is cancelled only when every caller in it has given up', async () => {
    const pool = fakePool(true);
    const batcher = createRenderBatcher(pool, { windowMs: 3_600_000 });
    const one = new AbortController();
    const two = new AbortController();
    const first = batcher.render(request('a'), one.signal);
    const second = batcher.render(request('b'), two.signal);
    batcher.flush();
    const sent = pool.calls[0]?.signal;
    assert.ok(sent !== undefined);
    one.abort();
    assert.equal(uidOf(await first), poolCodes.renderAborted, 'answered at once');
    assert.equal(sent.aborted, false, 'b still waits');
    two.abort();
    assert.equal(uidOf(await second), poolCodes.renderAborted);
    assert.equal(sent.aborted, true);
    pool.release();
  });

  it('T7 answers every caller with RenderAborted if the pool breaks its promise and rejects', async () => {
    const batcher = createRenderBatcher(
      { render: () => Promise.reject(new Error('broken pool')) },
      { windowMs: 1 },
    );
    const results = await Promise.all(['a', 'b'].map((uid) => batcher.render(request(uid))));
    assert.deepEqual(results.map(uidOf), [poolCodes.renderAborted, poolCodes.renderAborted]);
    assert.match(results[0]?.errors[0]?.message ?? '', /broken pool/);
  });
});
