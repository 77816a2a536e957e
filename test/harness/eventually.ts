// Polls a condition until it holds or a generous deadline passes (the machine is small and shared).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves with the first truthy value `check` returns; fails the test after `deadlineMillis`. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  deadlineMillis = 60_000,
): Promise<T> => {
  const deadline = Date.now() + deadlineMillis;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `${what}: not within ${deadlineMillis} ms${last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`}`,
      );
    }
    await sleep(250);
  }
};
