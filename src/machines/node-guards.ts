// The node machine's guards: predicates over its context and the event (SPEC N1, N6, N8, N9, N12, H8).
import type { NodeContext, NodeEvent } from './node.contract.js';

interface GuardArgs {
  readonly context: NodeContext;
  readonly event: NodeEvent;
}

export const nodeGuards = {
  isDeleting: ({ event }: GuardArgs) =>
    event.type === 'node.observed' && event.observation.deleting,
  isObservedDeleting: ({ context }: GuardArgs) => context.observed?.deleting === true,
  hasRevision: ({ context }: GuardArgs) => context.observed?.revision !== undefined,
  /**
   * The spec changed since the last render (a new revision or new variables, SPEC N1), or the
   * deletion-protection mark changed since the last apply (SPEC H8).
   */
  isStale: ({ context }: GuardArgs) =>
    context.observed?.revision !== undefined &&
    (context.observed.generation !== context.renderedGeneration ||
      (context.appliedMarked !== undefined &&
        (context.observed.marked === true) !== context.appliedMarked)),
  /** A failure of the whole pass decides; else the apply's own verdict (SPEC N6, N14). */
  isRetryable: ({ context }: GuardArgs) => {
    if (context.lastError !== undefined) return context.lastError.retryable;
    const outcome = context.lastApply?.outcome;
    return outcome?.kind !== 'failed' || outcome.retryable;
  },
  /** `lynq.sh/skip-cleanup` newly set: the escape hatch acts at once (SPEC N9). */
  isCleanupNewlySkipped: ({ context, event }: GuardArgs) =>
    event.type === 'node.observed' &&
    event.observation.skipCleanup === true &&
    context.observed?.skipCleanup !== true,
  isDriftSettling: ({ context }: GuardArgs) => context.driftSettling,
  /** Drift waits and no burst is still gathering: time for a pass (SPEC N12). */
  hasSettledDrift: ({ context }: GuardArgs) => context.drifted.length > 0 && !context.driftSettling,
  /** A watch reported a readiness change the last pass did not see (SPEC N8). */
  hasReadinessChange: ({ context }: GuardArgs) => context.readinessChanged === true,
};
