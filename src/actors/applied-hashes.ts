// What a node last applied per resource, in this process only (SPEC N13): the desired hash and the object it went to, forgotten once that object is deleted or released (N10).
import type { ObjectIdentity } from '../kube/resource-paths.js';

/** One resource's last write: the object's identity (see `identityKey`) and the desired hash. */
export interface AppliedHash {
  readonly identity: string;
  readonly hash: string;
  /**
   * How many of the manifest's fields Lynq's managedFields owned right after that write or read
   * (`ownedManifestFields`); fewer later means another manager took some (SPEC N12).
   */
  readonly owned?: number | undefined;
}

/** Resource id → its last write. */
export type AppliedHashes = Map<string, AppliedHash>;

/**
 * One string per object: apiVersion, kind, namespace (empty when cluster-scoped) and name.
 * Joined, not concatenated: a node keeps these keys, and concatenation makes a rope of four
 * parts where `join` makes one flat string.
 */
export const identityKey = (id: ObjectIdentity): string =>
  [id.apiVersion, id.kind, id.namespace ?? '', id.name].join('|');

/**
 * The hash last applied for resource `id`, only when it went to this very object: a hash
 * recorded for another object (the rendered identity changed) says nothing about this one.
 */
export const knownHash = (
  hashes: AppliedHashes,
  id: string,
  identity: ObjectIdentity,
): string | undefined => entryFor(hashes, id, identity)?.hash;

/** The entry of resource `id` when it describes this very object. */
const entryFor = (
  hashes: AppliedHashes,
  id: string,
  identity: ObjectIdentity,
): AppliedHash | undefined => {
  const entry = hashes.get(id);
  return entry?.identity === identityKey(identity) ? entry : undefined;
};

/** The fields Lynq owned after its last write of resource `id` to this very object. */
export const knownOwned = (
  hashes: AppliedHashes,
  id: string,
  identity: ObjectIdentity,
): number | undefined => entryFor(hashes, id, identity)?.owned;

/**
 * Records a write (or a read that found the object as desired). Without `owned` (nothing was
 * read), the count known for the same object is kept.
 */
export const rememberHash = (
  hashes: AppliedHashes,
  id: string,
  identity: ObjectIdentity,
  hash: string,
  owned?: number,
): void => {
  const key = identityKey(identity);
  const before = hashes.get(id);
  hashes.set(id, {
    identity: key,
    hash,
    owned: owned ?? (before?.identity === key ? before.owned : undefined),
  });
};

/**
 * Forgets what was applied to `identity` for resource `id`, once the node deleted or released
 * that object (or tried to): the hash no longer describes a live object the node holds, and
 * keeping it would make a return of the same desired object write nothing (N10). A hash the
 * resource has since applied to another object (its identity changed) is kept.
 */
export const forgetHash = (hashes: AppliedHashes, id: string, identity: ObjectIdentity): void => {
  if (hashes.get(id)?.identity === identityKey(identity)) hashes.delete(id);
};
