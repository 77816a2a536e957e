// The node machine's delays (SPEC N6, N8, N12): retry backoff, drift settling, the resync backstop and readiness deadlines.
import type { NodeContext } from './node.contract.js';
import { retryBackoffMillis } from './retry-backoff.js';

/** The retry backoff's cap: 5 minutes. */
const maxBackoffMillis = 300_000;

/** How long drift reports are gathered before one pass repairs them all. */
export const driftSettleMillis = 250;

/**
 * How long a node stays ready before it verifies its objects (SPEC N12 backstop for a lost
 * watch event). The operator provides a jittered period instead, so nodes started together do
 * not verify together.
 */
export const resyncPeriodMillis = 10 * 60_000;

/** The longest timer Node keeps (about 24.8 days). */
const longestTimerMillis = 2 ** 31 - 1;

interface DelayArgs {
  readonly context: NodeContext;
}

export const nodeDelays = {
  retryBackoff: ({ context }: DelayArgs) => retryBackoffMillis(context.failures, maxBackoffMillis),
  driftSettle: driftSettleMillis,
  resyncPeriod: resyncPeriodMillis,
  /** Until the first waiting resource times out (SPEC N8); the longest timer when none can. */
  readinessDeadline: ({ context }: DelayArgs) => {
    const outcome = context.lastApply?.outcome;
    const deadline =
      outcome?.kind === 'waiting' && outcome.on === 'readiness'
        ? (outcome.deadlineMillis ?? longestTimerMillis)
        : longestTimerMillis;
    return Math.min(Math.max(0, deadline), longestTimerMillis);
  },
};
