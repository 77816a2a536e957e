// Runs a function at most once per window however often it is asked for: per-node events must not each cost a pass over every node.

export interface CoalescedCall {
  /** Asks for a call; the first request of a window schedules it, later ones join it. */
  request(): void;
  /** Drops a scheduled call (the owner is stopping). */
  cancel(): void;
}

/**
 * `fn` runs once, `delayMs` after the first request that found nothing scheduled. A burst of
 * 10,000 node events thus costs one recount per window instead of 10,000 (each O(nodes)).
 * The timer is unref'd: a pending recount never keeps the process alive.
 */
export const coalescedCall = (fn: () => void, delayMs: number): CoalescedCall => {
  let timer: NodeJS.Timeout | undefined;
  return {
    request: () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, delayMs);
      timer.unref();
    },
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
};
