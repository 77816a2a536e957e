// The render pool's watchdog stops a batch for the CPU its thread used, not for time spent waiting for a core.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchSpentCpu, batchStartedAt, createBatchClock, markBatchStart } from './batch-clock.js';
import { threadCpuMillis } from './thread-cpu-clock.js';

/** Blocks the thread without using CPU, as a descheduled worker on a busy machine waits. */
const blockWithoutCpu = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const spinFor = (ms: number): void => {
  const start = threadCpuMillis() ?? 0;
  while ((threadCpuMillis() ?? Infinity) - start < ms) {
    // busy: uses CPU
  }
};

describe('batch clock', { skip: threadCpuMillis() === undefined }, () => {
  it('T5 a batch that waited past its limit without using the CPU has not spent it', () => {
    const clock = createBatchClock();
    assert.equal(batchStartedAt(clock), 0, 'not started');
    markBatchStart(clock);
    assert.ok(batchStartedAt(clock) > 0);
    blockWithoutCpu(150);
    assert.equal(batchSpentCpu(clock, 100), false);
  });

  it('T5 a batch whose thread used its limit in CPU has spent it', () => {
    const clock = createBatchClock();
    markBatchStart(clock);
    spinFor(120);
    assert.equal(batchSpentCpu(clock, 100), true);
  });

  it('T5 a batch whose start was never marked counts by the wall clock', () => {
    assert.equal(batchSpentCpu(createBatchClock(), 100), true);
  });
});
