// Aborting the requests in flight when a long-lived signal aborts (shutdown, a lost lease), without linking each request to that signal.

/*
 * `AbortSignal.any([request, lasting])` per request would do it, but Node keeps an entry per
 * call in the long-lived source's set of dependants for as long as the source lives: two
 * WeakRefs and a set slot per write, never freed while the process or the lease lasts. Here the
 * long-lived signal has one listener, and each request a controller of its own that leaves the
 * set when the request ends.
 */

export interface InFlightAborts {
  /**
   * Runs one request with a signal that aborts when `own` does or when the long-lived signal
   * does (with its reason), whichever is first.
   */
  run<T>(own: AbortSignal | undefined, request: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export const inFlightAborts = (lasting: AbortSignal): InFlightAborts => {
  const running = new Set<AbortController>();
  lasting.addEventListener(
    'abort',
    () => {
      for (const controller of running) controller.abort(lasting.reason);
    },
    { once: true },
  );
  return {
    run: async (own, request) => {
      if (lasting.aborted) return request(lasting);
      const controller = new AbortController();
      running.add(controller);
      try {
        return await request(
          own === undefined ? controller.signal : AbortSignal.any([own, controller.signal]),
        );
      } finally {
        running.delete(controller);
      }
    },
  };
};
