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

/** Stands for the row's uid in a cluster name pattern. */
export const uidPlaceholder = '{{ uid }}';

/**
 * The default cluster name patterns: a cluster-scoped object's name must start with the row's
 * uid and a dash, so a row value alone cannot name `kube-system` or another team's namespace.
 */
export const defaultAllowedClusterNames: readonly string[] = [`${uidPlaceholder}-*`];

/**
 * Cluster-scoped names Kubernetes itself uses (`default`, `kube-system`, `system:` roles): never
 * a target, whatever the patterns say, so a row whose uid is `kube` cannot reach `kube-system`.
 */
export const reservedClusterNames: readonly string[] = ['default', 'kube-*', 'system:*'];

/** The operator's allow-lists; the node's own namespace is always allowed. */
export interface TargetPolicy {
  /** Namespaces besides the node's own; `*` allows all. Default: none. */
  readonly allowedNamespaces: readonly string[];
  /** `Group/Kind` keys; `*` allows all. Default: `defaultAllowedKinds`. */
  readonly allowedKinds: readonly string[];
  /**
   * Name patterns a cluster-scoped object must match (`*` any run of characters, `{{ uid }}` the
   * row's uid, compared without regard to case). Default: `defaultAllowedClusterNames`.
   */
  readonly allowedClusterNames: readonly string[];
  /**
   * The operator's half of the double opt-in that lets `conflictPolicy: Force` take over a
   * cluster-scoped object Lynq did not create (SPEC N6); the resource's
   * `allowClusterScopedTakeover` is the other half. Default: false.
   */
  readonly allowClusterScopedTakeover: boolean;
}

export const defaultTargetPolicy: TargetPolicy = {
  allowedNamespaces: [],
  allowedKinds: defaultAllowedKinds,
  allowedClusterNames: defaultAllowedClusterNames,
  allowClusterScopedTakeover: false,
};

/** The node a target is checked for: its namespace and its row's uid. */
export interface TargetOwner {
  readonly namespace: string;
  /** The row's uid (`spec.uid` of the node), substituted for `{{ uid }}`. */
  readonly rowUid: string;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `name` matches `pattern` for a row: `{{ uid }}` is the row's uid taken literally, `*`
 * any run of characters; the whole name must match, case-insensitively (names are lowercase,
 * uids need not be). Pure.
 */
export const matchesClusterName = (pattern: string, name: string, rowUid: string): boolean => {
  const source = pattern
    .split(uidPlaceholder)
    .map((part) => part.split('*').map(escapeRegExp).join('.*'))
    .join(escapeRegExp(rowUid));
  return new RegExp(`^${source}$`, 'is').test(name);
};

export type TargetVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'TargetNotAllowed'; readonly message: string };

/**
 * Whether a rendered object may be applied for a node: its kind must be allowed; a namespaced
 * object must live in the node's namespace or an allowed one; a cluster-scoped object's name
 * must match one of the allowed cluster name patterns for the node's row. Pure; never throws.
 */
export const checkTarget = (
  manifest: Pick<RenderedManifest, 'apiVersion' | 'kind' | 'namespace' | 'namespaced' | 'name'>,
  owner: TargetOwner,
  policy: Pick<TargetPolicy, 'allowedNamespaces' | 'allowedKinds' | 'allowedClusterNames'>,
): TargetVerdict => {
  const { allowedNamespaces, allowedKinds, allowedClusterNames } = policy;
  const nodeNamespace = owner.namespace;
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
  if (
    !manifest.namespaced &&
    reservedClusterNames.some((pattern) => matchesClusterName(pattern, manifest.name, ''))
  ) {
    return {
      allowed: false,
      reason: conditionReasons.targetNotAllowed,
      message: `cluster-scoped ${manifest.kind} ${manifest.name} is reserved for Kubernetes (${reservedClusterNames.join(', ')})`,
    };
  }
  if (
    !manifest.namespaced &&
    !allowedClusterNames.some((pattern) => matchesClusterName(pattern, manifest.name, owner.rowUid))
  ) {
    return {
      allowed: false,
      reason: conditionReasons.targetNotAllowed,
      message: `cluster-scoped ${manifest.kind} ${manifest.name} matches none of the operator's allowed cluster names (${allowedClusterNames.join(', ')}, with {{ uid }} = ${owner.rowUid})`,
    };
  }
  return { allowed: true };
};
