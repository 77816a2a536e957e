// Runs async tasks with a bound on how many are under way at once, settling every one.

/**
 * Starts at most `limit` tasks at a time, in order, and resolves with every outcome in the order
 * of `tasks`. Never rejects: a failed task is a rejected outcome. Stops starting new tasks once
 * `signal` aborts (those are reported as rejected with the signal's reason).
 */
export const runBounded = async <T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
  signal?: AbortSignal,
): Promise<PromiseSettledResult<T>[]> => {
  const outcomes = new Array<PromiseSettledResult<T>>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      const task = tasks[index];
      if (task === undefined) continue;
      if (signal?.aborted === true) {
        outcomes[index] = { status: 'rejected', reason: signal.reason as unknown };
        continue;
      }
      try {
        outcomes[index] = { status: 'fulfilled', value: await task() };
      } catch (reason) {
        outcomes[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return outcomes;
};
