// A transport that is polite to the API server: a bound on requests in flight, and 429 Too Many Requests waited out and retried (SPEC P4, DESIGN 9).
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { requestSignal } from './request-signal.js';

export interface PoliteTransportOptions {
  /** Requests in flight at once; the rest wait in arrival order. Watches are not counted. Default 32. */
  readonly maxInFlight?: number;
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
 * code"), and a 429 is waited out (Retry-After, with jitter) and sent again, up to `maxRetries` times; the
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
  let inFlight = 0;
  let throttledRetries = 0;
  const waiting: (() => void)[] = [];

  const acquire = async (signal: AbortSignal | undefined): Promise<void> => {
    if (inFlight < maxInFlight && waiting.length === 0) {
      inFlight += 1;
      return;
    }
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
        const at = waiting.indexOf(grant);
        if (at >= 0) waiting.splice(at, 1);
        if (signal !== undefined) reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(grant);
    });
  };

  const release = (): void => {
    inFlight -= 1;
    const next = waiting.shift();
    if (next !== undefined) next();
  };

  const once = async (req: KubeRequest): Promise<KubeResponse> => {
    await acquire(req.signal);
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
    stats: () => ({ inFlight, queued: waiting.length, throttledRetries }),
  };
};
