// Runs a function at once for the first request, then at most once per spacing: change hints reach the hub fast, and a burst costs one or two syncs (SPEC H1b).

export interface LeadingThrottle {
  /** Asks for a call: now if none ran within the spacing, else once when the spacing is over. */
  request(): void;
  /** Drops a scheduled call (the owner is stopping). */
  cancel(): void;
}

/**
 * `fn` runs synchronously on a request when the last run was at least `spacingMs` ago;
 * otherwise one run is scheduled for the end of the spacing, and later requests join it. So
 * 1,000 requests within one spacing cost two runs: the first at once, one after. The timer is
 * unref'd. `now` is injectable for tests.
 */
export const leadingThrottle = (
  fn: () => void,
  spacingMs: number,
  now: () => number = () => performance.now(),
): LeadingThrottle => {
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const run = (): void => {
    timer = undefined;
    last = now();
    fn();
  };
  return {
    request: () => {
      if (timer !== undefined) return;
      const wait = last + spacingMs - now();
      if (wait <= 0) {
        run();
        return;
      }
      timer = setTimeout(run, wait);
      timer.unref();
    },
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
};
