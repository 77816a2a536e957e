// Following a shared abort signal from many requests at once: one listener per signal fans out to the requests still waiting, and a finished request leaves nothing behind.

interface Fanout {
  readonly listeners: Set<() => void>;
  readonly handler: () => void;
}

/**
 * Per shared signal, the requests listening to it. `AbortSignal.any` would do the linking, but
 * it costs a signal, a WeakRef in every source and finalization work per request: measurable
 * CPU and garbage when thousands of writes go out (docs/benchmarks.md, "Figures behind the
 * code").
 */
const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `listener` once when `signal` aborts, unless the returned function was called first.
 * However many requests follow one signal, it carries one listener (no MaxListenersExceeded
 * warning, SPEC O5), and none once they all let go. `signal` must not be aborted yet (callers
 * check `signal.aborted` first).
 */
export const onAbort = (signal: AbortSignal, listener: () => void): (() => void) => {
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    const listeners = new Set<() => void>();
    const handler = (): void => {
      fanouts.delete(signal);
      for (const l of listeners) l();
      listeners.clear();
    };
    fanout = { listeners, handler };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', handler, { once: true });
  }
  const owner = fanout;
  // Its own entry: one listener function may follow the same signal twice.
  const entry = (): void => {
    listener();
  };
  owner.listeners.add(entry);
  return () => {
    if (!owner.listeners.delete(entry) || owner.listeners.size > 0) return;
    if (fanouts.get(signal) === owner) {
      fanouts.delete(signal);
      signal.removeEventListener('abort', owner.handler);
    }
  };
};

export interface LinkedSignal {
  /** Aborts, with the source's reason, when any source does. */
  readonly signal: AbortSignal;
  /** Stops following the sources; must be called when the request is over. */
  readonly release: () => void;
}

/**
 * A signal of one request that aborts when any of `sources` does (already aborted: at once).
 * The caller calls `release` when the request is over, so long-lived sources (the shutdown
 * drain, the leader fence) keep nothing of it.
 */
export const linkedSignal = (sources: readonly (AbortSignal | undefined)[]): LinkedSignal => {
  const controller = new AbortController();
  const releases: (() => void)[] = [];
  const release = (): void => {
    for (const r of releases.splice(0)) r();
  };
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      release();
      controller.abort(source.reason);
      break;
    }
    releases.push(
      onAbort(source, () => {
        release();
        controller.abort(source.reason);
      }),
    );
  }
  return { signal: controller.signal, release };
};
