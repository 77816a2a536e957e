// LynqNode: one active row times one form, owned by the operator (SPEC §1).
import { customResourceDefinition } from './crd-builder.js';
import type { LynqObject } from './crd-builder.js';
import { creationPolicies, deletionPolicies } from './lynq-form.schema.js';
import { conditionsSchema, machineStateProperties } from './status.schema.js';
import { arr, bool, dateTime, int, obj, preserveUnknown, str } from './schema-builder.js';
import type { Infer, InferInput } from './schema-builder.js';

export const lynqNodeSpecSchema = obj(
  {
    uid: str({ description: "The row's uid.", minLength: 1 }),
    templateRef: str({ description: 'Name of the LynqForm it renders.', minLength: 1 }),
    variables: preserveUnknown({
      description: 'The row as template variables (canonical JSON), written by the hub.',
    }),
    revision: str({
      description: 'The form revision it renders, written only by the form; absent = pending.',
      minLength: 1,
    }),
  },
  {
    description: 'The row and form this node renders; written by the operator, not by users.',
    required: ['uid', 'templateRef', 'variables'],
  },
);

export type LynqNodeSpec = Infer<typeof lynqNodeSpecSchema>;
export type LynqNodeSpecInput = InferInput<typeof lynqNodeSpecSchema>;

/** Everything cleanup needs about one applied object, so it never needs the revision (DESIGN 5). */
export const appliedResourceSchema = obj(
  {
    id: str({ description: 'Resource id in the form.', minLength: 1 }),
    apiVersion: str({ description: 'apiVersion of the applied object.', minLength: 1 }),
    kind: str({ description: 'Kind of the applied object.', minLength: 1 }),
    namespace: str({ description: 'Absent for cluster-scoped objects.' }),
    name: str({ description: 'Name of the applied object.', minLength: 1 }),
    deletionPolicy: str({
      description: 'Delete or Retain, as applied; cleanup follows it.',
      enum: deletionPolicies,
    }),
    creationPolicy: str({ description: 'WhenNeeded or Once, as applied.', enum: creationPolicies }),
    deleteAdopted: bool({
      description: 'The resource allows deleting an object it adopted (deleteAdopted).',
    }),
    level: int({
      description: 'Depth in the dependency graph; cleanup runs deepest first.',
      format: 'int32',
      minimum: 0,
    }),
  },
  {
    description: 'One object the node applied and holds.',
    required: ['id', 'apiVersion', 'kind', 'name', 'deletionPolicy', 'creationPolicy', 'level'],
  },
);

export type AppliedResource = Infer<typeof appliedResourceSchema>;

export const resourceStatusSchema = obj(
  {
    id: str({ description: 'Resource id in the form.', minLength: 1 }),
    state: str({ description: 'Where the resource stands, one of resourceStates.' }),
    reason: str({ description: 'CamelCase reason of the state, e.g. OwnerConflict.' }),
    message: str({ description: 'Details for people.' }),
    lastDesiredChange: dateTime({
      description: 'When the desired object last changed; the readiness clock starts here.',
    }),
    completed: bool({
      description:
        'A Job that already completed: never run again under Once, nor under WhenNeeded for the same completedHash.',
    }),
    completedHash: str({
      description: 'The desired hash of the completed Job run (without the protection mark).',
    }),
  },
  { description: 'The state of one resource of the node.', required: ['id', 'state'] },
);

export type ResourceStatus = Infer<typeof resourceStatusSchema>;

const count = (description: string) => int({ description, format: 'int32', minimum: 0 });

export const lynqNodeStatusSchema = obj(
  {
    ...machineStateProperties,
    observedGeneration: int({
      description: 'The metadata.generation the status was computed from.',
      format: 'int64',
      minimum: 0,
    }),
    desiredResources: count('Resources in the revision.'),
    readyResources: count('Resources ready.'),
    failedResources: count('Resources failed.'),
    skippedResources: count('Resources skipped because a dependency failed.'),
    skippedResourceIds: arr(str(), { description: 'Ids of the skipped resources.' }),
    readySummary: str({ description: 'Ready over desired, e.g. 3/5.' }),
    appliedResources: arr(appliedResourceSchema, {
      description: 'Every object the node holds, as applied.',
    }),
    resources: arr(resourceStatusSchema, {
      description: 'Per-resource state.',
      listType: 'map',
      listMapKeys: ['id'],
    }),
    conditions: conditionsSchema,
  },
  { description: 'Observed state of the node, written by the operator.' },
);

export type LynqNodeStatus = Infer<typeof lynqNodeStatusSchema>;

export type LynqNode = LynqObject<'LynqNode', LynqNodeSpec, LynqNodeStatus>;

export const lynqNodeCrd = customResourceDefinition({
  kind: 'LynqNode',
  plural: 'lynqnodes',
  description: 'LynqNode: one active row rendered with one form. Created by the operator.',
  spec: lynqNodeSpecSchema,
  status: lynqNodeStatusSchema,
  printerColumns: [
    { name: 'UID', type: 'string', jsonPath: '.spec.uid' },
    { name: 'Form', type: 'string', jsonPath: '.spec.templateRef' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.readySummary' },
    { name: 'Skipped', type: 'integer', jsonPath: '.status.skippedResources' },
  ],
});
