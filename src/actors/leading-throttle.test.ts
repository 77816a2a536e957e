// Unit tests for the leading-edge throttle that coalesces change hints (SPEC H1b).
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { leadingThrottle } from './leading-throttle.js';

describe('leadingThrottle', () => {
  it('H1b runs the first request at once and 1,000 more within the spacing as one later run', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let clock = 0;
      let runs = 0;
      const throttle = leadingThrottle(
        () => {
          runs += 1;
        },
        1_000,
        () => clock,
      );
      throttle.request();
      assert.equal(runs, 1, 'the first hint is not delayed');
      for (let i = 0; i < 1_000; i += 1) {
        clock = i;
        throttle.request();
      }
      assert.equal(runs, 1);
      clock = 1_000;
      mock.timers.tick(1_000);
      assert.equal(runs, 2, 'one trailing run for the whole burst');
      clock = 5_000;
      throttle.request();
      assert.equal(runs, 3, 'a hint after a quiet spell runs at once again');
      throttle.request();
      throttle.cancel();
      mock.timers.tick(2_000);
      assert.equal(runs, 3, 'a cancelled run never happens');
    } finally {
      mock.timers.reset();
    }
  });
});
