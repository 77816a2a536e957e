// Notices when the event loop was blocked for long, so /healthz can fail and the kubelet restarts a wedged operator (SPEC O5).

export interface EventLoopHealth {
  readonly ok: boolean;
  /** Why not, for the probe's body. */
  readonly reason?: string;
}

export interface EventLoopWatch {
  health(): EventLoopHealth;
  stop(): void;
}

export interface EventLoopWatchOptions {
  /** A tick later than this counts as a block. Default 10 s. */
  readonly blockedAfterMs?: number;
  /** How often to tick. Default 1 s. */
  readonly tickMs?: number;
  /** How long a block keeps /healthz failing afterwards, so a probe sees it. Default 60 s. */
  readonly rememberMs?: number;
  readonly now?: () => number;
}

/**
 * Ticks on a timer and measures how late each tick is. While the loop is blocked nothing
 * answers at all (the probe times out); once it runs again, a late tick is remembered for
 * `rememberMs`, so the next probes fail too instead of passing as if nothing happened.
 */
export const watchEventLoop = (options: EventLoopWatchOptions = {}): EventLoopWatch => {
  const blockedAfterMs = options.blockedAfterMs ?? 10_000;
  const tickMs = options.tickMs ?? 1_000;
  const rememberMs = options.rememberMs ?? 60_000;
  const now = options.now ?? Date.now;
  let expected = now() + tickMs;
  let lastBlock: { at: number; ms: number } | undefined;
  const timer = setInterval(() => {
    const at = now();
    const late = at - expected;
    if (late > blockedAfterMs) lastBlock = { at, ms: late };
    expected = at + tickMs;
  }, tickMs);
  timer.unref();
  return {
    health: () => {
      // A tick overdue right now is a block still going on (the probe was answered first).
      const overdue = now() - expected;
      if (overdue > blockedAfterMs) {
        return { ok: false, reason: `event loop blocked for ${String(Math.round(overdue))} ms` };
      }
      if (lastBlock !== undefined && now() - lastBlock.at < rememberMs) {
        return {
          ok: false,
          reason: `event loop was blocked for ${String(Math.round(lastBlock.ms))} ms at ${new Date(lastBlock.at).toISOString()}`,
        };
      }
      return { ok: true };
    },
    stop: () => {
      clearInterval(timer);
    },
  };
};
