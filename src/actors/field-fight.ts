// Counting how often a node takes fields back from another manager, so two writers never fight forever (SPEC N12 FieldFight).
import { identityKey } from './applied-hashes.js';
import type { DriftedResource } from '../machines/node.machine.js';

/** More takebacks than this within the window is a fight. */
export const fieldFightLimit = 5;
/** The window, and how long the node leaves the object alone once it calls a fight. */
export const fieldFightWindowMs = 10 * 60_000;

/** Per object: the times fields were taken back, and until when the node stays away. */
export type FieldFights = Map<string, { times: number[]; quietUntil: number }>;

export type FightVerdict = 'repair' | 'fight' | 'quiet';

/**
 * Whether to take fields of `resource` back at `now`: `repair` (recorded), `fight` (this is one
 * takeback too many: leave it alone for a window, and say so once) or `quiet` (inside that
 * window). Mutates `fights` only.
 */
export const judgeTakeback = (
  fights: FieldFights,
  resource: DriftedResource,
  now: number,
): FightVerdict => {
  const key = identityKey(resource);
  const entry = fights.get(key) ?? { times: [], quietUntil: 0 };
  if (now < entry.quietUntil) return 'quiet';
  entry.times = [...entry.times.filter((t) => now - t < fieldFightWindowMs), now];
  fights.set(key, entry);
  if (entry.times.length <= fieldFightLimit) return 'repair';
  entry.times = [];
  entry.quietUntil = now + fieldFightWindowMs;
  return 'fight';
};
