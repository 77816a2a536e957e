// The hub's deletion guard (SPEC H9): whether one sync may delete the nodes whose rows went away, and the token that releases a held set.
import { sha256Hex } from '../api/sha256-hex.js';

/** The default of `spec.deletionGuard.maxDeletions`. */
const defaultMaxDeletions = '50%';

/** The guard applies only to hubs with more nodes than this (SPEC H9). */
const guardMinimumNodes = 10;

export interface DeletionGuardInput {
  /** `spec.deletionGuard.maxDeletions`: a count, or a percent string such as `"50%"`. */
  readonly maxDeletions: number | string | undefined;
  /** The hub's nodes before this sync (those not already being deleted). */
  readonly nodes: number;
  /** Names of the nodes this sync would delete because their rows went away or became inactive. */
  readonly candidates: readonly string[];
  /** The value of `lynq.sh/allow-deletions` on the hub, if any. */
  readonly allowToken: string | undefined;
}

export type DeletionGuardDecision =
  | {
      /** The candidates may be deleted. */
      readonly verdict: 'allow';
      /** `true` when the annotation's token released this set: the annotation is spent. */
      readonly tokenSpent: boolean;
      readonly limit: number;
    }
  | {
      /** None of the candidates may be deleted. */
      readonly verdict: 'hold';
      /** Short hash of the exact set held; `lynq.sh/allow-deletions: <token>` releases it once. */
      readonly token: string;
      readonly count: number;
      readonly limit: number;
    };

/**
 * The token of a set of node names: the same set gives the same token whatever its order, and
 * a different set a different one (barring a 48-bit hash collision).
 */
export const deletionToken = (names: readonly string[]): string =>
  sha256Hex([...new Set(names)].sort().join('\n')).slice(0, 12);

/**
 * The most nodes one sync may delete: an integer as is, a percent of `nodes` rounded down;
 * anything unparsable (the CRD's CEL rule forbids it) falls back to the default, 50 %.
 */
export const deletionLimit = (maxDeletions: number | string | undefined, nodes: number): number => {
  const value = maxDeletions ?? defaultMaxDeletions;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : 0;
  const percent = /^([0-9]{1,3})%$/.exec(value);
  if (percent !== null) return Math.floor((nodes * Math.min(100, Number(percent[1]))) / 100);
  if (/^[0-9]+$/.test(value)) return Number(value);
  return Math.floor(nodes / 2);
};

/**
 * Pure. Holds every candidate when there are more of them than the limit and the hub has more
 * than 10 nodes, unless the allow token names exactly this set. Deletions caused by a form's
 * deletion are never candidates (SPEC F6): the caller leaves them out.
 */
export const decideDeletions = (input: DeletionGuardInput): DeletionGuardDecision => {
  const limit = deletionLimit(input.maxDeletions, input.nodes);
  const count = input.candidates.length;
  if (input.nodes <= guardMinimumNodes || count <= limit) {
    return { verdict: 'allow', tokenSpent: false, limit };
  }
  const token = deletionToken(input.candidates);
  if (input.allowToken === token) return { verdict: 'allow', tokenSpent: true, limit };
  return { verdict: 'hold', token, count, limit };
};
