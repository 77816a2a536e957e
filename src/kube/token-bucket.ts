// The client-side request rate limit: a token bucket of `burst` tokens refilled at `qps` a second (SPEC P4).

export interface TokenBucketOptions {
  /** Tokens added a second; 0 or less = no limit. */
  readonly qps: number;
  /** Most tokens held, so at most this many requests leave at once after a quiet spell. At least 1. */
  readonly burst: number;
  /** Milliseconds on a monotonic clock. Default `performance.now`. */
  readonly now?: () => number;
}

export interface TokenBucket {
  /** Takes a token and returns 0, or takes none and returns the milliseconds until one is there. */
  take(): number;
}

/** A bucket that starts full. Pure but for the clock: the caller waits the time `take` names. */
export const createTokenBucket = (options: TokenBucketOptions): TokenBucket => {
  const { qps } = options;
  if (!(qps > 0)) return { take: () => 0 };
  const burst = Math.max(1, Math.floor(options.burst));
  const now = options.now ?? (() => performance.now());
  let tokens = burst;
  let at = now();
  return {
    take: () => {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) * qps) / 1_000);
      at = t;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      // Never 0 when no token was taken: a caller that waits 0 ms would spin.
      return Math.max(1, Math.ceil(((1 - tokens) * 1_000) / qps));
    },
  };
};
