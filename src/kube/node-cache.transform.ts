// What the LynqNode cache keeps of each node (DESIGN 8): no managedFields (nobody reads them; they are the largest part of a node), and one copy of the strings nodes repeat.
import type { KubeObject } from './kube-object.js';
import { createStringInterner } from './string-interner.js';

type Mutable = Record<string, unknown>;

const isMutable = (value: unknown): value is Mutable =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every string value of `record` under `keys`, interned in place. */
const internFields = (
  record: Mutable,
  keys: readonly string[],
  intern: (value: string) => string,
): void => {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string') record[key] = intern(value);
  }
};

/** Every string value of `record`, interned in place. */
const internValues = (record: Mutable, intern: (value: string) => string): void => {
  internFields(record, Object.keys(record), intern);
};

const conditionFields = ['type', 'status', 'reason', 'message', 'lastTransitionTime'] as const;

/**
 * A reflector transform for LynqNodes. It changes the object it is given (a node fresh from
 * JSON parsing, which nobody else holds yet) instead of copying it: namespaces, labels,
 * annotations, finalizers, the owning hub, the form's name and revision, phase texts,
 * transitions' events, resource states, condition texts and applied resources' kinds share one
 * instance per distinct value.
 */
export const createNodeCacheTransform = (): ((obj: KubeObject) => KubeObject) => {
  const intern = createStringInterner();
  return (obj) => {
    const node = obj as unknown as Mutable;
    internFields(node, ['apiVersion', 'kind'], intern);
    const metadata = node['metadata'];
    if (isMutable(metadata)) {
      delete metadata['managedFields'];
      internFields(metadata, ['namespace', 'creationTimestamp'], intern);
      for (const map of [metadata['labels'], metadata['annotations']]) {
        if (isMutable(map)) internValues(map, intern);
      }
      // Every node of a hub names the same owner and carries the same finalizer.
      const finalizers = metadata['finalizers'];
      if (Array.isArray(finalizers)) {
        metadata['finalizers'] = finalizers.map((f: unknown) =>
          typeof f === 'string' ? intern(f) : f,
        );
      }
      const owners = metadata['ownerReferences'];
      if (Array.isArray(owners)) {
        for (const owner of owners as unknown[]) {
          if (isMutable(owner)) internFields(owner, ['apiVersion', 'kind', 'name', 'uid'], intern);
        }
      }
    }
    const spec = node['spec'];
    if (isMutable(spec)) internFields(spec, ['templateRef', 'revision'], intern);
    const status = node['status'];
    if (isMutable(status)) {
      internFields(status, ['phase', 'phaseReason', 'readySummary', 'lastAppliedRevision'], intern);
      for (const [list, fields] of [
        [status['transitions'], ['phase', 'event']],
        [status['resources'], ['id', 'state', 'reason']],
      ] as const) {
        if (!Array.isArray(list)) continue;
        for (const item of list as unknown[])
          if (isMutable(item)) internFields(item, fields, intern);
      }
      for (const list of [status['conditions'], status['appliedResources']]) {
        if (!Array.isArray(list)) continue;
        for (const item of list as unknown[]) {
          if (!isMutable(item)) continue;
          internFields(item, conditionFields, intern);
          internFields(item, ['apiVersion', 'kind', 'namespace', 'id'], intern);
        }
      }
    }
    return obj;
  };
};
