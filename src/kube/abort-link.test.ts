// Following shared abort signals: one listener per signal whatever the number of requests, nothing left once they let go.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { linkedSignal, onAbort } from './abort-link.js';

describe('abort link', () => {
  it('O5 a thousand requests following one signal put one listener on it, and none once they let go', () => {
    const shared = new AbortController();
    const releases = Array.from({ length: 1000 }, () => onAbort(shared.signal, () => undefined));
    assert.equal(getEventListeners(shared.signal, 'abort').length, 1);
    for (const release of releases) release();
    assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
  });

  it('tells every follower still listening, once, and not the ones that let go', () => {
    const shared = new AbortController();
    const told: number[] = [];
    const releases = [0, 1, 2].map((i) => onAbort(shared.signal, () => told.push(i)));
    releases[1]?.();
    shared.abort();
    shared.abort();
    assert.deepEqual(told, [0, 2]);
  });

  it('a linked signal aborts with the reason of the source that aborted, and releasing leaves the long-lived source bare', () => {
    const caller = new AbortController();
    const fence = new AbortController();
    const first = linkedSignal([caller.signal, fence.signal]);
    first.release();
    const second = linkedSignal([caller.signal, fence.signal]);
    const reason = new Error('not leader');
    fence.abort(reason);
    assert.equal(second.signal.aborted, true);
    assert.equal(second.signal.reason, reason);
    assert.equal(first.signal.aborted, false);
    second.release();
    assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
  });

  it('a linked signal of an already aborted source is aborted at once', () => {
    const reason = new Error('shutting down');
    const linked = linkedSignal([undefined, AbortSignal.abort(reason)]);
    assert.equal(linked.signal.aborted, true);
    assert.equal(linked.signal.reason, reason);
  });
});
