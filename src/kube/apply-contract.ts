// The contract of applying one rendered object for a node: the request, the policies, the outcome (SPEC N4–N7, N11, N13, N15, N16).
import { conditionReasons } from '../api/conditions.js';
import type {
  ConflictPolicy,
  CreationPolicy,
  DeletionPolicy,
  PatchStrategy,
} from '../api/lynq-form.schema.js';
import type { RenderedManifest } from '../render/render-types.js';
import type { KubeTransport } from './http-transport.js';
import type { KubeObject } from './kube-object.js';
import { resourcePathCodes, type ResourcePaths } from './resource-paths.js';
import type { TargetPolicy } from './target-policy.js';

/** The node a resource belongs to: its tracking labels and owner reference name it. */
export interface OwningNode {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /**
   * The node carries the deletion-protection label: every object it writes carries it too, so
   * the admission policy denies their DELETE as well (SPEC H8).
   */
  readonly marked?: boolean;
  /** The row's uid (`spec.uid`), for the allowed cluster name patterns (SPEC N16). */
  readonly rowUid?: string;
}

/** The policies of one resource entry (SPEC §1) that decide how it is written. */
export interface ResourcePolicies {
  readonly creationPolicy: CreationPolicy;
  readonly deletionPolicy: DeletionPolicy;
  readonly conflictPolicy: ConflictPolicy;
  readonly patchStrategy: PatchStrategy;
  /**
   * The resource's half of the double opt-in for taking over a cluster-scoped object Lynq did
   * not create (SPEC N6). Default false.
   */
  readonly allowClusterScopedTakeover?: boolean;
  /** Delete an adopted object (taken over with Force) under `deletionPolicy: Delete` (SPEC N6). */
  readonly deleteAdopted?: boolean;
  /** JSONPaths left to other field managers on update (SPEC N11). */
  readonly ignoreFields?: readonly string[];
  /** Delete and re-create an object whose update changes an immutable field (SPEC N15). */
  readonly recreateOnImmutableChange?: boolean;
}

/** What the resource adapters (apply, delete, release) need: one transport and the REST mapping. */
export interface ResourceWriteDeps {
  readonly transport: KubeTransport;
  readonly paths: ResourcePaths;
  /** Bound of each request. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface ApplyRequest {
  readonly node: OwningNode;
  readonly manifest: RenderedManifest;
  readonly policies: ResourcePolicies;
  /** The hash recorded in status when this resource was last applied (SPEC N13). */
  readonly lastAppliedHash?: string | undefined;
  /**
   * Whether the caller saw the live object drift (see `observedDrift`). With an equal hash and no
   * drift nothing is sent at all; explicitly `false` also skips the write when the live object
   * already carries the desired hash (a status that lagged behind a write). Default: unknown,
   * treated as no drift for the hash comparison only.
   */
  readonly drifted?: boolean | undefined;
  /**
   * With `drifted: false`: the fields of the manifest Lynq owned after its last write (see
   * `ownedManifestFields`); a live object where Lynq owns fewer is written although it carries
   * the desired hash (another manager took some, SPEC N12).
   */
  readonly minOwned?: number | undefined;
  /** The operator's allow-lists (SPEC N16); absent = no check (the caller checked). */
  readonly targets?: TargetPolicy | undefined;
  /**
   * A Job whose run for this desired object already completed (SPEC N7): when it is gone
   * (removed by its TTL or by hand) it is not created again. Default false.
   */
  readonly completed?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type ApplyState = 'applied' | 'unchanged' | 'created' | 'conflict' | 'failed';

/** Reasons of outcomes besides the Kubernetes Status reasons (`Forbidden`, `NotFound`, `Invalid`…). */
export const applyReasons = {
  created: 'Created',
  applied: 'Applied',
  adopted: 'Adopted',
  reheld: 'Reheld',
  unchanged: 'Unchanged',
  createdOnce: 'CreatedOnce',
  completed: 'Completed',
  marked: 'Marked',
  unmarked: 'Unmarked',
  ownerConflict: conditionReasons.ownerConflict,
  resourceConflict: conditionReasons.resourceConflict,
  targetNotAllowed: conditionReasons.targetNotAllowed,
  unknownKind: resourcePathCodes.unknownKind,
  terminating: 'Terminating',
  applyError: conditionReasons.applyError,
} as const;

/** The result of one apply; per-resource failures are outcomes, never exceptions. */
export interface ApplyOutcome {
  readonly state: ApplyState;
  readonly reason: string;
  readonly message: string;
  /** The object as the server returned or showed it, when one was read or written. */
  readonly object?: KubeObject;
  /** For conflicts: who holds the object (`node ns/name`, field managers, owner). */
  readonly conflictWith?: string;
  /** For failures: whether retrying without a change can help (transient, raced). */
  readonly retryable?: boolean;
}

/** Who holds a live object, as far as Lynq is concerned. */
export type Holder =
  | { readonly by: 'self' }
  | { readonly by: 'node'; readonly node: string }
  | { readonly by: 'none' };
