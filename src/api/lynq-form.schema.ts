// LynqForm: a set of resource templates bound to one hub (SPEC §1).
import { customResourceDefinition } from './crd-builder.js';
import type { LynqObject } from './crd-builder.js';
import { rolloutPhases } from './phases.js';
import { conditionsSchema, machineStateProperties } from './status.schema.js';
import {
  arr,
  bool,
  dateTime,
  int,
  intOrString,
  map,
  obj,
  preserveUnknown,
  str,
} from './schema-builder.js';
import type { Infer, InferInput } from './schema-builder.js';

export const creationPolicies = ['WhenNeeded', 'Once'] as const;
export type CreationPolicy = (typeof creationPolicies)[number];
export const deletionPolicies = ['Delete', 'Retain'] as const;
export type DeletionPolicy = (typeof deletionPolicies)[number];
export const conflictPolicies = ['Stuck', 'Force'] as const;
export type ConflictPolicy = (typeof conflictPolicies)[number];
export const patchStrategies = ['apply', 'merge', 'replace'] as const;
export type PatchStrategy = (typeof patchStrategies)[number];

/** One templated Kubernetes object of a form. Template fields are rendered with nunjucks (SPEC T1). */
export const resourceEntrySchema = obj(
  {
    id: str({ description: 'Unique in the form; dependIds refer to it.', minLength: 1 }),
    spec: preserveUnknown({
      description:
        'The manifest (apiVersion, kind, metadata, ...); every string leaf is a template.',
    }),
    nameTemplate: str({ description: 'Object name (template); else spec.metadata.name.' }),
    targetNamespace: str({
      description:
        "Namespace (template); else the node's namespace. Ignored for cluster-scoped kinds.",
    }),
    labelsTemplate: map(str(), {
      description: 'Labels merged over spec.metadata.labels; values are templates.',
    }),
    annotationsTemplate: map(str(), {
      description: 'Annotations merged over spec.metadata.annotations; values are templates.',
    }),
    dependIds: arr(str(), { description: 'Ids of resources that must be ready first.' }),
    skipOnDependencyFailure: bool({
      description: 'Skip this resource when a dependency failed; false applies it anyway.',
      default: true,
    }),
    creationPolicy: str({
      description: 'WhenNeeded applies every change; Once creates the object and never updates it.',
      enum: creationPolicies,
      default: 'WhenNeeded',
    }),
    deletionPolicy: str({
      description: 'Delete removes the object with its node; Retain releases it as an orphan.',
      enum: deletionPolicies,
      default: 'Delete',
    }),
    conflictPolicy: str({
      description: 'Stuck leaves an existing object that no node holds alone; Force takes it over.',
      enum: conflictPolicies,
      default: 'Stuck',
    }),
    patchStrategy: str({
      description: 'apply = server-side apply; merge = JSON merge patch; replace = full update.',
      enum: patchStrategies,
      default: 'apply',
    }),
    waitForReady: bool({ description: 'Wait for readiness before dependants go.', default: true }),
    timeoutSeconds: int({
      description: 'How long the resource may take to become ready before it counts as failed.',
      format: 'int32',
      minimum: 1,
      maximum: 3600,
      default: 300,
    }),
    ignoreFields: arr(str(), {
      description: 'JSONPaths left to other field managers on update.',
    }),
    deleteAdopted: bool({
      description:
        'With deletionPolicy Delete, also delete an object this resource took over with Force instead of releasing it.',
      default: false,
    }),
    allowClusterScopedTakeover: bool({
      description:
        'Let conflictPolicy Force take over a cluster-scoped object Lynq did not create; needs the operator flag --allow-cluster-scoped-takeover too.',
      default: false,
    }),
    recreateOnImmutableChange: bool({
      description: 'Delete and re-create the object when an immutable field changes.',
      default: false,
    }),
  },
  {
    description: 'One templated Kubernetes object of the form.',
    required: ['id', 'spec'],
  },
);

export type ResourceEntry = Infer<typeof resourceEntrySchema>;

/** The resource lists of a form, in SPEC order. The list is a grouping only (SPEC §1). */
export const resourceListNames = [
  'serviceAccounts',
  'deployments',
  'statefulSets',
  'daemonSets',
  'services',
  'ingresses',
  'configMaps',
  'secrets',
  'persistentVolumeClaims',
  'jobs',
  'cronJobs',
  'podDisruptionBudgets',
  'networkPolicies',
  'horizontalPodAutoscalers',
  'namespaces',
  'manifests',
] as const;

export type ResourceListName = (typeof resourceListNames)[number];

const resourceList = (what: string) =>
  arr(resourceEntrySchema, {
    description: `${what}. Keyed by id; all lists of a form form one dependency graph.`,
    listType: 'map',
    listMapKeys: ['id'],
  });

export const lynqFormSpecSchema = obj(
  {
    hubId: str({
      description: 'Name of the LynqHub in the same namespace. Immutable.',
      minLength: 1,
      maxLength: 253,
      validations: [{ rule: 'self == oldSelf', message: 'hubId is immutable' }],
    }),
    serviceAccounts: resourceList('ServiceAccounts'),
    deployments: resourceList('Deployments'),
    statefulSets: resourceList('StatefulSets'),
    daemonSets: resourceList('DaemonSets'),
    services: resourceList('Services'),
    ingresses: resourceList('Ingresses'),
    configMaps: resourceList('ConfigMaps'),
    secrets: resourceList('Secrets'),
    persistentVolumeClaims: resourceList('PersistentVolumeClaims'),
    jobs: resourceList('Jobs'),
    cronJobs: resourceList('CronJobs'),
    podDisruptionBudgets: resourceList('PodDisruptionBudgets'),
    networkPolicies: resourceList('NetworkPolicies'),
    horizontalPodAutoscalers: resourceList('HorizontalPodAutoscalers'),
    namespaces: resourceList('Namespaces'),
    manifests: resourceList('Any other manifests'),
    rollout: obj(
      {
        maxSkew: int({
          description: 'Most nodes of this form updating at once; 0 = unlimited.',
          format: 'int32',
          minimum: 0,
          default: 0,
        }),
        progressDeadlineSeconds: int({
          description: 'A node not Ready this long after it moved counts as failed.',
          format: 'int32',
          minimum: 1,
          default: 600,
        }),
        partition: intOrString({
          description:
            'Canary: how many nodes, first by name, may move to a new revision (a count or a percent of the form nodes, rounded up); the rest keep theirs until it is raised or removed. Absent = all.',
          validations: [
            {
              rule: "type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')",
              message: 'partition must be a non-negative integer or a percentage from 0% to 100%',
            },
          ],
        }),
      },
      { description: 'How a new revision reaches the nodes.', default: {} },
    ),
    suspend: bool({
      description:
        'Nodes keep their revision: a change of the resources reaches only new nodes until unsuspended.',
      default: false,
    }),
  },
  {
    description: 'Desired state of the form: the hub it binds to and its resource templates.',
    required: ['hubId'],
  },
);

export type LynqFormSpec = Infer<typeof lynqFormSpecSchema>;
export type LynqFormSpecInput = InferInput<typeof lynqFormSpecSchema>;

const count = (description: string) => int({ description, format: 'int32', minimum: 0 });

export const lynqFormStatusSchema = obj(
  {
    ...machineStateProperties,
    observedGeneration: int({
      description: 'The metadata.generation the status was computed from.',
      format: 'int64',
      minimum: 0,
    }),
    currentRevision: str({ description: 'The newest valid revision (ControllerRevision name).' }),
    totalNodes: count('Nodes of this form.'),
    readyNodes: count('Ready nodes of this form.'),
    failedNodes: count('Failed nodes of this form.'),
    rollout: obj(
      {
        phase: str({
          description:
            'Idle, InProgress, Paused (suspended, or the partition is reached), Failed (a node missed its progress deadline) or Complete.',
          enum: Object.values(rolloutPhases),
        }),
        targetRevision: str({ description: 'The revision being rolled out.' }),
        updatedNodes: count('Nodes moved to the target revision.'),
        updatingNodes: count('Moved to the target revision but not yet Ready.'),
        readyUpdatedNodes: count('Nodes at the target revision and Ready.'),
        failedNodes: count('Nodes not Ready within progressDeadlineSeconds after they moved.'),
        failedNodeNames: arr(str(), {
          description: 'The nodes that failed the rollout (at most 50 are named).',
          maxItems: 50,
        }),
        startTime: dateTime({ description: 'When the rollout of the target revision started.' }),
        completionTime: dateTime({
          description: 'When every node was Ready at the target revision.',
        }),
        message: str({ description: 'Details for people, e.g. which nodes failed.' }),
      },
      { description: 'Progress of moving the nodes to the newest revision.' },
    ),
    conditions: conditionsSchema,
  },
  { description: 'Observed state of the form, written by the operator.' },
);

export type LynqFormStatus = Infer<typeof lynqFormStatusSchema>;

export type LynqForm = LynqObject<'LynqForm', LynqFormSpec, LynqFormStatus>;

export const lynqFormCrd = customResourceDefinition({
  kind: 'LynqForm',
  plural: 'lynqforms',
  description: 'LynqForm: resource templates rendered for every active row of its hub.',
  spec: lynqFormSpecSchema,
  status: lynqFormStatusSchema,
  printerColumns: [
    { name: 'Hub', type: 'string', jsonPath: '.spec.hubId' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.totalNodes' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyNodes' },
    { name: 'Failed', type: 'integer', jsonPath: '.status.failedNodes' },
    { name: 'Rollout', type: 'string', jsonPath: '.status.rollout.phase' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  ],
});
