// settleOnce: the first settlement wins.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleOnce } from './settle-once.js';

describe('settleOnce', () => {
  it('keeps the first resolve and ignores a later reject', async () => {
    const once = settleOnce<number>();
    assert.equal(once.settled(), false);
    once.resolve(1);
    once.reject(new Error('late'));
    once.resolve(2);
    assert.equal(once.settled(), true);
    assert.equal(await once.promise, 1);
  });

  it('keeps the first reject and ignores a later resolve', async () => {
    const once = settleOnce();
    once.reject(new Error('first'));
    once.resolve();
    await assert.rejects(once.promise, /first/);
  });
});
