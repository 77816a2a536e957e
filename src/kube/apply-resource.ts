// Applying one rendered object for a node (SPEC N4–N7, N13, N16): tracking keys, owner reference, patch strategy, conflicts, one typed outcome.
import { groupVersion } from '../api/crd-builder.js';
import { conditionReasons } from '../api/conditions.js';
import type {
  ConflictPolicy,
  CreationPolicy,
  DeletionPolicy,
  PatchStrategy,
} from '../api/lynq-form.schema.js';
import { annotationKeys, fieldManagers, labelKeys } from '../api/metadata-keys.js';
import { errorKinds, LynqError, messageOf } from '../errors.js';
import { manifestObject, type RenderedManifest } from '../render/render-types.js';
import {
  apiError,
  apiErrorCodes,
  createApiClient,
  patchTypes,
  type ApiClient,
  type JsonPatchOperation,
} from './api-client.js';
import { isApiServerUnreachable } from './api-reachability.js';
import type { KubeTransport } from './http-transport.js';
import { ownedManifestFields } from './field-ownership.js';
import { ignoredPaths, withIgnoredFields } from './ignore-fields.js';
import { handleImmutableChange, immutableFieldsOf } from './immutable-change.js';
import { asKubeObject, isRecord, type KubeObject } from './kube-object.js';
import {
  collectionPathOf,
  objectPathOf,
  resourcePathCodes,
  type ResourceInfo,
  type ResourcePaths,
} from './resource-paths.js';
import { checkTarget, type TargetPolicy } from './target-policy.js';

/** The node a resource belongs to: its tracking labels and owner reference name it. */
export interface NodeRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /**
   * The node carries the deletion-protection mark: every object it writes carries it too, so
   * the admission policy denies their DELETE as well (SPEC H8).
   */
  readonly marked?: boolean;
  /** The row's uid (`spec.uid`), for the allowed cluster name patterns (SPEC N16). */
  readonly rowUid?: string;
}

/** The policies of one resource entry (SPEC §1) that decide how it is written. */
export interface ResourcePolicies {
  readonly creationPolicy: CreationPolicy;
  readonly deletionPolicy: DeletionPolicy;
  readonly conflictPolicy: ConflictPolicy;
  readonly patchStrategy: PatchStrategy;
  /**
   * The resource's half of the double opt-in for taking over a cluster-scoped object Lynq did
   * not create (SPEC N6). Default false.
   */
  readonly allowClusterScopedTakeover?: boolean;
  /** Delete an adopted object (taken over with Force) under `deletionPolicy: Delete` (SPEC N6). */
  readonly deleteAdopted?: boolean;
  /** JSONPaths left to other field managers on update (SPEC N11). */
  readonly ignoreFields?: readonly string[];
  /** Delete and re-create an object whose update changes an immutable field (SPEC N15). */
  readonly recreateOnImmutableChange?: boolean;
}

/** What the resource adapters (apply, delete, release) need: one transport and the REST mapping. */
export interface ResourceWriteDeps {
  readonly transport: KubeTransport;
  readonly paths: ResourcePaths;
  /** Bound of each request. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface ApplyRequest {
  readonly node: NodeRef;
  readonly manifest: RenderedManifest;
  readonly policies: ResourcePolicies;
  /** The hash recorded in status when this resource was last applied (SPEC N13). */
  readonly lastAppliedHash?: string | undefined;
  /**
   * Whether the caller saw the live object drift (see `observedDrift`). With an equal hash and no
   * drift nothing is sent at all; explicitly `false` also skips the write when the live object
   * already carries the desired hash (a status that lagged behind a write). Default: unknown,
   * treated as no drift for the hash comparison only.
   */
  readonly drifted?: boolean | undefined;
  /**
   * With `drifted: false`: the fields of the manifest Lynq owned after its last write (see
   * `ownedManifestFields`); a live object where Lynq owns fewer is written although it carries
   * the desired hash (another manager took some, SPEC N12).
   */
  readonly minOwned?: number | undefined;
  /** The operator's allow-lists (SPEC N16); absent = no check (the caller checked). */
  readonly targets?: TargetPolicy | undefined;
  /**
   * A Job whose run for this desired object already completed (SPEC N7): when it is gone
   * (removed by its TTL or by hand) it is not created again. Default false.
   */
  readonly completed?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type ApplyState = 'applied' | 'unchanged' | 'created' | 'conflict' | 'failed';

/** Reasons of outcomes besides the Kubernetes Status reasons (`Forbidden`, `NotFound`, `Invalid`…). */
export const applyReasons = {
  created: 'Created',
  applied: 'Applied',
  adopted: 'Adopted',
  reheld: 'Reheld',
  unchanged: 'Unchanged',
  createdOnce: 'CreatedOnce',
  completed: 'Completed',
  marked: 'Marked',
  unmarked: 'Unmarked',
  ownerConflict: conditionReasons.ownerConflict,
  resourceConflict: conditionReasons.resourceConflict,
  targetNotAllowed: conditionReasons.targetNotAllowed,
  unknownKind: resourcePathCodes.unknownKind,
  terminating: 'Terminating',
  applyError: conditionReasons.applyError,
} as const;

/** The result of one apply; per-resource failures are outcomes, never exceptions. */
export interface ApplyOutcome {
  readonly state: ApplyState;
  readonly reason: string;
  readonly message: string;
  /** The object as the server returned or showed it, when one was read or written. */
  readonly object?: KubeObject;
  /** For conflicts: who holds the object (`node ns/name`, field managers, owner). */
  readonly conflictWith?: string;
  /** For failures: whether retrying without a change can help (transient, raced). */
  readonly retryable?: boolean;
}

/** Who holds a live object, as far as Lynq is concerned. */
export type Holder =
  | { readonly by: 'self' }
  | { readonly by: 'node'; readonly node: string }
  | { readonly by: 'none' };

/** `namespace/name` of a node: the value of `orphaned-from` and `created-by`. */
export const nodeKey = (node: Pick<NodeRef, 'namespace' | 'name'>): string =>
  `${node.namespace}/${node.name}`;

/**
 * Whether this node created `live` (its `lynq.sh/created-by` names the node). Only such objects
 * are deleted by default; everything else the node holds was adopted (SPEC N6). Pure.
 */
export const createdBy = (live: KubeObject, node: Pick<NodeRef, 'namespace' | 'name'>): boolean =>
  live.metadata.annotations?.[annotationKeys.createdBy] === nodeKey(node);

/**
 * Annotations only the operator may write: a form that sets them could make Lynq believe it
 * created an object it took over (and so delete it), or re-hold another node's release.
 */
const reservedAnnotations: readonly string[] = [
  annotationKeys.createdBy,
  annotationKeys.orphanedFrom,
  annotationKeys.orphanedAt,
  annotationKeys.orphanedReason,
];

const without = (map: Record<string, string>, keys: readonly string[]): Record<string, string> =>
  Object.fromEntries(Object.entries(map).filter(([key]) => !keys.includes(key)));

/** The controller owner reference to the node; `blockOwnerDeletion` keeps the node until the object is gone. */
const nodeOwnerReference = (node: NodeRef) => ({
  apiVersion: groupVersion,
  kind: 'LynqNode',
  name: node.name,
  uid: node.uid,
  controller: true,
  blockOwnerDeletion: true,
});

/**
 * SPEC N4: only a namespaced object in the node's own namespace with `deletionPolicy: Delete`
 * gets an owner reference; cross-namespace, cluster-scoped and `Retain` objects never do
 * (Kubernetes garbage-collects cross-namespace dependents at once, and Retain must survive).
 */
export const wantsOwnerReference = (
  namespace: string | undefined,
  node: NodeRef,
  deletionPolicy: DeletionPolicy,
): boolean =>
  namespace !== undefined && namespace === node.namespace && deletionPolicy === 'Delete';

/**
 * Who holds `live`: this node (its tracking labels, it released the object and left the
 * `orphaned-from` mark, or it created the object), another node (labels naming another node),
 * or nobody. Pure.
 */
export const holderOf = (live: KubeObject, node: NodeRef): Holder => {
  const labels = live.metadata.labels ?? {};
  const name = labels[labelKeys.node];
  const namespace = labels[labelKeys.nodeNamespace];
  if (name !== undefined || namespace !== undefined) {
    return name === node.name && namespace === node.namespace
      ? { by: 'self' }
      : { by: 'node', node: `${namespace ?? '?'}/${name ?? '?'}` };
  }
  // Released by this node, or created by it and stripped of its labels: still this node's.
  const orphanedFrom = live.metadata.annotations?.[annotationKeys.orphanedFrom];
  return orphanedFrom === nodeKey(node) || createdBy(live, node) ? { by: 'self' } : { by: 'none' };
};

/** Whether `live` carries the orphan markers of a release (SPEC N10). */
export const isOrphaned = (live: KubeObject): boolean =>
  live.metadata.labels?.[labelKeys.orphaned] !== undefined ||
  live.metadata.annotations?.[annotationKeys.orphanedFrom] !== undefined;

/**
 * Whether the node must look at its object again although the desired hash did not change
 * (SPEC N13): it is gone, not held by the node, carries orphan markers, or (for `WhenNeeded`)
 * its desired-hash annotation is not this manifest's hash. Field-level drift (N12) is the
 * caller's to add. Pure.
 */
export const observedDrift = (
  live: KubeObject | undefined,
  node: NodeRef,
  manifest: Pick<RenderedManifest, 'hash'>,
  creationPolicy: CreationPolicy,
): boolean => {
  if (live === undefined) return true;
  const labels = live.metadata.labels ?? {};
  if (labels[labelKeys.node] !== node.name || labels[labelKeys.nodeNamespace] !== node.namespace) {
    return true;
  }
  if (isOrphaned(live)) return true;
  return (
    creationPolicy === 'WhenNeeded' &&
    live.metadata.annotations?.[annotationKeys.desiredHash] !== manifest.hash
  );
};

const recordOf = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(recordOf(value))) if (typeof v === 'string') out[k] = v;
  return out;
};

const ownerReferencesOf = (
  obj: KubeObject | Record<string, unknown>,
): Record<string, unknown>[] => {
  const metadata = recordOf(obj['metadata']);
  const refs = metadata['ownerReferences'];
  return Array.isArray(refs) ? (refs as unknown[]).filter(isRecord) : [];
};

/**
 * The object Lynq writes: the rendered manifest with its namespace fixed by the server's scope,
 * the tracking labels and annotations (SPEC N4), the desired hash (N13), `created-once` under
 * `Once` (N7), and the owner reference where N4 wants one (the manifest's own owner references
 * are kept). Pure.
 */
export const desiredObject = (
  manifest: RenderedManifest,
  namespaced: boolean,
  node: NodeRef,
  policies: Pick<ResourcePolicies, 'creationPolicy' | 'deletionPolicy'>,
): Record<string, unknown> => {
  const object = manifestObject(manifest);
  const metadata = { ...recordOf(object['metadata']) };
  metadata['name'] = manifest.name;
  const namespace = namespaced ? (manifest.namespace ?? node.namespace) : undefined;
  if (namespace === undefined) delete metadata['namespace'];
  else metadata['namespace'] = namespace;
  metadata['labels'] = {
    // The orphan label is the operator's to set (N10): a form's own would read as a release.
    ...without(stringMap(metadata['labels']), [labelKeys.orphaned]),
    [labelKeys.node]: node.name,
    [labelKeys.nodeNamespace]: node.namespace,
    ...(node.marked === true ? { [labelKeys.deletionProtection]: 'true' } : {}),
  };
  metadata['annotations'] = {
    ...without(stringMap(metadata['annotations']), reservedAnnotations),
    [annotationKeys.deletionPolicy]: policies.deletionPolicy,
    [annotationKeys.desiredHash]: manifest.hash,
    ...(policies.creationPolicy === 'Once' ? { [annotationKeys.createdOnce]: 'true' } : {}),
  };
  const ownRefs = ownerReferencesOf({ metadata }).filter((ref) => ref['uid'] !== node.uid);
  const refs = wantsOwnerReference(namespace, node, policies.deletionPolicy)
    ? [...ownRefs, nodeOwnerReference(node)]
    : ownRefs;
  if (refs.length > 0) metadata['ownerReferences'] = refs;
  else delete metadata['ownerReferences'];
  return { ...object, metadata };
};

/**
 * The owner references to write over `live` by a whole-list write (merge patch, PUT): every live
 * reference that is not to this node, then the desired ones. Pure.
 */
const mergedOwnerReferences = (
  desired: Record<string, unknown>,
  live: KubeObject,
  node: NodeRef,
): Record<string, unknown>[] => {
  const desiredRefs = ownerReferencesOf(desired);
  const desiredUids = new Set(desiredRefs.map((ref) => ref['uid']));
  const foreign = ownerReferencesOf(live).filter(
    (ref) => ref['uid'] !== node.uid && !desiredUids.has(ref['uid']),
  );
  return [...foreign, ...desiredRefs];
};

const withMetadata = (
  desired: Record<string, unknown>,
  extra: Record<string, unknown>,
): Record<string, unknown> => ({
  ...desired,
  metadata: { ...recordOf(desired['metadata']), ...extra },
});

/** The creation record as POSTed: the desired object with `lynq.sh/created-by` naming the node. */
export const creationBody = (
  desired: Record<string, unknown>,
  node: NodeRef,
): Record<string, unknown> => {
  const metadata = recordOf(desired['metadata']);
  return withMetadata(desired, {
    annotations: {
      ...stringMap(metadata['annotations']),
      [annotationKeys.createdBy]: nodeKey(node),
    },
  });
};

/**
 * `desired` carrying the live creation record unchanged, so a write that sets whole
 * annotations (an apply that owns the key, a replace) neither drops nor alters it.
 */
const keepingCreationRecord = (
  desired: Record<string, unknown>,
  live: KubeObject,
): Record<string, unknown> => {
  const record = live.metadata.annotations?.[annotationKeys.createdBy];
  if (record === undefined) return desired;
  const metadata = recordOf(desired['metadata']);
  return withMetadata(desired, {
    annotations: { ...stringMap(metadata['annotations']), [annotationKeys.createdBy]: record },
  });
};

/**
 * The body of an update by `strategy` over `live`, each carrying `live`'s resourceVersion as the
 * precondition: `apply` is the desired object (SSA merges lists by key itself); `merge` a JSON
 * merge patch with the owner references merged (merge patches replace lists); `replace` the
 * whole object keeping live foreign owner references and all live finalizers. The live creation
 * record (`lynq.sh/created-by`) is kept as it is by every strategy. Pure.
 */
export const updateBody = (
  strategy: PatchStrategy,
  desiredObject: Record<string, unknown>,
  live: KubeObject,
  node: NodeRef,
): Record<string, unknown> => {
  const resourceVersion = live.metadata.resourceVersion;
  const desired = keepingCreationRecord(desiredObject, live);
  switch (strategy) {
    case 'apply':
      return withMetadata(desired, { resourceVersion });
    case 'merge': {
      const refs = mergedOwnerReferences(desired, live, node);
      const desiredLabels = recordOf(recordOf(desired['metadata'])['labels']);
      // A merge patch keeps labels it does not name: a lifted mark is removed by name.
      const unmark =
        node.marked !== true && live.metadata.labels?.[labelKeys.deletionProtection] !== undefined
          ? { labels: { ...desiredLabels, [labelKeys.deletionProtection]: null } }
          : {};
      return withMetadata(desired, {
        resourceVersion,
        ownerReferences: refs.length > 0 ? refs : null,
        ...unmark,
      });
    }
    case 'replace': {
      const refs = mergedOwnerReferences(desired, live, node);
      const desiredFinalizers = recordOf(desired['metadata'])['finalizers'];
      const finalizers = [
        ...(Array.isArray(desiredFinalizers) ? (desiredFinalizers as unknown[]) : []),
        ...(live.metadata.finalizers ?? []),
      ].filter((f, i, all): f is string => typeof f === 'string' && all.indexOf(f) === i);
      const metadata: Record<string, unknown> = {
        ...recordOf(desired['metadata']),
        resourceVersion,
      };
      if (refs.length > 0) metadata['ownerReferences'] = refs;
      else delete metadata['ownerReferences'];
      if (finalizers.length > 0) metadata['finalizers'] = finalizers;
      else delete metadata['finalizers'];
      return { ...desired, metadata };
    }
  }
};

/** The suffix a marked node's desired hashes carry (SPEC H8): a change of the mark changes them. */
const markedHashSuffix = '.protected';

/** The desired hash of an object of a marked node. */
export const markedHash = (hash: string): string => `${hash}${markedHashSuffix}`;

const isMarkedHash = (hash: string): boolean => hash.endsWith(markedHashSuffix);

/** The desired hash without the protection mark: what the form asks for, marked or not. */
export const unmarkedHash = (hash: string): string =>
  isMarkedHash(hash) ? hash.slice(0, -markedHashSuffix.length) : hash;

/** A JSON pointer token: `~` and `/` escaped (RFC 6901). */
export const pointerToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The JSON patch that re-holds an object this node released (SPEC N10): it tests that the object
 * is the one read and still marked as released by this node, removes the orphan markers, and
 * puts back the tracking labels and, where N4 wants one, the owner reference. The following
 * write sets everything else. Pure.
 */
export const reholdPatch = (
  live: KubeObject,
  node: NodeRef,
  wantsOwner: boolean,
): JsonPatchOperation[] => {
  const labels = live.metadata.labels ?? {};
  const annotations = live.metadata.annotations ?? {};
  const ops: JsonPatchOperation[] = [
    { op: 'test', path: '/metadata/uid', value: live.metadata.uid },
    {
      op: 'test',
      path: `/metadata/annotations/${pointerToken(annotationKeys.orphanedFrom)}`,
      value: nodeKey(node),
    },
  ];
  for (const key of [
    annotationKeys.orphanedFrom,
    annotationKeys.orphanedAt,
    annotationKeys.orphanedReason,
  ]) {
    if (annotations[key] !== undefined) {
      ops.push({ op: 'remove', path: `/metadata/annotations/${pointerToken(key)}` });
    }
  }
  if (live.metadata.labels === undefined)
    ops.push({ op: 'add', path: '/metadata/labels', value: {} });
  if (labels[labelKeys.orphaned] !== undefined) {
    ops.push({ op: 'remove', path: `/metadata/labels/${pointerToken(labelKeys.orphaned)}` });
  }
  ops.push(
    { op: 'add', path: `/metadata/labels/${pointerToken(labelKeys.node)}`, value: node.name },
    {
      op: 'add',
      path: `/metadata/labels/${pointerToken(labelKeys.nodeNamespace)}`,
      value: node.namespace,
    },
  );
  const refs = ownerReferencesOf(live);
  if (wantsOwner && !refs.some((ref) => ref['uid'] === node.uid)) {
    ops.push(
      refs.length === 0 && live.metadata['ownerReferences'] === undefined
        ? { op: 'add', path: '/metadata/ownerReferences', value: [nodeOwnerReference(node)] }
        : { op: 'add', path: '/metadata/ownerReferences/-', value: nodeOwnerReference(node) },
    );
  }
  return ops;
};

/**
 * Who else claims an object no node holds, for the `ResourceConflict` message: its field
 * managers other than Lynq's and its controller owner. Pure.
 */
export const otherClaimants = (live: KubeObject): string => {
  const managers = [
    ...new Set(
      (live.metadata.managedFields ?? [])
        .map((entry) => entry.manager)
        .filter(
          (m): m is string =>
            typeof m === 'string' && m !== fieldManagers.resources && m !== fieldManagers.release,
        ),
    ),
  ];
  const controller = ownerReferencesOf(live).find((ref) => ref['controller'] === true);
  const parts = [
    ...(managers.length > 0 ? [`field managers ${managers.join(', ')}`] : []),
    ...(controller === undefined
      ? []
      : [`controller ${String(controller['kind'])}/${String(controller['name'])}`]),
  ];
  return parts.length > 0 ? parts.join('; ') : 'unknown (no field managers recorded)';
};

/** Where an object no node holds came from, for a refusal: another node's creation, or outside Lynq. */
const creatorOf = (live: KubeObject): string => {
  const record = live.metadata.annotations?.[annotationKeys.createdBy];
  return record === undefined
    ? `was created outside Lynq (${otherClaimants(live)})`
    : `was created by node ${record} and released`;
};

const describe = (info: ResourceInfo, namespace: string | undefined, name: string): string =>
  `${info.kind} ${namespace === undefined ? name : `${namespace}/${name}`}`;

const isAbort = (err: unknown, signal: AbortSignal | undefined): boolean =>
  signal?.aborted === true || (err instanceof Error && err.name === 'AbortError');

/** A failed outcome for an error of a request; aborts are rethrown by the caller, not turned into outcomes. */
/**
 * Refusals that depend on the cluster rather than on the form: a target namespace not created
 * yet, a CRD not installed yet, a permission not granted yet. They are retried with the node's
 * backoff (capped at minutes), so the node recovers by itself once the cluster catches up.
 */
const environmentCodes: ReadonlySet<string> = new Set([
  apiErrorCodes.notFound,
  apiErrorCodes.forbidden,
  resourcePathCodes.unknownKind,
]);

export const failedOutcome = (err: unknown): ApplyOutcome => {
  // An outage is nothing the resource did: it says so, and is retried (issue 9).
  if (isApiServerUnreachable(err)) {
    return {
      state: 'failed',
      reason: conditionReasons.kubernetesUnreachable,
      message: messageOf(err),
      retryable: true,
    };
  }
  if (err instanceof LynqError) {
    const statusReason = err.details['reason'];
    const reason =
      err.code === resourcePathCodes.unknownKind
        ? applyReasons.unknownKind
        : typeof statusReason === 'string' && statusReason !== ''
          ? statusReason
          : err.code === apiErrorCodes.forbidden
            ? 'Forbidden'
            : applyReasons.applyError;
    return {
      state: 'failed',
      reason,
      message: err.message,
      retryable: err.kind !== errorKinds.invalidSpec || environmentCodes.has(err.code),
    };
  }
  return {
    state: 'failed',
    reason: applyReasons.applyError,
    message: messageOf(err),
    retryable: true,
  };
};

/** Raw writes the ApiClient does not offer: POST and PUT with a field manager. */
const writer = (deps: ResourceWriteDeps, signal: AbortSignal | undefined) => {
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const send = async (method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown> => {
    const full = `${path}?fieldManager=${fieldManagers.resources}`;
    const res = await deps.transport.request({
      method,
      path: full,
      body,
      timeoutMs,
      ...(signal === undefined ? {} : { signal }),
    });
    if (res.status !== 200 && res.status !== 201) throw apiError(`${method} ${path}`, res);
    return res.body;
  };
  return { send };
};

/** Reads the object; the answer narrowed to a KubeObject (a malformed body counts as absent). */
const readLive = async (
  client: ApiClient,
  path: string,
  signal: AbortSignal | undefined,
): Promise<KubeObject | undefined> => asKubeObject(await client.get(path, signal));

/** How often one apply re-reads after losing a race (AlreadyExists, a stale resourceVersion). */
const maxAttempts = 4;

/**
 * Applies one rendered object for a node and says what happened. Guarantees: an object held by
 * another node is never written (`OwnerConflict`); an existing object no node holds is written
 * only under `conflictPolicy: Force` (else `ResourceConflict`, untouched); an absent object is
 * created by POST, so of two nodes racing for it exactly one wins; every later write carries the
 * resourceVersion it was decided on; an apply is forced only when this node holds the object or
 * under `Force`; `Once` objects are only ever created (and re-held); an equal hash without drift
 * sends nothing; a gone Job whose run completed (`completed`) is not created again (N7). Never throws for a per-resource failure (RBAC, unknown kind, missing namespace,
 * invalid object, API errors): those are `failed` outcomes. Rethrows only an abort of `signal`.
 */
export const applyResource = async (
  deps: ResourceWriteDeps,
  req: ApplyRequest,
): Promise<ApplyOutcome> => {
  const { node, manifest, policies, signal } = req;
  if (req.targets !== undefined) {
    const verdict = checkTarget(
      manifest,
      { namespace: node.namespace, rowUid: node.rowUid ?? '' },
      req.targets,
    );
    if (!verdict.allowed) {
      return {
        state: 'failed',
        reason: verdict.reason,
        message: verdict.message,
        retryable: false,
      };
    }
  }
  const drifted = req.drifted === true;
  if (req.lastAppliedHash !== undefined && !drifted) {
    if (req.lastAppliedHash === manifest.hash) {
      return {
        state: 'unchanged',
        reason: applyReasons.unchanged,
        message: 'the desired hash equals the hash last applied',
      };
    }
    // A `Once` object is never updated, except for the deletion-protection mark (SPEC H8).
    if (
      policies.creationPolicy === 'Once' &&
      isMarkedHash(req.lastAppliedHash) === isMarkedHash(manifest.hash)
    ) {
      return {
        state: 'unchanged',
        reason: applyReasons.createdOnce,
        message: 'created once; never updated',
      };
    }
  }
  try {
    return await applyLoop(deps, req);
  } catch (err) {
    if (isAbort(err, signal)) throw err;
    return failedOutcome(err);
  }
};

const applyLoop = async (deps: ResourceWriteDeps, req: ApplyRequest): Promise<ApplyOutcome> => {
  const { node, manifest, policies, signal } = req;
  const client = createApiClient(deps.transport, deps.timeoutMs ?? 30_000);
  const { send } = writer(deps, signal);
  const info = await deps.paths.resolve(manifest.apiVersion, manifest.kind, signal);
  const desired = desiredObject(manifest, info.namespaced, node, policies);
  const namespace = info.namespaced ? (manifest.namespace ?? node.namespace) : undefined;
  const path = objectPathOf(info, namespace, manifest.name);
  const what = describe(info, namespace, manifest.name);
  const wantsOwner = wantsOwnerReference(namespace, node, policies.deletionPolicy);
  let reheld = false;

  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const live = await readLive(client, path, signal);
    if (live === undefined && req.completed === true) {
      return {
        state: 'unchanged',
        reason: applyReasons.completed,
        message: `${what} completed and is gone; a finished Job is never run again`,
      };
    }
    if (live === undefined) {
      try {
        const created = asKubeObject(
          await send('POST', collectionPathOf(info, namespace), creationBody(desired, node)),
        );
        return {
          state: 'created',
          reason: applyReasons.created,
          message: `created ${what}`,
          ...(created === undefined ? {} : { object: created }),
        };
      } catch (err) {
        // Another writer created it first: read it and decide again (N6 race).
        if (err instanceof LynqError && err.code === apiErrorCodes.alreadyExists) continue;
        throw err;
      }
    }

    const holder = holderOf(live, node);
    if (holder.by === 'node') {
      return {
        state: 'conflict',
        reason: applyReasons.ownerConflict,
        message: `${what} is held by node ${holder.node}`,
        conflictWith: `node ${holder.node}`,
        object: live,
      };
    }
    if (holder.by === 'none' && policies.conflictPolicy === 'Stuck') {
      const others = otherClaimants(live);
      return {
        state: 'conflict',
        reason: applyReasons.resourceConflict,
        message: `${what} exists and no node holds it (${others}); conflictPolicy Stuck leaves it untouched`,
        conflictWith: others,
        object: live,
      };
    }
    if (holder.by === 'none' && !info.namespaced && !createdBy(live, node)) {
      const optedIn =
        req.targets?.allowClusterScopedTakeover === true &&
        policies.allowClusterScopedTakeover === true;
      if (!optedIn) {
        const origin = creatorOf(live);
        return {
          state: 'conflict',
          reason: applyReasons.resourceConflict,
          message: `${what} ${origin}; a cluster-scoped object is never taken over unless the operator runs with --allow-cluster-scoped-takeover and the resource sets allowClusterScopedTakeover: true`,
          conflictWith: origin,
          object: live,
        };
      }
    }
    if (live.metadata.deletionTimestamp !== undefined) {
      return {
        state: 'failed',
        reason: applyReasons.terminating,
        message: `${what} is being deleted; it is written again once it is gone`,
        object: live,
        retryable: true,
      };
    }
    if (holder.by === 'self' && isOrphaned(live)) {
      // Re-holding a released object: markers off, tracking back, then the usual write.
      try {
        await client.patch(path, patchTypes.json, reholdPatch(live, node, wantsOwner), {
          fieldManager: fieldManagers.resources,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (err) {
        // A failed test: the object changed since it was read; read it again.
        if (err instanceof LynqError && err.code === apiErrorCodes.invalid) continue;
        throw err;
      }
      reheld = true;
      continue;
    }
    if (
      holder.by === 'self' &&
      !reheld &&
      req.drifted === false &&
      policies.creationPolicy === 'WhenNeeded' &&
      live.metadata.annotations?.[annotationKeys.desiredHash] === manifest.hash &&
      (req.minOwned === undefined ||
        ownedManifestFields(live, manifest, policies.ignoreFields) >= req.minOwned)
    ) {
      // The write happened but its record did not (a restart between write and status): the
      // caller saw no drift, and the object already carries this hash.
      return {
        state: 'unchanged',
        reason: applyReasons.unchanged,
        message: `${what} already carries the desired hash`,
        object: live,
      };
    }
    if (
      holder.by === 'self' &&
      policies.creationPolicy === 'Once' &&
      (live.metadata.labels?.[labelKeys.deletionProtection] === 'true') !== (node.marked === true)
    ) {
      // The mark follows the node's even on an object that is otherwise never updated.
      const mark = `/metadata/labels/${pointerToken(labelKeys.deletionProtection)}`;
      try {
        await client.patch(
          path,
          patchTypes.json,
          [
            { op: 'test', path: '/metadata/uid', value: live.metadata.uid },
            node.marked === true
              ? { op: 'add', path: mark, value: 'true' }
              : { op: 'remove', path: mark },
          ],
          { fieldManager: fieldManagers.resources, ...(signal === undefined ? {} : { signal }) },
        );
      } catch (err) {
        if (err instanceof LynqError && err.code === apiErrorCodes.invalid) continue;
        throw err;
      }
      return {
        state: 'applied',
        reason: node.marked === true ? applyReasons.marked : applyReasons.unmarked,
        message: `${node.marked === true ? 'marked' : 'unmarked'} ${what} (created once; only the deletion-protection mark follows the node)`,
        object: live,
      };
    }
    if (holder.by === 'self' && policies.creationPolicy === 'Once') {
      return reheld
        ? {
            state: 'applied',
            reason: applyReasons.reheld,
            message: `re-held ${what}`,
            object: live,
          }
        : {
            state: 'unchanged',
            reason: applyReasons.createdOnce,
            message: `${what} was created once; never updated`,
            object: live,
          };
    }

    // Held by this node, or taken over under Force: the strategy's write, on this resourceVersion.
    const ignored = ignoredPaths(policies.ignoreFields ?? []);
    const body =
      ignored.length === 0
        ? updateBody(policies.patchStrategy, desired, live, node)
        : withIgnoredFields(
            updateBody(policies.patchStrategy, desired, live, node),
            live,
            ignored,
            policies.patchStrategy,
          );
    const adopting = holder.by === 'none' && !createdBy(live, node);
    try {
      const written = await writeBy(policies.patchStrategy, client, send, path, body, signal);
      return {
        state: 'applied',
        reason: reheld
          ? applyReasons.reheld
          : adopting
            ? applyReasons.adopted
            : applyReasons.applied,
        message: `${reheld ? 're-held' : adopting ? 'adopted' : holder.by === 'none' ? 'took back' : 'applied'} ${what} (${policies.patchStrategy})`,
        ...(written === undefined ? {} : { object: written }),
      };
    } catch (err) {
      // A stale resourceVersion: someone wrote in between; decide again on a fresh read.
      if (err instanceof LynqError && err.code === apiErrorCodes.conflict) continue;
      const immutable = immutableFieldsOf(err);
      if (immutable.length === 0) throw err;
      return {
        ...(await handleImmutableChange({
          transport: deps.transport,
          path,
          what,
          fields: immutable,
          // Only what this node created is deleted to be re-created (N6).
          recreate: policies.recreateOnImmutableChange === true && createdBy(live, node),
          timeoutMs: deps.timeoutMs ?? 30_000,
          signal,
        })),
        object: live,
      };
    }
  }
  return {
    state: 'failed',
    reason: 'Conflict',
    message: `${what} kept changing while it was written; retrying later`,
    retryable: true,
  };
};

const writeBy = async (
  strategy: PatchStrategy,
  client: ApiClient,
  send: (method: 'POST' | 'PUT', path: string, body: unknown) => Promise<unknown>,
  path: string,
  body: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<KubeObject | undefined> => {
  const options = {
    fieldManager: fieldManagers.resources,
    ...(signal === undefined ? {} : { signal }),
  };
  switch (strategy) {
    case 'apply':
      // Reached only when this node holds the object or under Force (SPEC N5).
      return asKubeObject(
        await client.patch(path, patchTypes.apply, body, { ...options, force: true }),
      );
    case 'merge':
      return asKubeObject(await client.patch(path, patchTypes.merge, body, options));
    case 'replace':
      return asKubeObject(await send('PUT', path, body));
  }
};
