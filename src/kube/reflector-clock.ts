// Time as the reflector sees it (injectable for tests), and its backoff and jitter arithmetic.
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface ReflectorClock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock. */
export const systemClock: ReflectorClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, { signal }),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => {
      clearTimeout(timer);
    };
  },
};

export interface BackoffPolicy {
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** Cap on any delay. */
  readonly maxMs: number;
  /** Growth per consecutive failure. */
  readonly factor: number;
}

/**
 * The cap decides how long a watch stays away after the API server is back: the next attempt
 * comes at most `maxMs` after it is ready, and the SPEC'd recovery is 2 s. 1.6 s leaves the
 * rest for the list and the watch request themselves. A short cap costs little: while the server
 * is down an attempt is a refused connection, and all of an operator's reflectors (a few dozen
 * collections) together send well under 50 requests a second to a server that is not serving;
 * the equal jitter below keeps them from arriving in step. 30 s (client-go's cap) kept watches
 * away for 22 s after a 20 s outage.
 */
export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 1_600, factor: 2 };

/**
 * The delay before attempt number `failures + 1`: exponential in the consecutive failures,
 * capped, then jittered down by up to half ("equal jitter"), so many reflectors failing at
 * once do not retry in step. `random` returns [0, 1).
 */
export const backoffDelay = (policy: BackoffPolicy, failures: number, random: () => number) => {
  const exponent = Math.max(0, failures - 1);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  return Math.round(ceiling * (0.5 + random() * 0.5));
};

/**
 * A watch's server timeout: `base` seconds stretched by up to `jitter` × base, so watches that
 * started together do not all end together.
 */
export const jitteredSeconds = (base: number, jitter: number, random: () => number): number =>
  Math.max(1, Math.round(base * (1 + jitter * random())));
