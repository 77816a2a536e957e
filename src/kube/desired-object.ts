// The object Lynq writes for a rendered manifest, and the bodies of its create, update and re-hold (SPEC N4, N5, N7, N10, N13, H8).
import { groupVersion } from '../api/crd-builder.js';
import type { DeletionPolicy, PatchStrategy } from '../api/lynq-form.schema.js';
import { annotationKeys, labelKeys } from '../api/metadata-keys.js';
import { manifestObject, type RenderedManifest } from '../render/render-types.js';
import type { JsonPatchOperation } from './api-client.js';
import type { OwningNode, ResourcePolicies } from './apply-contract.js';
import { isRecord, type KubeObject } from './kube-object.js';
import { nodeKey, ownerReferencesOf } from './resource-holder.js';

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
const nodeOwnerReference = (node: OwningNode) => ({
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
  node: OwningNode,
  deletionPolicy: DeletionPolicy,
): boolean =>
  namespace !== undefined && namespace === node.namespace && deletionPolicy === 'Delete';

const recordOf = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

const stringMap = (value: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(recordOf(value))) if (typeof v === 'string') out[k] = v;
  return out;
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
  node: OwningNode,
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
  node: OwningNode,
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
  node: OwningNode,
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
  node: OwningNode,
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

export const isMarkedHash = (hash: string): boolean => hash.endsWith(markedHashSuffix);

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
  node: OwningNode,
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
