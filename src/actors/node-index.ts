// The LynqNodes of each hub as the reflector shows them, with a way to wait for the next change (hub finalization waits on it instead of polling).
import type { LynqNode } from '../api/lynq-node.schema.js';

/**
 * `namespace/name`, the key of hubs and nodes in maps that live as long as the object. Joined,
 * not concatenated: a concatenation is kept as a rope of its parts.
 */
export const hubKeyOf = (namespace: string | undefined, name: string | undefined): string =>
  [namespace ?? '', name ?? ''].join('/');

/** The hub a node belongs to (its owner reference), as `namespace/name`. */
const hubKeyOfNode = (node: LynqNode): string | undefined => {
  const hub = node.metadata.ownerReferences?.find((o) => o.kind === 'LynqHub')?.name;
  return hub === undefined ? undefined : hubKeyOf(node.metadata.namespace, hub);
};

export interface NodeIndex {
  /** Records the node as present or gone; returns its hub's key (undefined: no hub owner). */
  record(node: LynqNode, present: boolean): string | undefined;
  ofHub(hubKey: string): readonly LynqNode[];
  /** Every node known. */
  all(): IterableIterator<LynqNode>;
  /** Resolves at the next change to the hub's nodes; rejects with the signal's reason. */
  nextChange(hubKey: string, signal: AbortSignal): Promise<void>;
}

export const createNodeIndex = (): NodeIndex => {
  const byHub = new Map<string, Map<string, LynqNode>>();
  const waiters = new Map<string, Set<() => void>>();
  return {
    record: (node, present) => {
      const key = hubKeyOfNode(node);
      if (key === undefined) return undefined;
      let byName = byHub.get(key);
      if (byName === undefined) {
        byName = new Map();
        byHub.set(key, byName);
      }
      if (present) byName.set(node.metadata.name ?? '', node);
      else byName.delete(node.metadata.name ?? '');
      if (byName.size === 0) byHub.delete(key);
      const waiting = waiters.get(key);
      if (waiting !== undefined) {
        waiters.delete(key);
        for (const wake of waiting) wake();
      }
      return key;
    },
    ofHub: (key) => [...(byHub.get(key)?.values() ?? [])],
    all: function* () {
      for (const byName of byHub.values()) yield* byName.values();
    },
    nextChange: (key, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason as Error);
          return;
        }
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          waiters.get(key)?.delete(wake);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const set = waiters.get(key) ?? new Set();
        set.add(wake);
        waiters.set(key, set);
      }),
  };
};
