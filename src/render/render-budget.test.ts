// The per-node render budget counts the thread's CPU time: waiting for a core is not spending it (T5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDeadline, withRenderBudget } from './render-budget.js';
import { TemplateFault } from './template-fault.js';
import { threadCpuMillis } from './thread-cpu-clock.js';

const limits = { maxRenderMillisPerNode: 100, maxOutputBytesPerNode: 1_000_000 };

/** Blocks the thread for `ms` without using CPU, as a descheduled thread on a busy machine waits. */
const blockWithoutCpu = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

const spinFor = (ms: number): void => {
  const start = threadCpuMillis() ?? 0;
  while ((threadCpuMillis() ?? Infinity) - start < ms) {
    // busy: uses CPU
  }
};

describe('render budget', { skip: threadCpuMillis() === undefined }, () => {
  it('T5 a render that waited past its limit without using the CPU is not over budget', () => {
    const result = withRenderBudget(limits, () => {
      blockWithoutCpu(300);
      checkDeadline();
      return 'rendered';
    });
    assert.equal(result, 'rendered');
  });

  it('T5 a render that used its limit in CPU time fails with the budget error', () => {
    assert.throws(
      () => {
        withRenderBudget(limits, () => {
          spinFor(150);
          checkDeadline();
        });
      },
      (err: unknown) => err instanceof TemplateFault && /longer than 100 ms/.test(err.message),
    );
  });
});
