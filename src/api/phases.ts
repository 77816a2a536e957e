// The published phases of the state machines (SPEC O2) and of a form's rollout.

/** LynqNode phases (SPEC O2, DESIGN 3); sub-states are not published. */
export const nodePhases = {
  pending: 'Pending',
  rendering: 'Rendering',
  applying: 'Applying',
  ready: 'Ready',
  degraded: 'Degraded',
  deleting: 'Deleting',
} as const;

export type NodePhase = (typeof nodePhases)[keyof typeof nodePhases];

/** `status.rollout.phase` of a LynqForm (SPEC §1, F4, F5). */
export const rolloutPhases = {
  idle: 'Idle',
  inProgress: 'InProgress',
  paused: 'Paused',
  failed: 'Failed',
  complete: 'Complete',
} as const;

export type RolloutPhase = (typeof rolloutPhases)[keyof typeof rolloutPhases];

/** `status.resources[].state` of a LynqNode: where one resource stands (SPEC N2, N6, N8, N9). */
export const resourceStates = {
  pending: 'Pending',
  waitingForDependencies: 'WaitingForDependencies',
  applied: 'Applied',
  ready: 'Ready',
  failed: 'Failed',
  skipped: 'Skipped',
  conflicted: 'Conflicted',
  deleting: 'Deleting',
} as const;

export type ResourceState = (typeof resourceStates)[keyof typeof resourceStates];
