// The name and labels of a LynqNode (SPEC §1): DNS-1123, at most 63 characters, never shared by two (uid, form) pairs.
import { labelKeys } from './metadata-keys.js';
import { sha256Hex } from './sha256-hex.js';

/** Longest DNS-1123 label; a node name is also a label value (SPEC N4), so it obeys both. */
const maxNodeNameLength = 63;

const hashLength = 10;

/** A short hash of the exact pair; JSON keeps `a-b`+`c` and `a`+`b-c` apart. */
const pairHash = (uid: string, form: string): string =>
  sha256Hex(JSON.stringify([uid, form])).slice(0, hashLength);

/**
 * `<uid>-<form>` lowercased and reduced to DNS-1123 characters, cut so that the whole name fits
 * 63 characters, always followed by `-` and a hash of the exact (uid, form) pair: two different
 * pairs never share a name, whatever their characters. Deterministic; never throws.
 */
export const nodeName = (uid: string, form: string): string => {
  const readable = `${uid}-${form}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxNodeNameLength - hashLength - 1)
    .replace(/-+$/, '');
  const hash = pairHash(uid, form);
  return readable === '' ? hash : `${readable}-${hash}`;
};

const labelValuePattern = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** The value itself when it is a valid label value, else a hash of it (still a valid label value). */
export const labelSafe = (value: string): string =>
  labelValuePattern.test(value) ? value : `h${sha256Hex(value).slice(0, 40)}`;

/** The labels that select a hub's nodes by hub, form and uid (SPEC §1). */
export const nodeLabels = (hub: string, form: string, uid: string): Record<string, string> => ({
  [labelKeys.hub]: labelSafe(hub),
  [labelKeys.form]: labelSafe(form),
  [labelKeys.uid]: labelSafe(uid),
});
