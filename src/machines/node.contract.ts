// The node machine's contract: its input, events, context and the inputs and outputs of its actor slots (SPEC N1–N16, O2).
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';

/** What the machine needs to know of a LynqNode object (references into it: no copies). */
export interface NodeObservation {
  readonly generation: number;
  /** The node has a deletion timestamp. */
  readonly deleting: boolean;
  /** `status.appliedResources`: what cleanup has to remove or release (DESIGN 5). */
  readonly appliedResources: readonly AppliedResource[];
  readonly revision: string | undefined;
  /** Position of the cleanup finalizer in `metadata.finalizers`, -1 when absent. */
  readonly cleanupFinalizerIndex: number;
  /** `lynq.sh/skip-cleanup: "true"`: the finalizer goes without cleanup (SPEC N9). */
  readonly skipCleanup?: boolean;
  /** The deletion-protection mark: its objects carry it too, so a change re-applies (SPEC H8). */
  readonly marked?: boolean;
  /** The row's uid (`spec.uid`): cluster-scoped names are checked against it (SPEC N16). */
  readonly rowUid?: string;
}

export interface NodeRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface NodeCleanupInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
}

export interface NodeRenderInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
}

/**
 * A node's render, opaque to the machine: the apply actor alone reads `plan`. A render that
 * cannot run at all rejects instead: retried with backoff when the reason may pass (absent
 * revision, aborted worker, API error), and not before a new generation when the error's `kind`
 * is `InvalidSpec` (a broken dependency graph, `InvalidRevision`).
 */
export interface NodeRenderOutput {
  readonly generation: number;
  readonly revision: string;
  readonly plan: unknown;
  /**
   * Set when the node as a whole cannot render with this revision and these variables (its
   * render time, output or heap budget, T5): every resource of `plan` fails with it, nothing is
   * retried, and only a new generation (new inputs) renders again.
   */
  readonly failure?: NodeRenderFailure;
}

/** A deterministic failure of a whole node's render (`reason`: `RenderBudgetExceeded`). */
export interface NodeRenderFailure {
  readonly reason: string;
  readonly message: string;
  readonly retryable: false;
}

/** An object the node holds that someone else deleted or changed (SPEC N7, N12): where it is. */
export interface DriftedResource {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string | undefined;
  readonly name: string;
}

export interface NodeApplyInput {
  readonly node: NodeRef;
  readonly observation: NodeObservation;
  readonly render: NodeRenderOutput;
  /** Objects to look at again although their desired hash did not change (SPEC N12). */
  readonly drifted: readonly DriftedResource[];
  /**
   * A periodic verification (SPEC N12 backstop): read every object and write only what is gone,
   * not held, or no longer as last applied. Absent = false.
   */
  readonly verify?: boolean;
}

/**
 * How one apply pass ended; each kind is a state of the machine, so no combination of flags can
 * mean nothing.
 * - `ready`: every resource is ready and nothing that left the form remains.
 * - `waiting`: nothing failed, something is on its way: a resource applied and not ready yet
 *   (`readiness`, SPEC N2, N8; the watches or `deadlineMillis`, its readiness timeout, end the
 *   wait), or a resource that left the form held by someone else's finalizer (`removal`, N9, N10;
 *   retried after the backoff). The node shows Progressing, never Degraded.
 * - `failed`: a resource failed, conflicted or was skipped; `retryable` says whether trying again
 *   without a spec change can help (conflicts, API errors).
 */
export type NodePassOutcome =
  | { readonly kind: 'ready'; readonly reason: string }
  | {
      readonly kind: 'waiting';
      readonly on: 'readiness';
      /** The id of the first resource waited for. */
      readonly resource: string;
      readonly reason: string;
      /** How long until the first waiting resource's readiness timeout. */
      readonly deadlineMillis?: number;
    }
  | {
      readonly kind: 'waiting';
      readonly on: 'removal';
      readonly resource: string;
      readonly reason: string;
    }
  | { readonly kind: 'failed'; readonly retryable: boolean; readonly reason: string };

/** The result of one apply pass: how it ended and what status shows of it (SPEC O2). */
export interface NodeApplyOutput {
  readonly outcome: NodePassOutcome;
  readonly message: string;
  readonly resources: readonly ResourceStatus[];
  readonly appliedResources: readonly AppliedResource[];
  readonly skippedResourceIds: readonly string[];
  readonly desired: number;
  readonly readyCount: number;
  readonly failedCount: number;
  /** Why the node is conflicted (OwnerConflict / ResourceConflict), if any resource is. */
  readonly conflictReason: string | undefined;
  /**
   * The render's plan as the next pass of the same render starts from it, when the apply kept
   * less of it than it got (the rendered text, which that pass renders again). Opaque.
   */
  readonly plan?: unknown;
}

export interface NodeContext {
  readonly node: NodeRef;
  readonly observed: NodeObservation | undefined;
  /** The generation of the last render (`undefined` before the first). */
  readonly renderedGeneration: number | undefined;
  /** The mark the last apply wrote onto the objects (`undefined` before the first apply). */
  readonly appliedMarked?: boolean | undefined;
  readonly render: NodeRenderOutput | undefined;
  readonly lastApply: NodeApplyOutput | undefined;
  /** Consecutive passes that did not end ready; the backoff grows with it. */
  readonly failures: number;
  /** A failure of the whole node (render or apply could not run). */
  readonly lastError: NodeFailure | undefined;
  /** What caused the current state, one of `nodeTriggers` (SPEC O2: "the event that caused it"). */
  readonly trigger: string;
  /** Drift reported by the watches and not yet handed to a pass (SPEC N12). */
  readonly drifted: readonly DriftedResource[];
  /** A `driftSettle` delay runs: drift reported meanwhile joins the same pass. */
  readonly driftSettling: boolean;
  /** The drift the current apply pass repairs. */
  readonly repairing: readonly DriftedResource[];
  /** The current pass is a periodic verification of a ready node (SPEC N12). */
  readonly verifying?: boolean;
  /**
   * A watch saw an object of the node change readiness (SPEC N8) since the current or last pass
   * began: the next state that can act on it starts a pass.
   */
  readonly readinessChanged?: boolean;
}

/** A failure of a whole pass or of cleanup. */
export interface NodeFailure {
  readonly reason: string;
  readonly message: string;
  /**
   * `false` when the same observation can only fail the same way (a broken dependency graph):
   * the node then waits for a new generation instead of retrying.
   */
  readonly retryable: boolean;
}

/**
 * What caused a state, as status shows it (`phaseReason`, `transitions[].event`). A failure
 * appends its reason: `render.failed: InvalidRevision`.
 */
export const nodeTriggers = {
  /** The actor started without an observation (tests, debugging). */
  started: 'actor.started',
  /** The node object was seen: first sight, a new revision or new variables. */
  observed: 'node.observed',
  /** The node got a deletion timestamp. */
  deletionRequested: 'deletion.requested',
  /** `lynq.sh/skip-cleanup: "true"` appeared while cleaning up. */
  cleanupSkipped: 'cleanup.skipped',
  renderDone: 'render.done',
  renderFailed: 'render.failed',
  applyDone: 'apply.done',
  /** A pass ended with nothing failed but something still on its way. */
  applyProgressing: 'apply.progressing',
  applyFailed: 'apply.failed',
  cleanupFailed: 'cleanup.failed',
  /** The backoff after a failed or unfinished pass elapsed. */
  backoffElapsed: 'backoff.elapsed',
  /** A watch saw an object of the node deleted or changed behind its back (SPEC N12). */
  resourceDrifted: 'resource.drifted',
  /** The periodic verification of a ready node is due (SPEC N12 backstop). */
  resyncDue: 'resync.due',
  /** A watch saw an object of the node become ready, or stop being ready (SPEC N8). */
  readinessChanged: 'resource.readinessChanged',
  /** A waiting resource reached its readiness timeout (SPEC N8). */
  readinessDeadline: 'readiness.deadline',
} as const;

export type NodeEvent =
  | { readonly type: 'node.observed'; readonly observation: NodeObservation }
  /** A watch saw an object of the node deleted, or changed behind its back (SPEC N7, N12). */
  | { readonly type: 'resource.drifted'; readonly resource: DriftedResource }
  /** Raised by the machine itself once a burst of drift has settled. */
  | { readonly type: 'drift.settled' }
  /** A watch saw an object of the node change readiness (SPEC N8). */
  | { readonly type: 'resource.readinessChanged' };

export interface NodeInput {
  readonly node: NodeRef;
  /** The node as first seen; starting with it saves an event per actor (10,000 at start-up). */
  readonly observation?: NodeObservation;
}
