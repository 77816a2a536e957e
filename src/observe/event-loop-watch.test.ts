// /healthz's event-loop check: a block longer than the threshold makes the process unhealthy for a while, then healthy again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { watchEventLoop } from './event-loop-watch.js';

const block = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: nothing else runs.
  }
};

describe('event loop watch', () => {
  it('O5 reports a block beyond the threshold, names it, and forgets it after the memory span', async () => {
    const watch = watchEventLoop({ blockedAfterMs: 150, tickMs: 20, rememberMs: 400 });
    try {
      await new Promise((r) => setTimeout(r, 60));
      assert.deepEqual(watch.health(), { ok: true });
      block(300);
      // Overdue right now, before the late tick has even run.
      assert.match(watch.health().reason ?? '', /event loop blocked for/);
      await new Promise((r) => setTimeout(r, 60));
      const after = watch.health();
      assert.equal(after.ok, false);
      assert.match(after.reason ?? '', /event loop was blocked for \d+ ms/);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(watch.health(), { ok: true });
    } finally {
      watch.stop();
    }
  });
});
