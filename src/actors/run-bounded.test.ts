// runBounded keeps at most `limit` tasks in flight and reports every outcome in order.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runBounded } from './run-bounded.js';

it('runs every task with at most `limit` in flight and keeps the order of outcomes', async () => {
  let inFlight = 0;
  let most = 0;
  const tasks = Array.from({ length: 20 }, (_, i) => async () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight -= 1;
    if (i === 3) throw new Error('task 3');
    return i;
  });
  const outcomes = await runBounded(tasks, 4);
  assert.equal(most, 4);
  assert.equal(outcomes.length, 20);
  assert.deepEqual(outcomes[0], { status: 'fulfilled', value: 0 });
  assert.equal(outcomes[3]?.status, 'rejected');
});

it('starts nothing more once the signal aborts', async () => {
  const controller = new AbortController();
  let started = 0;
  const tasks = Array.from({ length: 10 }, () => async () => {
    started += 1;
    controller.abort(new Error('stop'));
    await Promise.resolve();
  });
  const outcomes = await runBounded(tasks, 1, controller.signal);
  assert.equal(started, 1);
  assert.equal(outcomes.filter((o) => o.status === 'rejected').length, 9);
});
