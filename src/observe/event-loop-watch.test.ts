// /healthz's event-loop check: a block longer than the threshold makes the process unhealthy for a while, then healthy again.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { watchEventLoop } from './event-loop-watch.js';

const tickMs = 20;

/**
 * A watch on a simulated clock: `run` lets the loop turn (time passes and every due tick runs),
 * `block` lets time pass while nothing runs, as a busy loop would.
 */
const simulated = (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let clock = 1_000_000;
  const watch = watchEventLoop({ blockedAfterMs: 150, tickMs, rememberMs: 400, now: () => clock });
  t.after(() => {
    watch.stop();
  });
  return {
    watch,
    run: (ms: number): void => {
      for (let passed = 0; passed < ms; passed += tickMs) {
        clock += tickMs;
        t.mock.timers.tick(tickMs);
      }
    },
    block: (ms: number): void => {
      clock += ms;
    },
  };
};

describe('event loop watch', () => {
  it('O5 reports a block beyond the threshold, names it, and forgets it after the memory span', (t) => {
    const { watch, run, block } = simulated(t);
    run(60);
    assert.deepEqual(watch.health(), { ok: true });
    block(300);
    // Overdue right now, before the late tick has even run.
    assert.match(watch.health().reason ?? '', /event loop blocked for 280 ms/);
    run(tickMs);
    const after = watch.health();
    assert.equal(after.ok, false);
    assert.match(after.reason ?? '', /event loop was blocked for 300 ms/);
    run(380);
    assert.equal(watch.health().ok, false, 'still within the memory span');
    run(tickMs);
    assert.deepEqual(watch.health(), { ok: true });
  });

  it('O5 a late tick within the threshold is no block', (t) => {
    const { watch, run, block } = simulated(t);
    run(40);
    block(100);
    run(tickMs);
    assert.deepEqual(watch.health(), { ok: true });
  });
});
