// The token bucket: a burst at once, then qps a second, on a clock the test moves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('P4 gives burst tokens at once, then one per 1/qps seconds', () => {
    let clock = 0;
    const bucket = createTokenBucket({ qps: 20, burst: 2, now: () => clock });
    assert.equal(bucket.take(), 0);
    assert.equal(bucket.take(), 0);
    assert.equal(bucket.take(), 50, 'the next token comes in 50 ms at 20 qps');
    clock = 30;
    assert.equal(bucket.take(), 20);
    clock = 50;
    assert.equal(bucket.take(), 0);
    assert.equal(bucket.take(), 50);
  });

  it('P4 saves up no more than burst tokens over a quiet spell', () => {
    let clock = 0;
    const bucket = createTokenBucket({ qps: 100, burst: 3, now: () => clock });
    clock = 60_000;
    const taken = Array.from({ length: 5 }, () => bucket.take());
    assert.deepEqual(
      taken.map((wait) => wait === 0),
      [true, true, true, false, false],
    );
  });

  it('never makes a caller wait when qps is 0', () => {
    const bucket = createTokenBucket({ qps: 0, burst: 0, now: () => 0 });
    assert.ok(Array.from({ length: 1_000 }, () => bucket.take()).every((wait) => wait === 0));
  });
});
