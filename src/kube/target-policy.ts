// Which namespaces and kinds a node may write to (SPEC N16): the node's namespace and the operator's allow-lists.
import { conditionReasons } from '../api/conditions.js';
import { groupKind } from '../render/kind-scope.js';
import type { RenderedManifest } from '../render/render-types.js';

/** Matches every namespace or every kind in an allow-list. */
export const anyTarget = '*';

/**
 * The kinds of SPEC §1, as `Group/Kind` keys (the core group is empty: `/ConfigMap`): the default
 * allow-list of kinds.
 */
export const defaultAllowedKinds: readonly string[] = [
  '/Namespace',
  '/ServiceAccount',
  '/Service',
  '/ConfigMap',
  '/Secret',
  '/PersistentVolumeClaim',
  'apps/Deployment',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/NetworkPolicy',
  'policy/PodDisruptionBudget',
  'autoscaling/HorizontalPodAutoscaler',
];

/** The operator's allow-lists; the node's own namespace is always allowed. */
export interface TargetPolicy {
  /** Namespaces besides the node's own; `*` allows all. Default: none. */
  readonly allowedNamespaces: readonly string[];
  /** `Group/Kind` keys; `*` allows all. Default: `defaultAllowedKinds`. */
  readonly allowedKinds: readonly string[];
}

export const defaultTargetPolicy: TargetPolicy = {
  allowedNamespaces: [],
  allowedKinds: defaultAllowedKinds,
};

export type TargetVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'TargetNotAllowed'; readonly message: string };

/**
 * Whether a rendered object may be applied for a node in `nodeNamespace`: its kind must be
 * allowed, and a namespaced object must live in the node's namespace or an allowed one
 * (cluster-scoped objects are governed by the kind list alone). Pure; never throws.
 */
export const checkTarget = (
  manifest: Pick<RenderedManifest, 'apiVersion' | 'kind' | 'namespace' | 'namespaced'>,
  nodeNamespace: string,
  allowedNamespaces: readonly string[],
  allowedKinds: readonly string[],
): TargetVerdict => {
  const key = groupKind(manifest.apiVersion, manifest.kind);
  if (!allowedKinds.includes(anyTarget) && !allowedKinds.includes(key)) {
    return {
      allowed: false,
      reason: conditionReasons.targetNotAllowed,
      message: `kind ${key} is not in the operator's allowed kinds`,
    };
  }
  const namespace = manifest.namespaced ? (manifest.namespace ?? nodeNamespace) : undefined;
  if (
    namespace !== undefined &&
    namespace !== nodeNamespace &&
    !allowedNamespaces.includes(anyTarget) &&
    !allowedNamespaces.includes(namespace)
  ) {
    return {
      allowed: false,
      reason: conditionReasons.targetNotAllowed,
      message: `namespace ${namespace} is neither the node's namespace nor in the operator's allowed target namespaces`,
    };
  }
  return { allowed: true };
};
