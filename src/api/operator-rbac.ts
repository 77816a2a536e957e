// The operator's Kubernetes permissions: the one source for the Helm chart's RBAC and the test harness.

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

const readWrite = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;

/**
 * What the operator needs wherever it watches hubs (cluster-wide, or in each watched namespace):
 * its own CRDs (and their status and finalizers, which `OwnerReferencesPermissionEnforcement`
 * checks for `blockOwnerDeletion`) and form revisions (DESIGN 5). No Secret here: see
 * `hubSecretRules`.
 */
export const operatorCoreRules: readonly PolicyRule[] = [
  {
    apiGroups: ['operator.lynq.sh'],
    resources: ['lynqhubs', 'lynqforms', 'lynqnodes'],
    verbs: readWrite,
  },
  {
    apiGroups: ['operator.lynq.sh'],
    resources: [
      'lynqhubs/status',
      'lynqforms/status',
      'lynqnodes/status',
      'lynqhubs/finalizers',
      'lynqforms/finalizers',
      'lynqnodes/finalizers',
    ],
    verbs: ['get', 'update', 'patch'],
  },
  { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: readWrite },
  // A Pending PVC of a WaitForFirstConsumer class is ready (SPEC N8): the class is read by name.
  // Cluster-scoped: effective where these rules are a ClusterRole; elsewhere such claims wait
  // for Bound.
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
];

/** Events on hubs, forms, nodes and children (SPEC O1): wherever any of them lives. */
export const eventRules: readonly PolicyRule[] = [
  {
    apiGroups: [''],
    resources: ['events'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'],
  },
  {
    apiGroups: ['events.k8s.io'],
    resources: ['events'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'],
  },
];

/**
 * A hub's password and CA Secrets are read by name (`get`), never listed or watched: the
 * operator reads only the Secrets its hubs name. RBAC cannot narrow `get` to those names (any
 * hub may name any Secret of its namespace), so where hubs are watched, every Secret there is
 * readable by name.
 */
export const hubSecretRules: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
];

/**
 * Reading (metadata lists only) every namespaced kind Kubernetes serves besides the kinds nodes
 * apply: a Namespace a node created is deleted only once a look at all of them finds nothing the
 * node did not apply (SPEC N6); a kind the operator may not list keeps the namespace (released,
 * not deleted). Needed only where forms create Namespaces, and cluster-wide (the namespace is a
 * new one), so the chart grants it with the namespace verbs only, together with `list` on the
 * kinds of SPEC §1 nodes may not apply (Secrets only when nodes may create them).
 */
export const namespaceContentsRules: readonly PolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'podtemplates',
      'replicationcontrollers',
      'endpoints',
      'limitranges',
      'resourcequotas',
    ],
    verbs: ['list'],
  },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings'],
    verbs: ['list'],
  },
  { apiGroups: ['storage.k8s.io'], resources: ['csistoragecapacities'], verbs: ['list'] },
  {
    apiGroups: ['resource.k8s.io'],
    resources: ['resourceclaims', 'resourceclaimtemplates'],
    verbs: ['list'],
  },
  // The lease rules grant no list (and only in the operator's namespace).
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list'] },
];

/** The leader lease (SPEC P2), in the operator's own namespace only. */
export const leaseRules: readonly PolicyRule[] = [
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'create', 'update', 'patch'],
  },
];

/**
 * Verbs on a kind nodes may apply: the writes, and `list` and `watch` because the operator
 * watches every kind its nodes applied, by tracking label (DESIGN 8, SPEC N12). RBAC cannot
 * narrow a list to a label, so `list` on Secrets is read access to every Secret in reach.
 */
export const childVerbs: readonly string[] = readWrite;

export interface KindResource {
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespaced: boolean;
}

/**
 * The kinds a form may create by default (SPEC §1, the keys of the default `--allowed-kinds`),
 * as `Group/Kind` → the resource RBAC names. A kind beyond these needs a rule from the
 * installer (`rbac.extraRules` in the chart), `list` and `watch` included.
 */
export const childKindResources = {
  '/Namespace': { apiGroup: '', resource: 'namespaces', namespaced: false },
  '/ServiceAccount': { apiGroup: '', resource: 'serviceaccounts', namespaced: true },
  '/Service': { apiGroup: '', resource: 'services', namespaced: true },
  '/ConfigMap': { apiGroup: '', resource: 'configmaps', namespaced: true },
  '/Secret': { apiGroup: '', resource: 'secrets', namespaced: true },
  '/PersistentVolumeClaim': { apiGroup: '', resource: 'persistentvolumeclaims', namespaced: true },
  'apps/Deployment': { apiGroup: 'apps', resource: 'deployments', namespaced: true },
  'apps/StatefulSet': { apiGroup: 'apps', resource: 'statefulsets', namespaced: true },
  'apps/DaemonSet': { apiGroup: 'apps', resource: 'daemonsets', namespaced: true },
  'batch/Job': { apiGroup: 'batch', resource: 'jobs', namespaced: true },
  'batch/CronJob': { apiGroup: 'batch', resource: 'cronjobs', namespaced: true },
  'networking.k8s.io/Ingress': {
    apiGroup: 'networking.k8s.io',
    resource: 'ingresses',
    namespaced: true,
  },
  'networking.k8s.io/NetworkPolicy': {
    apiGroup: 'networking.k8s.io',
    resource: 'networkpolicies',
    namespaced: true,
  },
  'policy/PodDisruptionBudget': {
    apiGroup: 'policy',
    resource: 'poddisruptionbudgets',
    namespaced: true,
  },
  'autoscaling/HorizontalPodAutoscaler': {
    apiGroup: 'autoscaling',
    resource: 'horizontalpodautoscalers',
    namespaced: true,
  },
} as const satisfies Record<string, KindResource>;

/** The rule that lets nodes apply and watch one kind. */
const childKindRule = (kind: KindResource): PolicyRule => ({
  apiGroups: [kind.apiGroup],
  resources: [kind.resource],
  verbs: childVerbs,
});

/**
 * Everything at once, cluster-wide: what the test harness grants the operator's user, so that
 * tests exercise the operator with every default kind allowed and Namespace contents readable. The chart grants subsets of it
 * (per mode, per allowed kind).
 */
export const operatorRules: readonly PolicyRule[] = [
  ...operatorCoreRules,
  ...eventRules,
  ...hubSecretRules,
  ...Object.values(childKindResources).map(childKindRule),
  ...namespaceContentsRules,
  ...leaseRules,
];
