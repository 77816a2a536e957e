// Reading deletion protection off objects: a hub or form protected by its annotation, a node or resource marked by the operator with the label (SPEC H8).
// Throughout the code, a "mark" is this label, `lynq.sh/deletion-protection: "true"`, which only the operator writes.
import { annotationKeys, labelKeys } from './metadata-keys.js';

interface Annotated {
  readonly metadata: { readonly annotations?: Readonly<Record<string, string>> | undefined };
}

interface Labelled {
  readonly metadata: { readonly labels?: Readonly<Record<string, string>> | undefined };
}

/** A hub or form whose DELETE the admission policy denies: annotated `lynq.sh/deletion-protection: "true"`. */
export const isProtected = (object: Annotated | undefined): boolean =>
  object?.metadata.annotations?.[annotationKeys.deletionProtection] === 'true';

/** An object the operator marked: it carries the label `lynq.sh/deletion-protection: "true"`, so the policy denies its DELETE. */
export const hasProtectionLabel = (object: Labelled | undefined): boolean =>
  object?.metadata.labels?.[labelKeys.deletionProtection] === 'true';
