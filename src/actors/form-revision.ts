// A form revision (DESIGN 5): the immutable ControllerRevision of a form's resource lists and hubId, named by their hash.
import { canonicalJson } from '../api/canonical-json.js';
import { groupVersion } from '../api/crd-builder.js';
import { resourceListNames, type LynqForm } from '../api/lynq-form.schema.js';
import { labelKeys } from '../api/metadata-keys.js';
import { labelSafe } from '../api/node-name.js';
import { sha256Hex } from '../api/sha256-hex.js';

/** What a revision holds: only what rendering reads, so `rollout` or `suspend` never make one (F4). */
const revisionData = (form: LynqForm): Record<string, unknown> => {
  const data: Record<string, unknown> = { hubId: form.spec.hubId };
  for (const list of resourceListNames) {
    const entries = form.spec[list];
    // An empty list and an absent one render the same.
    if (entries !== undefined && entries.length > 0) data[list] = entries;
  }
  return data;
};

const hashLength = 10;
const maxNameLength = 253;

/** `<form>-<hash of revisionData>`: the same resources always give the same name. */
export const revisionName = (form: LynqForm): string => {
  const hash = sha256Hex(canonicalJson(revisionData(form))).slice(0, hashLength);
  const prefix = (form.metadata.name ?? '')
    .slice(0, maxNameLength - hashLength - 1)
    .replace(/[-.]+$/, '');
  return `${prefix}-${hash}`;
};

/** The selector of a form's revisions. */
const revisionLabels = (formName: string): Record<string, string> => ({
  [labelKeys.form]: labelSafe(formName),
});

/**
 * The ControllerRevision to create: labelled with the form and controlled by it, so the garbage
 * collector removes it with the form (namespace deletion, F6); `revision` orders revisions.
 */
export const controllerRevisionObject = (form: LynqForm, sequence: number) => ({
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  metadata: {
    name: revisionName(form),
    namespace: form.metadata.namespace ?? '',
    labels: revisionLabels(form.metadata.name ?? ''),
    ownerReferences: [
      {
        apiVersion: groupVersion,
        kind: 'LynqForm',
        name: form.metadata.name ?? '',
        uid: form.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  data: revisionData(form),
  revision: sequence,
});

export type ControllerRevisionObject = ReturnType<typeof controllerRevisionObject>;
