// The form machine's contract: the form it serves, what it observes, and the inputs and outputs of its validate and sync slots (SPEC F1–F6).
import type { RolloutPhase } from '../api/phases.js';

/** Which form an actor serves. */
export interface FormRef {
  readonly namespace: string;
  readonly name: string;
}

/** What the machine needs to know of a form object (from the reflector). */
export interface FormObservation {
  readonly generation: number;
  /** The object has a deletion timestamp. */
  readonly deleting: boolean;
}

export interface FormValidateInput {
  readonly form: FormRef;
  readonly generation: number;
}

/** Every error of the form (SPEC F1); empty = valid. */
export interface FormValidateOutput {
  readonly errors: readonly string[];
  /** What is legal but probably not meant (a Secret under configMaps); never makes it invalid. */
  readonly warnings?: readonly string[];
}

export interface FormSyncInput {
  readonly form: FormRef;
}

/** What one pass over revisions and nodes found (SPEC F3, F4). */
export interface FormSyncOutput {
  /** The newest valid revision: every node of the form renders it once the pass is done. */
  readonly currentRevision: string;
  /** Node revision writes this pass made. */
  readonly movedNodes: number;
  /** Revisions deleted because no node uses them any more. */
  readonly deletedRevisions: number;
  /** `spec.suspend`: nodes that have a revision keep it; only new nodes got the current one. */
  readonly suspended?: boolean;
  /** Nodes left on an older revision: waiting for a slot, the partition, or unsuspending. */
  readonly heldNodes?: number;
  /** Where the rollout stands after the pass (F4, F5). */
  readonly rolloutPhase?: RolloutPhase;
  /** Ms until the earliest progress deadline of a node still updating (F5): look again then. */
  readonly nextDeadlineInMs?: number;
}

export interface FormFailure {
  readonly code: string;
  readonly message: string;
}
