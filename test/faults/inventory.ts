// Counts, object by object, what a fault may have left wrong: lost, duplicated, orphaned or stuck nodes and ConfigMaps.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { formResourceIds, type FaultWorld } from './fault-world.js';

interface Meta {
  name: string;
  generation?: number;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
}

interface NodeItem {
  metadata: Meta;
  spec: { uid: string; templateRef: string };
  status?: { phase?: string; observedGeneration?: number };
}

interface ObjectItem {
  metadata: Meta;
}

export interface Inventory {
  /** Active rows in the table. */
  readonly rows: number;
  readonly nodes: number;
  /** ConfigMaps in the namespace, `kube-root-ca.crt` aside. */
  readonly objects: number;
  /** Active rows without a node. */
  readonly lostNodes: number;
  /** Nodes beyond the first for one row × form. */
  readonly duplicatedNodes: number;
  /** Nodes whose row is gone or inactive, not yet deleted. */
  readonly extraNodes: number;
  /** Resources of live nodes with no object held by that node. */
  readonly lostObjects: number;
  /** Objects held by a live node that are not one of its resources. */
  readonly duplicatedObjects: number;
  /** Objects whose node is gone (or that no node holds). */
  readonly orphanedObjects: number;
  /** Nodes and objects with a deletionTimestamp (a finalizer not let go). */
  readonly stuckNodes: number;
  readonly stuckObjects: number;
  /** Live nodes not Ready at their current generation. */
  readonly notReady: number;
}

const listAll = async <T>(world: FaultWorld, path: string): Promise<T[]> => {
  const res = await world.request({ method: 'GET', path });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: T[] }).items;
};

/**
 * One look at the namespace and the table; `uids` stands in for the table's active rows when
 * the table cannot be read (it is locked or gone on purpose).
 */
export const takeInventory = async (
  world: FaultWorld,
  uids?: ReadonlySet<string>,
): Promise<Inventory> => {
  const [activeUids, nodes, allObjects] = await Promise.all([
    uids ?? world.activeUids(),
    listAll<NodeItem>(world, lynqPath('lynqnodes', world.ns)),
    listAll<ObjectItem>(world, `/api/v1/namespaces/${world.ns}/configmaps`),
  ]);
  const objects = allObjects.filter((o) => o.metadata.name !== 'kube-root-ca.crt');
  const byPair = new Map<string, NodeItem[]>();
  for (const node of nodes) {
    const key = `${node.spec.uid}\u0000${node.spec.templateRef}`;
    byPair.set(key, [...(byPair.get(key) ?? []), node]);
  }
  const nodeNames = new Set(nodes.map((n) => n.metadata.name));
  const live = nodes.filter((n) => n.metadata.deletionTimestamp === undefined);
  const heldBy = new Map<string, ObjectItem[]>();
  for (const object of objects) {
    const holder = object.metadata.labels?.['lynq.sh/node'];
    if (holder !== undefined) heldBy.set(holder, [...(heldBy.get(holder) ?? []), object]);
  }
  let lostObjects = 0;
  let duplicatedObjects = 0;
  for (const node of live) {
    const expected = new Set(formResourceIds.map((id) => `${node.spec.uid}-${id}`));
    const held = heldBy.get(node.metadata.name) ?? [];
    lostObjects += [...expected].filter(
      (name) => !held.some((o) => o.metadata.name === name),
    ).length;
    duplicatedObjects += held.filter((o) => !expected.has(o.metadata.name)).length;
  }
  return {
    rows: activeUids.size,
    nodes: nodes.length,
    objects: objects.length,
    lostNodes: [...activeUids].filter((uid) => !byPair.has(`${uid}\u0000web`)).length,
    duplicatedNodes: [...byPair.values()].reduce((n, group) => n + group.length - 1, 0),
    extraNodes: live.filter((n) => !activeUids.has(n.spec.uid)).length,
    lostObjects,
    duplicatedObjects,
    orphanedObjects: objects.filter((o) => {
      const holder = o.metadata.labels?.['lynq.sh/node'];
      return holder === undefined || !nodeNames.has(holder);
    }).length,
    stuckNodes: nodes.filter((n) => n.metadata.deletionTimestamp !== undefined).length,
    stuckObjects: objects.filter((o) => o.metadata.deletionTimestamp !== undefined).length,
    notReady: live.filter(
      (n) => n.status?.phase !== 'Ready' || n.status.observedGeneration !== n.metadata.generation,
    ).length,
  };
};

/** Nodes and ConfigMaps (`kube-root-ca.crt` aside) in the namespace, for watching progress. */
export const countObjects = async (
  world: FaultWorld,
): Promise<{ nodes: number; objects: number }> => {
  const [nodes, objects] = await Promise.all([
    listAll<NodeItem>(world, lynqPath('lynqnodes', world.ns)),
    listAll<ObjectItem>(world, `/api/v1/namespaces/${world.ns}/configmaps`),
  ]);
  return {
    nodes: nodes.length,
    objects: objects.filter((o) => o.metadata.name !== 'kube-root-ca.crt').length,
  };
};

/** The counts that must all be 0 once the operator has converged. */
export const faultsOf = (i: Inventory) => ({
  lostNodes: i.lostNodes,
  duplicatedNodes: i.duplicatedNodes,
  extraNodes: i.extraNodes,
  lostObjects: i.lostObjects,
  duplicatedObjects: i.duplicatedObjects,
  orphanedObjects: i.orphanedObjects,
  stuckNodes: i.stuckNodes,
  stuckObjects: i.stuckObjects,
  notReady: i.notReady,
});

const isClean = (i: Inventory): boolean => Object.values(faultsOf(i)).every((n) => n === 0);

/** The fault counts in one line for the report: 0 everywhere is the only good value. */
export const faultSummary = (i: Inventory): string =>
  `lost ${String(i.lostNodes)} nodes + ${String(i.lostObjects)} objects, duplicated ${String(i.duplicatedNodes)} + ${String(i.duplicatedObjects)}, orphaned ${String(i.orphanedObjects)}, stuck ${String(i.stuckNodes)} + ${String(i.stuckObjects)}, extra nodes ${String(i.extraNodes)}, not ready ${String(i.notReady)}`;

/**
 * Waits until the namespace matches the table exactly (every count of `faultsOf` 0, and
 * `rows × 2` objects), looking once a second; fails after `boundMillis` with the last counts.
 * Returns the final inventory and the milliseconds it took from `since`.
 */
export const converged = async (
  world: FaultWorld,
  boundMillis: number,
  since = Date.now(),
): Promise<{ inventory: Inventory; millis: number }> => {
  let last: Inventory | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await takeInventory(world);
      if (isClean(last) && last.objects === last.rows * formResourceIds.length) {
        return { inventory: last, millis: Date.now() - since };
      }
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - since > boundMillis) {
      assert.fail(
        `not converged within ${String(boundMillis)} ms: ${JSON.stringify(last)}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`,
      );
    }
    await sleep(1_000);
  }
};
