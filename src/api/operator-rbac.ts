// The operator's Kubernetes permissions: the one source for the Helm chart's ClusterRole and the test harness.

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

const readWrite = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;

/**
 * Reading (metadata lists only) every namespaced kind Kubernetes serves besides those of `baseRules`: a
 * Namespace a node created is deleted only once a look at all of them finds nothing the node did
 * not apply (SPEC N6); a kind the operator may not list keeps the namespace (released, not
 * deleted). Needed only where forms create Namespaces.
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
];

/**
 * The core of least privilege for what SPEC asks of the operator: its own CRDs (and their status and
 * finalizers, which `OwnerReferencesPermissionEnforcement` checks for `blockOwnerDeletion`),
 * the kinds a form may create (SPEC §1), events, form revisions, the leader lease, and
 * discovery. The kinds a form may create need `list` and `watch` besides the writes: the
 * operator watches every kind its nodes applied, by tracking label (DESIGN 8, SPEC N12).
 * Anything a form creates beyond these kinds needs a rule added by the installer, `list` and
 * `watch` included.
 */
const baseRules: readonly PolicyRule[] = [
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
  {
    apiGroups: [''],
    resources: [
      'configmaps',
      'secrets',
      'services',
      'serviceaccounts',
      'persistentvolumeclaims',
      'namespaces',
    ],
    verbs: readWrite,
  },
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
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets', 'daemonsets', 'controllerrevisions'],
    verbs: readWrite,
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: readWrite },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses', 'networkpolicies'],
    verbs: readWrite,
  },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: readWrite },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: readWrite },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
];

/** Everything the operator may do: the base rules and the namespace inspection. */
export const operatorRules: readonly PolicyRule[] = [...baseRules, ...namespaceContentsRules];
