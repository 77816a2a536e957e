// Condition types and reasons written to the status of hubs, forms and nodes.

export const conditionStatuses = { true: 'True', false: 'False', unknown: 'Unknown' } as const;

export type ConditionStatus = (typeof conditionStatuses)[keyof typeof conditionStatuses];

/** LynqHub conditions (SPEC §1). */
export const hubConditionTypes = {
  ready: 'Ready',
  datasourceReachable: 'DatasourceReachable',
  /** The last sync read the rows; False with the reason when the server refused the query. */
  rowsRead: 'RowsRead',
  deletionGuarded: 'DeletionGuarded',
  reconciling: 'Reconciling',
  stalled: 'Stalled',
  /**
   * Only with `spec.source.changeDetection.enabled` (SPEC H1b): True while the database reports
   * changes (reason `Listening` or `Probing`), False while only the poll finds them (reason
   * `Connecting`, `ConnectionLost`, `TriggerMissing`).
   */
  changeDetection: 'ChangeDetection',
} as const;

export type HubConditionType = (typeof hubConditionTypes)[keyof typeof hubConditionTypes];

/** LynqForm conditions (SPEC §1). */
export const formConditionTypes = {
  ready: 'Ready',
  valid: 'Valid',
  applied: 'Applied',
  reconciling: 'Reconciling',
  stalled: 'Stalled',
  /** The rollout of the newest revision: False only when it failed (F5). */
  progressing: 'Progressing',
} as const;

export type FormConditionType = (typeof formConditionTypes)[keyof typeof formConditionTypes];

/** LynqNode conditions (SPEC §1). */
export const nodeConditionTypes = {
  ready: 'Ready',
  progressing: 'Progressing',
  degraded: 'Degraded',
  conflicted: 'Conflicted',
  reconciling: 'Reconciling',
  stalled: 'Stalled',
} as const;

export type NodeConditionType = (typeof nodeConditionTypes)[keyof typeof nodeConditionTypes];

/**
 * Reasons for conditions, per-resource states and events, named by SPEC. CamelCase, as the
 * condition schema's `reason` pattern requires.
 */
export const conditionReasons = {
  /**
   * The Kubernetes API server did not answer (refused, reset, timed out, 502/503/504): its own
   * reason, never blamed on a Secret or the datasource, and retried.
   */
  kubernetesUnreachable: 'KubernetesUnreachable',
  // Hub (SPEC H4, H7, H9, H11)
  synced: 'Synced',
  datasourceError: 'DatasourceError',
  reachable: 'Reachable',
  /** `RowsRead=True`: the last sync read its rows. */
  read: 'Read',
  notReadYet: 'NotReadYet',
  duplicateUids: 'DuplicateUids',
  deletionGuarded: 'DeletionGuarded',
  deletionsAllowed: 'DeletionsAllowed',
  withinDeletionLimit: 'WithinDeletionLimit',
  suspended: 'Suspended',
  /** Summarising events of one sync on the hub (SPEC O1): one per reason and cause. */
  nodesCreated: 'NodesCreated',
  nodesUpdated: 'NodesUpdated',
  nodesDeleted: 'NodesDeleted',
  // Form (SPEC F1, F3, F5)
  valid: 'Valid',
  invalid: 'Invalid',
  hubNotFound: 'HubNotFound',
  /** A resource whose kind disagrees with the list it sits in: a warning, never invalid. */
  resourceKindMismatch: 'ResourceKindMismatch',
  allNodesReady: 'AllNodesReady',
  nodesNotReady: 'NodesNotReady',
  /** Some owned node is Degraded: the hub or form is Stalled, not Ready (SPEC O2). */
  nodesFailed: 'NodesFailed',
  /** A form whose last sync failed and is retried. */
  retrying: 'Retrying',
  /** `Reconciling=False` / `Stalled=False` of a Ready object. */
  allReady: 'AllReady',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** Rollout (F4, F5): condition Progressing and events. */
  rolloutInProgress: 'RolloutInProgress',
  rolloutComplete: 'RolloutComplete',
  rolloutPaused: 'RolloutPaused',
  rolloutFailed: 'RolloutFailed',
  rolloutResumed: 'RolloutResumed',
  noNodes: 'NoNodes',
  // Node and resources (SPEC N2, N6, N8, N9, N12, N14, N15, N16)
  allResourcesReady: 'AllResourcesReady',
  applying: 'Applying',
  waitingForReady: 'WaitingForReady',
  /** A resource held back because a dependency is applied but not ready yet (SPEC N2, N8). */
  dependencyNotReady: 'DependencyNotReady',
  /** A resource whose object says it will not become ready (a failed Job, SPEC N8). */
  resourceNotReady: 'ResourceNotReady',
  waitingForRevision: 'WaitingForRevision',
  revisionNotFound: 'RevisionNotFound',
  resourcesFailed: 'ResourcesFailed',
  dependencySkipped: 'DependencySkipped',
  dependencyFailedButProceeding: 'DependencyFailedButProceeding',
  resourceConflict: 'ResourceConflict',
  ownerConflict: 'OwnerConflict',
  fieldFight: 'FieldFight',
  noConflict: 'NoConflict',
  templateRenderError: 'TemplateRenderError',
  /** A node over its render time, output or heap budget (T5): fails alone, not retried. */
  renderBudgetExceeded: 'RenderBudgetExceeded',
  applyError: 'ApplyError',
  readinessTimeout: 'ReadinessTimeout',
  immutableFieldChanged: 'ImmutableFieldChanged',
  targetNotAllowed: 'TargetNotAllowed',
  waitingOnFinalizer: 'WaitingOnFinalizer',
  deleting: 'Deleting',
} as const satisfies Record<string, string>;

export type ConditionReason = (typeof conditionReasons)[keyof typeof conditionReasons];
