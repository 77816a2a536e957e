// A reflector transform that keeps only the managedFields entries of chosen field managers (DESIGN 8: smaller caches).
import type { KubeObject, ManagedFieldsEntry } from './kube-object.js';

/**
 * Returns a transform that drops every `metadata.managedFields` entry whose manager is not in
 * `managers` (the object is copied shallowly; the input is not mutated). Objects without
 * managedFields pass through unchanged. Never throws.
 */
export const keepManagedFieldsOf =
  (managers: readonly string[]) =>
  (obj: KubeObject): KubeObject => {
    const entries = obj.metadata.managedFields;
    if (entries === undefined) return obj;
    const kept: ManagedFieldsEntry[] = entries.filter(
      (entry) => entry.manager !== undefined && managers.includes(entry.manager),
    );
    return { ...obj, metadata: { ...obj.metadata, managedFields: kept } };
  };
