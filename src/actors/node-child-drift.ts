// Whether a watch's report on one of a node's objects is drift the node must repair (SPEC N7, N12, N13).
import { annotationKeys, labelKeys } from '../api/metadata-keys.js';
import { isOrphaned, type OwningNode } from '../kube/apply-resource.js';
import type { ChildChange } from '../kube/child-watcher.js';
import type { DriftedResource } from '../machines/node.machine.js';
import { ownedFieldCount } from '../kube/field-ownership.js';
import { heldResourcesOf, type HeldPlan, type HeldResource } from './held-plan.js';
import type { NodePlan } from './node-render.actor.js';

/** The resource of the current render that names the changed object, with the object's identity. */
export const plannedFor = (
  change: ChildChange,
  node: Pick<OwningNode, 'namespace'>,
  plan: NodePlan | HeldPlan | undefined,
): { planned: HeldResource; resource: DriftedResource } | undefined => {
  const { metadata } = change.object;
  const namespace =
    metadata.namespace === undefined || metadata.namespace === '' ? undefined : metadata.namespace;
  const planned = heldResourcesOf(plan, node.namespace).find(
    (r) =>
      r.apiVersion === change.apiVersion &&
      r.kind === change.kind &&
      r.name === metadata.name &&
      r.namespace === namespace,
  );
  if (planned === undefined) return undefined;
  const resource: DriftedResource = {
    apiVersion: change.apiVersion,
    kind: change.kind,
    ...(namespace === undefined ? {} : { namespace }),
    name: metadata.name,
  };
  return { planned, resource };
};

/**
 * The object to repair, or `undefined` when the change needs nothing. Only objects of the
 * current render count (one that left the form is the node's own doing, N10). Drift is: the
 * object is gone (also `Once`, N7); its tracking labels no longer name this node; it carries
 * orphan markers; or, for `WhenNeeded`, its desired-hash annotation is neither the hash this
 * process last applied nor the one being applied (so the node's own writes are never drift,
 * N13). Without a remembered hash (after a restart) only the first pass decides. An object being
 * deleted is drift once it is gone. Pure.
 */
export const childDrift = (
  change: ChildChange,
  node: Pick<OwningNode, 'namespace' | 'name'>,
  plan: NodePlan | HeldPlan | undefined,
  /** The hash this process last applied for resource `id` to the object `identity`. */
  lastAppliedHash: (id: string, identity: DriftedResource) => string | undefined,
): DriftedResource | undefined => {
  const found = plannedFor(change, node, plan);
  if (found === undefined) return undefined;
  const { planned, resource } = found;
  const { metadata } = change.object;
  if (change.type === 'deleted') return resource;
  if (metadata.deletionTimestamp !== undefined) return undefined;
  const labels = metadata.labels ?? {};
  if (labels[labelKeys.node] !== node.name || labels[labelKeys.nodeNamespace] !== node.namespace)
    return resource;
  if (isOrphaned(change.object)) return resource;
  if (planned.creationPolicy !== 'WhenNeeded') return undefined;
  const known = lastAppliedHash(planned.id, resource);
  const live = metadata.annotations?.[annotationKeys.desiredHash];
  return known !== undefined && live !== known && live !== planned.hash ? resource : undefined;
};

/**
 * The object to repair when another field manager took fields Lynq set (SPEC N12: a forced
 * apply, or an update that changed a value Lynq owns), else `undefined`. Judged by ownership,
 * never by values the server defaults or normalises: fewer of the manifest's fields owned by
 * Lynq than right after its last write. Only `WhenNeeded` objects held by this node, of the
 * current render, with a known count. Pure.
 */
export const ownershipDrift = (
  change: ChildChange,
  node: Pick<OwningNode, 'namespace' | 'name'>,
  plan: NodePlan | HeldPlan | undefined,
  /** The fields Lynq owned after its last write of resource `id` to `identity`. */
  lastOwned: (id: string, identity: DriftedResource) => number | undefined,
): DriftedResource | undefined => {
  if (change.type === 'deleted') return undefined;
  const found = plannedFor(change, node, plan);
  if (found === undefined) return undefined;
  const { planned, resource } = found;
  if (planned.creationPolicy !== 'WhenNeeded') return undefined;
  const owned = lastOwned(planned.id, resource);
  if (owned === undefined) return undefined;
  return ownedFieldCount(change.object, planned.ownedPaths) < owned ? resource : undefined;
};
