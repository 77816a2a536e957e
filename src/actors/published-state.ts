// The machine state an object shows in status (SPEC O2): phase, since when, why, and the last transitions.
import type { Condition, Transition } from '../api/status.schema.js';
import { maxPublishedTransitions } from '../api/status.schema.js';

export interface PublishedState {
  readonly phase: string;
  readonly phaseSince: string;
  readonly phaseReason: string;
  readonly transitions: readonly Transition[];
}

/**
 * The state after entering `phase` because of `event` at `now`. Staying in the same phase
 * changes nothing (so a verification pass publishes nothing); `previous` may come from the
 * object's status, so a rebuilt actor continues where its status left off (DESIGN 1).
 */
export const enterPhase = (
  previous: PublishedState | undefined,
  phase: string,
  event: string,
  now: string,
): PublishedState => {
  if (previous?.phase === phase) return previous;
  const transition: Transition = { from: previous?.phase ?? 'None', to: phase, event, at: now };
  return {
    phase,
    phaseSince: now,
    phaseReason: event,
    transitions: [...(previous?.transitions ?? []), transition].slice(-maxPublishedTransitions),
  };
};

/** Reads the published state back from a status object, if it has one. */
export const publishedStateOf = (status: unknown): PublishedState | undefined => {
  if (typeof status !== 'object' || status === null) return undefined;
  const s = status as Partial<Record<keyof PublishedState, unknown>>;
  if (typeof s.phase !== 'string' || typeof s.phaseSince !== 'string') return undefined;
  return {
    phase: s.phase,
    phaseSince: s.phaseSince,
    phaseReason: typeof s.phaseReason === 'string' ? s.phaseReason : '',
    transitions: Array.isArray(s.transitions) ? (s.transitions as Transition[]) : [],
  };
};

export interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/**
 * Conditions as Kubernetes expects them: `lastTransitionTime` moves only when `status` does,
 * so rewriting an unchanged condition is not a change.
 */
export const nextConditions = (
  previous: readonly Condition[] | undefined,
  wanted: readonly ConditionInput[],
  observedGeneration: number,
  now: string,
): Condition[] =>
  wanted.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return {
      ...c,
      observedGeneration,
      lastTransitionTime:
        before !== undefined && before.status === c.status ? before.lastTransitionTime : now,
    };
  });
