// What a node holds: its recorded `appliedResources` joined with what this process applied since (SPEC N10).
import type { AppliedResource } from '../api/lynq-node.schema.js';
import { identityKey } from './applied-hashes.js';

const entryKey = (entry: AppliedResource): string => `${entry.id}|${identityKey(entry)}`;

/**
 * Every object the node may hold: the inventory of this process's last pass first, then what
 * the node's status records and that inventory lacks. The status is written after a pass, at a
 * gathered pace, so a pass that follows quickly (a form change a moment after the first apply)
 * would not see the objects the previous pass created; removal is `inventory − desired` only
 * when both are joined. An object listed here that is already gone costs one read. Pure.
 */
export const heldInventory = (
  recorded: readonly AppliedResource[],
  remembered: readonly AppliedResource[] | undefined,
): AppliedResource[] => {
  if (remembered === undefined) return [...recorded];
  const seen = new Set(remembered.map(entryKey));
  return [...remembered, ...recorded.filter((entry) => !seen.has(entryKey(entry)))];
};
