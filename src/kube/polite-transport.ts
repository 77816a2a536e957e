// A transport that is polite and fair to the API server: a rate limit and a bound on requests in flight, served in turns across hubs with priority, and 429 Too Many Requests waited out and retried (SPEC P4, DESIGN 9).
import { setTimeout as sleep } from 'node:timers/promises';
import { createFairQueue } from './fair-queue.js';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { requestSignal } from './request-signal.js';
import { createTokenBucket } from './token-bucket.js';
import { laneKeyOf, priorityOf, type RequestPriority } from './traffic-lane.js';

export interface PoliteTransportOptions {
  /**
   * Requests in flight at once; the rest wait in their hub's queue, most urgent first, the
   * hubs taking turns. Watches are not counted. Default 32.
   */
  readonly maxInFlight?: number;
  /** Requests sent a second, on average (retries included); 0 = no limit. Default 0. */
  readonly qps?: number;
  /** Requests that may leave at once after a quiet spell, above `qps`. Default `2 × qps`. */
  readonly burst?: number;
  /** Milliseconds on a monotonic clock, for the rate limit. Default `performance.now`. */
  readonly now?: () => number;
  /** Retries of one request answered 429. Default 6. */
  readonly maxRetries?: number;
  /** Wait when a 429 carries no usable Retry-After, doubled per retry. Default 500 ms. */
  readonly retryBaseMs?: number;
  /** Longest wait before one retry, whatever Retry-After says. Default 10 s. */
  readonly retryMaxMs?: number;
  /** 0 ≤ x < 1; spreads retries so throttled callers do not return together. Default Math.random. */
  readonly random?: () => number;
  /** Waits `ms` before a retry, rejecting when `signal` aborts first. Default: a timer. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface PoliteTransportStats {
  readonly inFlight: number;
  readonly queued: number;
  /** Of `queued`, how many wait at each priority. */
  readonly queuedByPriority: Record<RequestPriority, number>;
  /** Requests answered 429 and sent again. */
  readonly throttledRetries: number;
}

export interface PoliteTransport extends KubeTransport {
  readonly stats: () => PoliteTransportStats;
}

const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error
    ? signal.reason
    : new DOMException('This operation was aborted', 'AbortError');

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
const pause = async (ms: number, signal: AbortSignal | undefined): Promise<void> => {
  try {
    await sleep(ms, undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    // Node rejects with its own AbortError; callers see the reason they aborted with.
    if (signal?.aborted === true) throw abortReason(signal);
    throw err;
  }
};

/** Seconds of a Retry-After header (the API server sends whole seconds), in milliseconds. */
const retryAfterMs = (header: string | string[] | undefined): number | undefined => {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined) return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : undefined;
};

/**
 * Wraps `inner`: at most `maxInFlight` requests at once (so a burst of writes stays under the
 * server's own in-flight limit instead of meeting 429s; docs/benchmarks.md, "Figures behind the
 * code") and
 * at most `qps` a second beyond a `burst`. Requests that must wait queue per hub (their
 * `lane`): the hubs take turns, so one hub's 10,000 creations delay another hub's one change by
 * about one request per waiting hub, and within a hub removals and drift repairs go first. A 429 is waited out (Retry-After, with jitter) and sent again, up to `maxRetries` times; the
 * server rejected it before doing anything, so every verb may be retried. A request waiting for
 * a slot or a retry still honours its abort signal. Streams (watches) pass straight through:
 * they live for minutes and would hold slots.
 */
export const politeTransport = (
  inner: KubeTransport,
  options: PoliteTransportOptions = {},
): PoliteTransport => {
  const maxInFlight = Math.max(1, options.maxInFlight ?? 32);
  const maxRetries = options.maxRetries ?? 6;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const sleepFor = options.sleep ?? pause;
  const bucket = createTokenBucket({
    qps: options.qps ?? 0,
    burst: options.burst ?? 2 * (options.qps ?? 0),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  let inFlight = 0;
  let throttledRetries = 0;
  const waiting = createFairQueue<() => void>();
  /** Set while the queue waits for the next token, so one timer serves every waiter. */
  let refill: NodeJS.Timeout | undefined;

  /** Sends waiting requests while there are slots and tokens; else waits for the next token. */
  const pump = (): void => {
    while (waiting.size > 0 && inFlight < maxInFlight && refill === undefined) {
      const wait = bucket.take();
      if (wait > 0) {
        refill = setTimeout(() => {
          refill = undefined;
          pump();
        }, wait);
        return;
      }
      waiting.shift()?.();
    }
  };

  const acquire = async (req: KubeRequest): Promise<void> => {
    const { signal } = req;
    if (inFlight < maxInFlight && waiting.size === 0 && refill === undefined) {
      if (bucket.take() === 0) {
        inFlight += 1;
        return;
      }
    }
    const lane = laneKeyOf(req);
    const priority = priorityOf(req);
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortReason(signal));
        return;
      }
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        inFlight += 1;
        resolve();
      };
      const onAbort = (): void => {
        waiting.remove(lane, priority, grant);
        if (signal !== undefined) reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(lane, priority, grant);
      pump();
    });
  };

  const release = (): void => {
    inFlight -= 1;
    pump();
  };

  const once = async (req: KubeRequest): Promise<KubeResponse> => {
    await acquire(req);
    try {
      return await inner.request(req);
    } finally {
      release();
    }
  };

  return {
    request: async (callerReq) => {
      // Waiting for a slot or a retry listens for aborts: on this request's own signal.
      const signal = requestSignal(callerReq.signal);
      const req = signal === undefined ? callerReq : { ...callerReq, signal };
      for (let attempt = 0; ; attempt += 1) {
        const res = await once(req);
        if (res.status !== 429 || attempt >= maxRetries) return res;
        throttledRetries += 1;
        const wanted = retryAfterMs(res.headers['retry-after']) ?? retryBaseMs * 2 ** attempt;
        // Up to half as long again, never sooner than the server asked (unless that is past the cap).
        await sleepFor(Math.min(wanted * (1 + 0.5 * random()), retryMaxMs), req.signal);
      }
    },
    stream: (req) => inner.stream(req),
    stats: () => ({
      inFlight,
      queued: waiting.size,
      queuedByPriority: waiting.depth(),
      throttledRetries,
    }),
  };
};
