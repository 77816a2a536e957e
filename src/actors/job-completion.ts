// Jobs that already completed (SPEC N7): how a node learns it, remembers it across restarts (status), and decides that a gone Job is not run again.
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';
import type { CreationPolicy } from '../api/lynq-form.schema.js';
import { annotationKeys, labelKeys } from '../api/metadata-keys.js';
import { unmarkedHash, type OwningNode } from '../kube/apply-resource.js';
import { isJobInfo, type ChildChange } from '../kube/child-watcher.js';
import { isRecord, type KubeObject } from '../kube/kube-object.js';
import { identityKey } from './applied-hashes.js';

/** One completed run of a Job resource: the desired hash (without the protection mark) it ran. */
export interface JobCompletion {
  readonly hash: string;
}

/** Resource id → the completed run of its Job; persisted as `completed`/`completedHash` in status. */
export type JobCompletions = Map<string, JobCompletion>;

/**
 * The desired hash a Job ran, when `object` shows the condition `Complete=True` (N8: Complete is
 * a Job's readiness); `undefined` for any other object or state (Failed is not a completion, a
 * failed Job that is deleted runs again). Pure.
 */
export const completedRunOf = (object: KubeObject | undefined): string | undefined => {
  if (object === undefined) return undefined;
  const status = object['status'];
  const conditions = isRecord(status) ? status['conditions'] : undefined;
  if (!Array.isArray(conditions)) return undefined;
  const complete = (conditions as unknown[]).some(
    (c) => isRecord(c) && c['type'] === 'Complete' && c['status'] === 'True',
  );
  if (!complete) return undefined;
  const hash = object.metadata.annotations?.[annotationKeys.desiredHash];
  return hash === undefined ? undefined : unmarkedHash(hash);
};

/** The completions a node's status records, so a restart keeps them (DESIGN 1). Pure. */
export const completionsOf = (resources: readonly ResourceStatus[]): JobCompletions =>
  new Map(
    resources.flatMap((r) =>
      r.completed === true ? [[r.id, { hash: r.completedHash ?? '' }] as const] : [],
    ),
  );

/**
 * The completion a watch reports for one of the node's Jobs: the resource id (from what the node
 * holds) and the run's hash, when the change shows a Job this node holds with `Complete=True`.
 * A deleted Job's last state counts too: a TTL of 0 deletes it right after it completes. Pure.
 */
export const completionOfChange = (
  change: ChildChange,
  node: Pick<OwningNode, 'namespace' | 'name'>,
  held: readonly AppliedResource[],
): { readonly id: string; readonly completion: JobCompletion } | undefined => {
  if (!isJobInfo(change)) return undefined;
  const hash = completedRunOf(change.object);
  if (hash === undefined) return undefined;
  const { metadata } = change.object;
  const labels = metadata.labels ?? {};
  if (labels[labelKeys.node] !== node.name || labels[labelKeys.nodeNamespace] !== node.namespace)
    return undefined;
  const key = identityKey({
    apiVersion: change.apiVersion,
    kind: change.kind,
    namespace: metadata.namespace === '' ? undefined : metadata.namespace,
    name: metadata.name,
  });
  const entry = held.find((h) => identityKey(h) === key);
  return entry === undefined ? undefined : { id: entry.id, completion: { hash } };
};

/**
 * Whether a completed run stands for the Job the form wants now, so that the Job is not created
 * again once it is gone (N7): the node still holds that very object (`holdsSameObject`: a
 * renamed Job is another Job), and under `WhenNeeded` the desired hash is the one that ran (a
 * changed spec runs again; `Once` never follows the form). Pure.
 */
export const completionHolds = (
  completion: JobCompletion | undefined,
  creationPolicy: CreationPolicy,
  desiredHash: string,
  holdsSameObject: boolean,
): boolean =>
  completion !== undefined &&
  holdsSameObject &&
  (creationPolicy === 'Once' || completion.hash === unmarkedHash(desiredHash));

/** One resource's status with its completed run, if it has one. Pure. */
export const withCompletion = (
  status: ResourceStatus,
  completions: ReadonlyMap<string, JobCompletion>,
): ResourceStatus => {
  const completion = completions.get(status.id);
  if (completion === undefined) return status;
  return { ...status, completed: true, completedHash: completion.hash };
};
