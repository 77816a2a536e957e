// Readiness per kind (SPEC N8): what a live object says about being done, as a pure verdict, and the small view of it the child watches cache.
import { isRecord, type KubeObject } from './kube-object.js';

/**
 * Where one object stands: `ready`; `waiting` (not yet, with what is missing and the field that
 * says so: `0/2 replicas available`, `status.availableReplicas`); or `failed` (it will not become
 * ready by itself: a Job that failed).
 */
export type Readiness =
  | { readonly state: 'ready' }
  | { readonly state: 'waiting'; readonly reason: string; readonly field: string }
  | { readonly state: 'failed'; readonly reason: string; readonly field: string };

/** Facts beyond the object itself that a verdict may need. */
export interface ReadinessFacts {
  /**
   * The `volumeBindingMode` of a StorageClass, `undefined` when not known (yet): a Pending PVC
   * of a `WaitForFirstConsumer` class is ready (it binds when a pod uses it).
   */
  readonly bindingModeOf?: (storageClass: string) => string | undefined;
}

export const ready: Readiness = { state: 'ready' };

const waiting = (reason: string, field: string): Readiness => ({
  state: 'waiting',
  reason,
  field,
});

/** A kind as `group/Kind` (core group: `Kind`), from an apiVersion. */
const groupKindOf = (apiVersion: string, kind: string): string => {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? kind : `${apiVersion.slice(0, slash)}/${kind}`;
};

/**
 * Kinds that have no status to wait for (ready once applied, SPEC N8): their watches stay
 * metadata-only, so a Secret's data never reaches the operator's memory. Every other kind may
 * carry a `Ready` condition and is watched with the small view `readinessView` keeps.
 */
const statuslessKinds: ReadonlySet<string> = new Set([
  'ConfigMap',
  'Secret',
  'ServiceAccount',
  'Endpoints',
  'LimitRange',
  'ResourceQuota',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'networking.k8s.io/NetworkPolicy',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/IngressClass',
  'policy/PodDisruptionBudget',
  'autoscaling/HorizontalPodAutoscaler',
  'batch/CronJob',
  'scheduling.k8s.io/PriorityClass',
  'storage.k8s.io/StorageClass',
  'coordination.k8s.io/Lease',
  'discovery.k8s.io/EndpointSlice',
]);

/** Whether readiness of this kind depends on more than the object existing (N8). Pure. */
export const hasReadiness = (apiVersion: string, kind: string): boolean =>
  !statuslessKinds.has(groupKindOf(apiVersion, kind));

const numberAt = (record: Record<string, unknown> | undefined, key: string): number => {
  const value = record?.[key];
  return typeof value === 'number' ? value : 0;
};

const recordAt = (value: unknown, key: string): Record<string, unknown> | undefined => {
  if (!isRecord(value)) return undefined;
  const inner = value[key];
  return isRecord(inner) ? inner : undefined;
};

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

const conditionsOf = (object: KubeObject): readonly Condition[] => {
  const list = recordAt(object, 'status')?.['conditions'];
  if (!Array.isArray(list)) return [];
  return (list as unknown[]).flatMap((c) =>
    isRecord(c) && typeof c['type'] === 'string' && typeof c['status'] === 'string'
      ? [
          {
            type: c['type'],
            status: c['status'],
            ...(typeof c['reason'] === 'string' ? { reason: c['reason'] } : {}),
            ...(typeof c['message'] === 'string' ? { message: c['message'] } : {}),
          },
        ]
      : [],
  );
};

const conditionOf = (object: KubeObject, type: string): Condition | undefined =>
  conditionsOf(object).find((c) => c.type === type);

/** What a condition that is not True says, for a person. */
const conditionText = (type: string, condition: Condition | undefined): string =>
  condition === undefined
    ? `no ${type} condition yet`
    : `${type} is ${condition.status}${condition.reason === undefined ? '' : ` (${condition.reason}${condition.message === undefined ? '' : `: ${condition.message}`})`}`;

/** A controller that has not seen the latest spec yet says nothing about it. */
const generationLag = (object: KubeObject): Readiness | undefined => {
  const generation = object.metadata.generation;
  const observed = recordAt(object, 'status')?.['observedGeneration'];
  if (generation === undefined) return undefined;
  if (typeof observed !== 'number')
    return waiting('generation not observed yet', 'status.observedGeneration');
  return observed < generation
    ? waiting(
        `observed generation ${String(observed)} < generation ${String(generation)}`,
        'status.observedGeneration',
      )
    : undefined;
};

const replicasWanted = (object: KubeObject): number => {
  const replicas = recordAt(object, 'spec')?.['replicas'];
  return typeof replicas === 'number' ? replicas : 1;
};

const counted = (have: number, want: number, what: string, field: string): Readiness | undefined =>
  have < want ? waiting(`${String(have)}/${String(want)} ${what}`, field) : undefined;

/** Deployment: observed generation current; updated = available = ready = replicas, no old ones. */
const deploymentReadiness = (object: KubeObject): Readiness => {
  const lag = generationLag(object);
  if (lag !== undefined) return lag;
  const status = recordAt(object, 'status');
  const want = replicasWanted(object);
  const total = numberAt(status, 'replicas');
  return (
    counted(
      numberAt(status, 'updatedReplicas'),
      want,
      'replicas updated',
      'status.updatedReplicas',
    ) ??
    counted(
      numberAt(status, 'availableReplicas'),
      want,
      'replicas available',
      'status.availableReplicas',
    ) ??
    counted(numberAt(status, 'readyReplicas'), want, 'replicas ready', 'status.readyReplicas') ??
    (total > want
      ? waiting(`${String(total - want)} old replicas still running`, 'status.replicas')
      : ready)
  );
};

/**
 * StatefulSet: observed generation current, ready = replicas; with RollingUpdate and no
 * partition also current revision = update revision.
 */
const statefulSetReadiness = (object: KubeObject): Readiness => {
  const lag = generationLag(object);
  if (lag !== undefined) return lag;
  const status = recordAt(object, 'status');
  const want = replicasWanted(object);
  const short = counted(
    numberAt(status, 'readyReplicas'),
    want,
    'replicas ready',
    'status.readyReplicas',
  );
  if (short !== undefined) return short;
  const strategy = recordAt(recordAt(object, 'spec'), 'updateStrategy');
  const type = strategy?.['type'];
  const partition = numberAt(recordAt(strategy, 'rollingUpdate'), 'partition');
  if ((type === undefined || type === 'RollingUpdate') && partition === 0) {
    const current = status?.['currentRevision'];
    const update = status?.['updateRevision'];
    if (typeof update === 'string' && current !== update)
      return waiting(
        `current revision ${typeof current === 'string' ? current : 'none'} is not update revision ${update}`,
        'status.currentRevision',
      );
  }
  return ready;
};

/** DaemonSet: desired = updated = ready = available (and the spec observed). */
const daemonSetReadiness = (object: KubeObject): Readiness => {
  const lag = generationLag(object);
  if (lag !== undefined) return lag;
  const status = recordAt(object, 'status');
  const want = numberAt(status, 'desiredNumberScheduled');
  return (
    counted(
      numberAt(status, 'updatedNumberScheduled'),
      want,
      'pods updated',
      'status.updatedNumberScheduled',
    ) ??
    counted(
      numberAt(status, 'numberAvailable'),
      want,
      'pods available',
      'status.numberAvailable',
    ) ??
    counted(numberAt(status, 'numberReady'), want, 'pods ready', 'status.numberReady') ??
    ready
  );
};

/** Job: Complete; Failed is a failure. */
const jobReadiness = (object: KubeObject): Readiness => {
  const failed = conditionOf(object, 'Failed');
  if (failed?.status === 'True')
    return {
      state: 'failed',
      reason: conditionText('Failed', failed).replace('Failed is True', 'the Job failed'),
      field: 'status.conditions[Failed]',
    };
  if (conditionOf(object, 'Complete')?.status === 'True') return ready;
  const status = recordAt(object, 'status');
  const completions = recordAt(object, 'spec')?.['completions'];
  return waiting(
    `${String(numberAt(status, 'succeeded'))}/${String(typeof completions === 'number' ? completions : 1)} completions; not Complete yet`,
    'status.conditions[Complete]',
  );
};

/** PVC: Bound, or Pending with a WaitForFirstConsumer storage class. */
const claimReadiness = (object: KubeObject, facts: ReadinessFacts): Readiness => {
  const phase = recordAt(object, 'status')?.['phase'];
  if (phase === 'Bound') return ready;
  const storageClass = recordAt(object, 'spec')?.['storageClassName'];
  if (
    phase === 'Pending' &&
    typeof storageClass === 'string' &&
    facts.bindingModeOf?.(storageClass) === 'WaitForFirstConsumer'
  )
    return ready;
  return waiting(
    `phase ${typeof phase === 'string' ? phase : 'unknown'}, not Bound`,
    'status.phase',
  );
};

/** Service: a LoadBalancer needs an ingress; any other type is ready once applied. */
const serviceReadiness = (object: KubeObject): Readiness => {
  if (recordAt(object, 'spec')?.['type'] !== 'LoadBalancer') return ready;
  const ingress = recordAt(recordAt(object, 'status'), 'loadBalancer')?.['ingress'];
  return Array.isArray(ingress) && ingress.length > 0
    ? ready
    : waiting('no load balancer ingress assigned', 'status.loadBalancer.ingress');
};

const namespaceReadiness = (object: KubeObject): Readiness => {
  const phase = recordAt(object, 'status')?.['phase'];
  return phase === 'Active'
    ? ready
    : waiting(`phase ${typeof phase === 'string' ? phase : 'unknown'}, not Active`, 'status.phase');
};

const conditionReadiness = (object: KubeObject, type: string): Readiness => {
  const condition = conditionOf(object, type);
  return condition?.status === 'True'
    ? ready
    : waiting(conditionText(type, condition), `status.conditions[${type}]`);
};

/** Any other object: its `Ready` condition when it has one, else ready once applied. */
const genericReadiness = (object: KubeObject): Readiness =>
  conditionOf(object, 'Ready') === undefined ? ready : conditionReadiness(object, 'Ready');

/**
 * The readiness of a live object of `apiVersion`/`kind` per SPEC N8. An object being deleted is
 * waiting (it is written again once gone). Pure; never throws, whatever the object holds.
 */
export const readinessOf = (
  apiVersion: string,
  kind: string,
  object: KubeObject,
  facts: ReadinessFacts = {},
): Readiness => {
  if (object.metadata.deletionTimestamp !== undefined)
    return waiting('being deleted', 'metadata.deletionTimestamp');
  if (!hasReadiness(apiVersion, kind)) return ready;
  switch (groupKindOf(apiVersion, kind)) {
    case 'apps/Deployment':
      return deploymentReadiness(object);
    case 'apps/StatefulSet':
      return statefulSetReadiness(object);
    case 'apps/DaemonSet':
      return daemonSetReadiness(object);
    case 'batch/Job':
      return jobReadiness(object);
    case 'PersistentVolumeClaim':
      return claimReadiness(object, facts);
    case 'Service':
      return serviceReadiness(object);
    case 'Namespace':
      return namespaceReadiness(object);
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return conditionReadiness(object, 'Established');
    default:
      return genericReadiness(object);
  }
};

/** Whether two verdicts say the same (a changed count is a change a person sees). Pure. */
export const sameReadiness = (a: Readiness, b: Readiness): boolean =>
  a.state === b.state &&
  (a.state === 'ready' || (b.state !== 'ready' && a.reason === b.reason && a.field === b.field));

/** The spec fields readiness reads; everything else of `spec` is dropped from the cache. */
const specFields = ['replicas', 'type', 'updateStrategy', 'storageClassName', 'completions'];
/** The status fields readiness reads (N8) or completion (N7). */
const statusFields = [
  'observedGeneration',
  'replicas',
  'updatedReplicas',
  'readyReplicas',
  'availableReplicas',
  'currentRevision',
  'updateRevision',
  'desiredNumberScheduled',
  'updatedNumberScheduled',
  'numberReady',
  'numberAvailable',
  'succeeded',
  'phase',
  'loadBalancer',
];

const picked = (
  record: Record<string, unknown> | undefined,
  fields: readonly string[],
): Record<string, unknown> | undefined => {
  if (record === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (record[field] !== undefined) out[field] = record[field];
  return Object.keys(out).length === 0 ? undefined : out;
};

/**
 * The part of an object that readiness (N8) and Job completion (N7) read, with the metadata
 * `keepMetadata` leaves: what a child watch caches instead of the whole object (DESIGN 8).
 * Conditions keep only type, status, reason and message. `readinessOf(view(o))` equals
 * `readinessOf(o)`. Pure.
 */
export const readinessView = (
  object: KubeObject,
  keepMetadata: (obj: KubeObject) => KubeObject,
): KubeObject => {
  const kept = keepMetadata(object);
  const spec = picked(recordAt(object, 'spec'), specFields);
  const statusRecord = recordAt(object, 'status');
  const conditions = conditionsOf(object);
  const status = {
    ...picked(statusRecord, statusFields),
    ...(Array.isArray(statusRecord?.['conditions']) ? { conditions } : {}),
  };
  return {
    ...(object.apiVersion === undefined ? {} : { apiVersion: object.apiVersion }),
    ...(object.kind === undefined ? {} : { kind: object.kind }),
    metadata: kept.metadata,
    ...(spec === undefined ? {} : { spec }),
    ...(Object.keys(status).length === 0 ? {} : { status }),
  };
};
