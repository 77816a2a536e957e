import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { coalescedCall } from './coalesced-call.js';

describe('coalescedCall', () => {
  it('runs once per window however many requests arrive', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let calls = 0;
      const call = coalescedCall(() => (calls += 1), 100);
      for (let i = 0; i < 10_000; i += 1) call.request();
      assert.equal(calls, 0);
      mock.timers.tick(100);
      assert.equal(calls, 1);
      call.request();
      mock.timers.tick(99);
      assert.equal(calls, 1);
      mock.timers.tick(1);
      assert.equal(calls, 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('runs nothing after cancel, and can be requested again', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let calls = 0;
      const call = coalescedCall(() => (calls += 1), 50);
      call.request();
      call.cancel();
      mock.timers.tick(100);
      assert.equal(calls, 0);
      call.request();
      mock.timers.tick(50);
      assert.equal(calls, 1);
    } finally {
      mock.timers.reset();
    }
  });
});
