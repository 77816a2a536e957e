// What one hub sync did to its nodes, and which nodes of a form failed, as one summarising event per reason and cause (SPEC O1): `3 nodes deleted: RowGone (acme/web, initech/web, …)`.
import { conditionReasons } from '../api/conditions.js';
import type { NodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import type { NodeDeletion } from '../reconcile/plan-node-changes.js';

/** A node a sync created or updated. */
export interface ChangedNode {
  readonly name: string;
  readonly uid: string;
  readonly form: string;
}

/** The node writes of one sync that went through. */
export interface NodeChanges {
  readonly created: readonly ChangedNode[];
  readonly updated: readonly ChangedNode[];
  readonly deleted: readonly NodeDeletion[];
}

export interface SummaryEvent {
  readonly reason: string;
  readonly message: string;
}

/** How many nodes a message names before it says how many more there are. */
const namedInSummary = 5;

const plural = (n: number): string => `${String(n)} node${n === 1 ? '' : 's'}`;

const named = (nodes: readonly ChangedNode[]): string => {
  const shown = nodes.slice(0, namedInSummary).map((n) => `${n.uid}/${n.form}`);
  const more = nodes.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, … ${String(more)} more` : ''}`;
};

/**
 * One event per reason (and, for deletions, per cause), naming the first few nodes as
 * `uid/form` in a stable order, so the same change twice reads the same and counts up.
 */
export const nodeChangeEvents = (changes: NodeChanges): SummaryEvent[] => {
  const sorted = <T extends ChangedNode>(nodes: readonly T[]): T[] =>
    [...nodes].sort((a, b) => a.uid.localeCompare(b.uid) || a.form.localeCompare(b.form));
  const events: SummaryEvent[] = [];
  if (changes.created.length > 0) {
    events.push({
      reason: conditionReasons.nodesCreated,
      message: `${plural(changes.created.length)} created: ${named(sorted(changes.created))}`,
    });
  }
  if (changes.updated.length > 0) {
    events.push({
      reason: conditionReasons.nodesUpdated,
      message: `${plural(changes.updated.length)} updated (row changed): ${named(sorted(changes.updated))}`,
    });
  }
  const causes = [...new Set(changes.deleted.map((d) => d.cause))].sort();
  for (const cause of causes) {
    const nodes = sorted(changes.deleted.filter((d) => d.cause === cause));
    events.push({
      reason: conditionReasons.nodesDeleted,
      message: `${plural(nodes.length)} deleted: ${cause} (${named(nodes)})`,
    });
  }
  return events;
};

/** One lifecycle log entry per node the sync wrote (rate-limited by the log, SPEC O5). */
export const logNodeChanges = (log: NodeLifecycleLog, hub: string, changes: NodeChanges): void => {
  for (const node of changes.created) {
    log.record({ action: 'created', hub, form: node.form, node: node.name, reason: 'RowActive' });
  }
  for (const node of changes.updated) {
    log.record({ action: 'updated', hub, form: node.form, node: node.name, reason: 'RowChanged' });
  }
  for (const node of changes.deleted) {
    log.record({ action: 'deleted', hub, form: node.form, node: node.name, reason: node.cause });
  }
};

/** A node of a form that turned Degraded, with its condition's reason. */
export interface FailedNode {
  readonly name: string;
  readonly reason: string;
}

/**
 * One Warning per node reason for the nodes of a form that just failed, naming the first few in
 * name order: `2 nodes failed: ApplyFailed (acme-web, initech-web)`.
 */
export const nodesFailedEvents = (failed: readonly FailedNode[]): SummaryEvent[] =>
  [...new Set(failed.map((n) => n.reason))].sort().map((reason) => {
    const names = failed
      .filter((n) => n.reason === reason)
      .map((n) => n.name)
      .sort();
    const shown = names.slice(0, namedInSummary);
    const more = names.length - shown.length;
    return {
      reason: conditionReasons.nodesFailed,
      message: `${plural(names.length)} failed: ${reason} (${shown.join(', ')}${more > 0 ? `, … ${String(more)} more` : ''})`,
    };
  });
