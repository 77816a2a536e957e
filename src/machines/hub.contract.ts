// The hub machine's contract: the hub it serves, what it observes, and the inputs and outputs of its sync and finalize slots (SPEC H1, H4, H6, H7, H9).

/** Which hub an actor serves. */
export interface HubRef {
  readonly namespace: string;
  readonly name: string;
}

/** What the machine needs to know of a hub object (from the reflector). */
export interface HubObservation {
  readonly generation: number;
  readonly syncIntervalMillis: number;
  readonly suspend: boolean;
  /** The object has a deletion timestamp. */
  readonly deleting: boolean;
  /** The value of `lynq.sh/reconcile-at`, if any (SPEC H11). */
  readonly reconcileAt: string | undefined;
}

export interface HubSyncInput {
  readonly hub: HubRef;
  readonly generation: number;
}

/** The counts a completed sync publishes (SPEC §1 hub status). */
export interface HubSyncOutput {
  readonly desired: number;
  readonly ready: number;
  readonly failed: number;
  readonly referencingTemplates: number;
  readonly rows: { readonly total: number; readonly active: number; readonly rejected: number };
  /** Whether the sync wrote anything (SPEC H6: a sync with no change writes nothing). */
  readonly wrote: boolean;
  /** The deletion guard after this sync (SPEC H9); absent = nothing to say. */
  readonly deletionGuard?: HubDeletionGuard;
  /** Uids that appear in more than one row, sorted; empty when there are none (SPEC H4). */
  readonly duplicateUids: readonly string[];
}

/** What the hub shows in `DeletionGuarded` (SPEC H9). */
export interface HubDeletionGuard {
  /** Deletions are held until the token is given. */
  readonly held: boolean;
  /** The token of the held set; empty when nothing is held. */
  readonly token: string;
  /** Nodes this sync would delete because their rows went away or became inactive. */
  readonly count: number;
  readonly limit: number;
  /** The hub's nodes before the sync. */
  readonly nodes: number;
  /** This sync deleted a set the allow token released. */
  readonly released: boolean;
}

export interface HubFinalizeInput {
  readonly hub: HubRef;
}

export interface HubSyncFailure {
  readonly code: string;
  readonly message: string;
  /**
   * The sync had read the rows when it failed (a node write failed): the datasource answered.
   * False for everything before: the Secrets, the identifiers, the read itself (SPEC H7).
   */
  readonly rowsRead: boolean;
}

/** The `details` key a sync error carries when it happened after the rows were read. */
export const rowsReadDetail = 'rowsRead';

/**
 * The `details` key of the counts (a `HubSyncOutput`) a sync error carries when it had read and
 * counted the rows before a write failed: the hub still publishes what it wants.
 */
export const syncOutputDetail = 'syncOutput';
