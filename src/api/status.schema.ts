// Status parts every Lynq kind shares: standard conditions and the published machine state (SPEC O2).
import { arr, dateTime, int, obj, str } from './schema-builder.js';
import type { Infer } from './schema-builder.js';

/** A standard Kubernetes condition, with the validation of `metav1.Condition`. */
export const conditionSchema = obj(
  {
    type: str({
      description: 'Type of condition in CamelCase.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: str({ description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] }),
    reason: str({
      description: 'A programmatic CamelCase identifier for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: str({ description: 'Details for people; may be empty.', maxLength: 32768 }),
    observedGeneration: int({
      description: 'The metadata.generation the condition was set from.',
      format: 'int64',
      minimum: 0,
    }),
    lastTransitionTime: dateTime({ description: 'When the status last changed.' }),
  },
  {
    description: 'A standard condition (metav1.Condition): one aspect of the observed state.',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
  },
);

export type Condition = Infer<typeof conditionSchema>;

export const conditionsSchema = arr(conditionSchema, {
  description: 'Standard conditions, one per type.',
  listType: 'map',
  listMapKeys: ['type'],
});

/** One published transition of the state machine. */
export const transitionSchema = obj(
  {
    from: str({ description: 'Phase left.' }),
    to: str({ description: 'Phase entered.' }),
    event: str({ description: 'The event that caused the transition.' }),
    at: dateTime({ description: 'When the transition happened.' }),
  },
  {
    description: 'One transition of the state machine: the phases left and entered, and why.',
    required: ['from', 'to', 'event', 'at'],
  },
);

export type Transition = Infer<typeof transitionSchema>;

/** How many transitions status keeps: enough to see a flap, small enough to stay cheap. */
export const maxPublishedTransitions = 10;

/**
 * The machine state fields (SPEC O2), spread into each kind's status. A rebuilt actor starts
 * from `phase` (DESIGN 1).
 */
export const machineStateProperties = {
  phase: str({ description: "The published state of the object's state machine." }),
  phaseSince: dateTime({ description: 'When the current phase was entered.' }),
  phaseReason: str({ description: 'The event that caused the current phase.' }),
  transitions: arr(transitionSchema, {
    description: 'The last published transitions, oldest first.',
    maxItems: maxPublishedTransitions,
  }),
} as const;

/** A key of a Secret in the object's own namespace. */
export const secretKeyRefSchema = obj(
  {
    name: str({ description: 'Secret name, in the same namespace.', minLength: 1, maxLength: 253 }),
    key: str({ description: 'Key inside the Secret.', minLength: 1, maxLength: 253 }),
  },
  { required: ['name', 'key'] },
);

export type SecretKeyRef = Infer<typeof secretKeyRefSchema>;
