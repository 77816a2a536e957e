// Whether a kind is namespaced: a built-in table of the kinds Lynq knows, then the caller's answer.

/** Asks whether `apiVersion`/`kind` is namespaced; `undefined` = does not know. */
export type IsNamespaced = (apiVersion: string, kind: string) => boolean | undefined;

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
};

/** `Group/Kind`, with the core group written as an empty group: `/Namespace`, `apps/Deployment`. */
export const groupKind = (apiVersion: string, kind: string): string =>
  `${groupOf(apiVersion)}/${kind}`;

/** The kinds of SPEC §1 (all namespaced except Namespace) and a few well-known others. */
export const builtinKindScopes: Readonly<Record<string, boolean>> = {
  '/Namespace': false,
  '/ServiceAccount': true,
  '/Service': true,
  '/ConfigMap': true,
  '/Secret': true,
  '/PersistentVolumeClaim': true,
  'apps/Deployment': true,
  'apps/StatefulSet': true,
  'apps/DaemonSet': true,
  'batch/Job': true,
  'batch/CronJob': true,
  'networking.k8s.io/Ingress': true,
  'networking.k8s.io/NetworkPolicy': true,
  'policy/PodDisruptionBudget': true,
  'autoscaling/HorizontalPodAutoscaler': true,
  'rbac.authorization.k8s.io/Role': true,
  'rbac.authorization.k8s.io/RoleBinding': true,
  'rbac.authorization.k8s.io/ClusterRole': false,
  'rbac.authorization.k8s.io/ClusterRoleBinding': false,
  'apiextensions.k8s.io/CustomResourceDefinition': false,
  '/PersistentVolume': false,
  'storage.k8s.io/StorageClass': false,
};

/**
 * The scope of a kind: the built-in table for the kinds it lists (so their hashes never depend on
 * discovery), the caller's answer (discovery, `--namespaced-kind`) for the others; `undefined`
 * when neither knows.
 */
export const resolveNamespaced = (
  apiVersion: string,
  kind: string,
  ask: IsNamespaced | undefined,
): boolean | undefined => {
  const key = groupKind(apiVersion, kind);
  if (Object.hasOwn(builtinKindScopes, key)) return builtinKindScopes[key];
  return ask?.(apiVersion, kind);
};

/**
 * A lookup from a plain table (`{'example.com/Widget': true}`), the form the pool and the CLI
 * pass across threads and flags. Keys are `Group/Kind`; the core group is empty (`/Pod`).
 */
export const scopeTable =
  (table: Readonly<Record<string, boolean>>): IsNamespaced =>
  (apiVersion, kind) => {
    const key = groupKind(apiVersion, kind);
    return Object.hasOwn(table, key) ? table[key] : undefined;
  };
