// Who holds a live object as far as Lynq is concerned, and who else claims it (SPEC N4, N6, N10, N12, N13).
import { annotationKeys, fieldManagers, labelKeys } from '../api/metadata-keys.js';
import type { CreationPolicy } from '../api/lynq-form.schema.js';
import type { RenderedManifest } from '../render/render-types.js';
import type { Holder, OwningNode } from './apply-contract.js';
import { isRecord, type KubeObject } from './kube-object.js';

/** `namespace/name` of a node: the value of `orphaned-from` and `created-by`. */
export const nodeKey = (node: Pick<OwningNode, 'namespace' | 'name'>): string =>
  `${node.namespace}/${node.name}`;

/**
 * Whether this node created `live` (its `lynq.sh/created-by` names the node). Only such objects
 * are deleted by default; everything else the node holds was adopted (SPEC N6). Pure.
 */
export const createdBy = (
  live: KubeObject,
  node: Pick<OwningNode, 'namespace' | 'name'>,
): boolean => live.metadata.annotations?.[annotationKeys.createdBy] === nodeKey(node);

/**
 * Whether `live`'s tracking labels name this node: what the node applied and still tracks. Only
 * such objects are deleted or taken as unchanged; `holderOf` says who holds an object beyond that
 * (released, or created and stripped of its labels). Pure.
 */
export const isTrackedBy = (
  live: KubeObject,
  node: Pick<OwningNode, 'namespace' | 'name'>,
): boolean =>
  live.metadata.labels?.[labelKeys.node] === node.name &&
  live.metadata.labels[labelKeys.nodeNamespace] === node.namespace;

/**
 * Who holds `live`: this node (its tracking labels, it released the object and left the
 * `orphaned-from` mark, or it created the object), another node (labels naming another node),
 * or nobody. Pure.
 */
export const holderOf = (live: KubeObject, node: OwningNode): Holder => {
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
  node: OwningNode,
  manifest: Pick<RenderedManifest, 'hash'>,
  creationPolicy: CreationPolicy,
): boolean => {
  if (live === undefined) return true;
  if (!isTrackedBy(live, node) || isOrphaned(live)) return true;
  return (
    creationPolicy === 'WhenNeeded' &&
    live.metadata.annotations?.[annotationKeys.desiredHash] !== manifest.hash
  );
};

const recordOf = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});

/** The owner references of an object or of a body to write; malformed entries are left out. */
export const ownerReferencesOf = (
  obj: KubeObject | Record<string, unknown>,
): Record<string, unknown>[] => {
  const metadata = recordOf(obj['metadata']);
  const refs = metadata['ownerReferences'];
  return Array.isArray(refs) ? (refs as unknown[]).filter(isRecord) : [];
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
export const creatorOf = (live: KubeObject): string => {
  const record = live.metadata.annotations?.[annotationKeys.createdBy];
  return record === undefined
    ? `was created outside Lynq (${otherClaimants(live)})`
    : `was created by node ${record} and released`;
};
