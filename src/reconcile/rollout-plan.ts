// The rollout planner (SPEC F4, F5): which nodes of a form move to its target revision now, and where the rollout stands.
import { rolloutPhases, type RolloutPhase } from '../api/phases.js';

/** One node of the form as the planner sees it. */
export interface RolloutNode {
  /** The node's name: the rollout's order (documented, stable: by name, ascending). */
  readonly name: string;
  /** `spec.revision` (or a write of ours the cache does not show yet); absent = a new node. */
  readonly revision: string | undefined;
  /** Ready at the node's current generation, so a node just moved is never ready yet. */
  readonly ready: boolean;
  /**
   * The last move the form made of this node (written with the revision, so a restarted
   * operator reads it back): the revision it moved to and when (ms since the epoch). Absent for a
   * node that got its revision when it was new, which is outside the rollout (F4).
   */
  readonly moved?: { readonly revision: string; readonly at: number };
}

export interface RolloutPlanInput {
  /** The form's newest valid revision. */
  readonly target: string;
  /** The form's nodes, deleting ones left out: a row deletion is not an update. */
  readonly nodes: readonly RolloutNode[];
  /** Most nodes updating at once; 0 = every node at once (F4). */
  readonly maxSkew: number;
  /** A count or percent of the form's nodes, first by name, that may be on the target; absent = all. */
  readonly partition?: number | string | undefined;
  readonly progressDeadlineSeconds: number;
  /** `spec.suspend`: new nodes still start, nothing else moves. */
  readonly suspended: boolean;
  /**
   * The rollout of `target` completed once already: a node that turns unready later is the
   * node's own failure (its conditions), not a failed rollout.
   */
  readonly completed: boolean;
  /** Now, in ms since the epoch. */
  readonly now: number;
}

export interface RolloutCounts {
  /** Nodes of the form (not being deleted). */
  readonly total: number;
  /** At the target revision. */
  readonly updated: number;
  /** At the target revision and Ready. */
  readonly readyUpdated: number;
  /** Moved to the target, not Ready yet, within the deadline. */
  readonly updating: number;
  /** Moved to the target and not Ready within `progressDeadlineSeconds` (F5). */
  readonly failed: number;
  /** On another revision, waiting for a slot, for unsuspending or for the partition. */
  readonly behind: number;
}

export interface RolloutPlan {
  /** New nodes: they get the target at once, outside the count (F4). */
  readonly start: readonly string[];
  /** Nodes to move to the target now, in order. */
  readonly move: readonly string[];
  readonly phase: RolloutPhase;
  readonly counts: RolloutCounts;
  /** The nodes that failed the rollout, by name. */
  readonly failedNodes: readonly string[];
  /** Ms until the earliest deadline of a node still updating: look again then (F5). */
  readonly nextDeadlineInMs: number | undefined;
  /** Why the rollout waits, for people; absent while it simply progresses. */
  readonly message?: string;
}

/** How many of `total` nodes a partition lets onto the target; absent = all of them. */
export const partitionLimit = (partition: number | string | undefined, total: number): number => {
  if (partition === undefined) return total;
  if (typeof partition === 'number') return Math.max(0, Math.floor(partition));
  const percent = /^([0-9]{1,3})%$/.exec(partition);
  // Rounded up, so any percent above 0 lets at least one node through (a canary).
  if (percent !== null) return Math.ceil((total * Math.min(100, Number(percent[1]))) / 100);
  return /^[0-9]+$/.test(partition) ? Number(partition) : total;
};

const byName = (a: RolloutNode, b: RolloutNode): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Moved to the revision it is on now, and not Ready yet: it holds a slot until Ready or failed. */
const inFlight = (node: RolloutNode): boolean =>
  !node.ready && node.moved !== undefined && node.moved.revision === node.revision;

const nameList = (names: readonly string[], max = 10): string =>
  names.length <= max
    ? names.join(', ')
    : `${names.slice(0, max).join(', ')} and ${String(names.length - max)} more`;

/**
 * Pure. At most `maxSkew` nodes are ever in flight (moved and not yet Ready), counted over
 * every revision, so a form changed mid-rollout does not add a second batch on top of the first;
 * a node that missed its deadline on an older revision no longer holds a slot. A node that
 * missed its deadline on the target fails the rollout: nothing moves until it is Ready or the
 * target changes. Suspended: nothing but new nodes moves. Order: by node name.
 */
export const planRollout = (input: RolloutPlanInput): RolloutPlan => {
  const { target, now } = input;
  const deadlineMs = input.progressDeadlineSeconds * 1000;
  const nodes = [...input.nodes].sort(byName);
  const expired = (node: RolloutNode): boolean =>
    node.moved !== undefined && now >= node.moved.at + deadlineMs;

  const start = nodes.filter((n) => n.revision === undefined).map((n) => n.name);
  const existing = nodes.filter((n) => n.revision !== undefined);
  const updated = existing.filter((n) => n.revision === target);
  const readyUpdated = updated.filter((n) => n.ready).length;
  const onTargetInFlight = updated.filter(inFlight);
  const failed = input.completed ? [] : onTargetInFlight.filter(expired);
  const updating = onTargetInFlight.length - failed.length;
  // Slots held: in flight on any revision and not past its deadline (failures block instead).
  const held = existing.filter((n) => inFlight(n) && !expired(n)).length;

  const total = nodes.length;
  const allowed = partitionLimit(input.partition, total);
  // The partition is the first `allowed` nodes by name; new nodes included, as they are on target.
  const inPartition = new Set(nodes.slice(0, allowed).map((n) => n.name));
  const behind = existing.filter((n) => n.revision !== target);
  const eligible = behind.filter((n) => inPartition.has(n.name));
  // A node in flight to an older revision already holds a slot: moving it on costs none.
  const alreadyHeld = eligible.filter((n) => inFlight(n) && !expired(n));
  const others = eligible.filter((n) => !alreadyHeld.includes(n));
  const slots =
    input.maxSkew === 0
      ? others.length
      : Math.max(0, Math.min(others.length, input.maxSkew - held));
  const move =
    input.suspended || failed.length > 0
      ? []
      : [...alreadyHeld, ...others.slice(0, slots)].sort(byName).map((n) => n.name);

  const deadlines = existing
    .filter((n) => inFlight(n) && !expired(n))
    .map((n) => (n.moved?.at ?? now) + deadlineMs - now);
  const nextDeadlineInMs = deadlines.length === 0 ? undefined : Math.max(0, Math.min(...deadlines));

  const counts: RolloutCounts = {
    total,
    updated: updated.length + start.length,
    readyUpdated,
    updating,
    failed: failed.length,
    behind: behind.length,
  };
  const failedNodes = failed.map((n) => n.name);
  const base = { start, move, counts, failedNodes, nextDeadlineInMs };
  if (total === 0) return { ...base, phase: rolloutPhases.idle };
  if (failed.length > 0) {
    return {
      ...base,
      phase: rolloutPhases.failed,
      message: `${String(failed.length)} node(s) not Ready within ${String(input.progressDeadlineSeconds)}s of moving to ${target}: ${nameList(failedNodes)}; no further node moves until they are Ready or the form changes`,
    };
  }
  if (input.suspended && behind.length > 0) {
    return {
      ...base,
      phase: rolloutPhases.paused,
      message: `Suspended (spec.suspend): ${String(behind.length)} of ${String(total)} nodes keep an older revision; unsuspend to roll out`,
    };
  }
  const waitingOnPartition = behind.length - eligible.length;
  if (waitingOnPartition > 0 && eligible.length === 0 && held === 0) {
    return {
      ...base,
      phase: rolloutPhases.paused,
      message: `Partition ${String(input.partition)}: ${String(waitingOnPartition)} of ${String(total)} nodes keep an older revision; raise or remove rollout.partition to continue`,
    };
  }
  const complete = behind.length === 0 && readyUpdated === total;
  return { ...base, phase: complete ? rolloutPhases.complete : rolloutPhases.inProgress };
};
