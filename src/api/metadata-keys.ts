// The label, annotation and finalizer keys Lynq writes or reads on Kubernetes objects.

/** Labels: selectable, so values must be label-safe (≤ 63 characters, hashed otherwise). */
export const labelKeys = {
  /** On a LynqNode: the hub that owns it. */
  hub: 'lynq.sh/hub',
  /** On a LynqNode: the form it renders. */
  form: 'lynq.sh/form',
  /** On a LynqNode: the row's uid. */
  uid: 'lynq.sh/uid',
  /** On every object a node applies: the node's name (SPEC N4); children are watched by it. */
  node: 'lynq.sh/node',
  /** On every object a node applies: the node's namespace (SPEC N4). */
  nodeNamespace: 'lynq.sh/node-namespace',
  /** On an object released by a node: `"true"` (SPEC N10). */
  orphaned: 'lynq.sh/orphaned',
  /**
   * On a LynqNode (and every object it applies): `"true"` while its hub or form is protected; the
   * operator keeps it in step and removes it right before a deletion of its own (SPEC H8).
   */
  deletionProtection: 'lynq.sh/deletion-protection',
} as const;

export type LabelKey = (typeof labelKeys)[keyof typeof labelKeys];

/** Annotations: free-form values, written by Lynq or set by people to steer it. */
export const annotationKeys = {
  /** On every object a node applies: the deletion policy recorded at apply time (SPEC N4). */
  deletionPolicy: 'lynq.sh/deletion-policy',
  /** On a hub or form: `"true"` makes the admission policy deny its DELETE (SPEC H8). */
  deletionProtection: 'lynq.sh/deletion-protection',
  /** On a hub: the deletion-guard token that lets one guarded set of deletions go (SPEC H9). */
  allowDeletions: 'lynq.sh/allow-deletions',
  /** On a hub: any new value forces an immediate sync (SPEC H11). */
  reconcileAt: 'lynq.sh/reconcile-at',
  /** On a node: `"true"` removes the finalizer without cleaning up (SPEC N9 escape hatch). */
  skipCleanup: 'lynq.sh/skip-cleanup',
  /** On a released object: when it was released (SPEC N10). */
  orphanedAt: 'lynq.sh/orphaned-at',
  /** On a released object: why, one of `orphanReasons` (SPEC N10). */
  orphanedReason: 'lynq.sh/orphaned-reason',
  /** On an object created under `creationPolicy: Once` (SPEC N7). */
  createdOnce: 'lynq.sh/created-once',
  /** On every object a node applies: the desired hash last written, for drift checks (SPEC N12, N13). */
  desiredHash: 'lynq.sh/desired-hash',
  /**
   * On every object a node creates, set on create only: `namespace/name` of that node. An object
   * without it was adopted (taken over with Force), and is released rather than deleted (SPEC N6).
   */
  createdBy: 'lynq.sh/created-by',
  /**
   * On a node: the revision the form last moved it to in a rollout, written with `spec.revision`
   * (F4); a node that got its revision when new has none (it is outside the rollout).
   */
  rolloutRevision: 'lynq.sh/rollout-revision',
  /** On a node: when the form moved it to `rolloutRevision`; its progress deadline starts here (F5). */
  rolloutMovedAt: 'lynq.sh/rollout-moved-at',
  /** On a released object: `namespace/name` of the node that released it, so it can re-hold it (SPEC N10). */
  orphanedFrom: 'lynq.sh/orphaned-from',
} as const;

export type AnnotationKey = (typeof annotationKeys)[keyof typeof annotationKeys];

export const finalizers = {
  /** On a LynqNode: its resources are deleted or released before it goes (SPEC N9). */
  nodeCleanup: 'lynq.sh/node-cleanup',
  /** On a LynqHub: its nodes are deleted, and gone, before it goes (SPEC H8). */
  hubCleanup: 'lynq.sh/hub-cleanup',
} as const;

export type Finalizer = (typeof finalizers)[keyof typeof finalizers];

/** Values of `annotationKeys.orphanedReason` (SPEC N10). */
export const orphanReasons = {
  nodeDeleted: 'LynqNodeDeleted',
  removedFromTemplate: 'RemovedFromTemplate',
} as const;

export type OrphanReason = (typeof orphanReasons)[keyof typeof orphanReasons];

/** Field managers, one per writer, so ownership is visible in `managedFields` (DESIGN 5, 9). */
export const fieldManagers = {
  /** Resource applies (SPEC N5). */
  resources: 'lynq',
  /** Release patches: orphan markers and dropped tracking keys (SPEC N10, DESIGN 9). */
  release: 'lynq-release',
  /** The deletion-protection mark of nodes (SPEC H8). */
  protection: 'lynq-protection',
} as const;
