// The admission policies that make a protected hub or form, its nodes and their objects undeletable (SPEC H8).
import { denyingBinding } from './admission-binding.js';
import { apiGroup } from './crd-builder.js';
import { annotationKeys, labelKeys } from './metadata-keys.js';

export const deletionProtectionPolicyName = 'lynq-deletion-protection';

/** The second policy: objects the operator marked because their hub or form is protected. */
export const markedDeletionProtectionPolicyName = 'lynq-deletion-protection-marked';

const key = annotationKeys.deletionProtection;
const mark = labelKeys.deletionProtection;

/**
 * Allows the DELETE unless the stored object carries the annotation with value "true". Written
 * with `has` and `in` so objects without annotations pass without a CEL error.
 */
export const deletionProtectionExpression =
  `!has(oldObject.metadata.annotations) || !('${key}' in oldObject.metadata.annotations) || ` +
  `oldObject.metadata.annotations['${key}'] != 'true'`;

/** Names the object and gives the exact command that lifts the protection. */
export const deletionProtectionMessageExpression =
  `oldObject.kind + ' ' + oldObject.metadata.namespace + '/' + oldObject.metadata.name + ` +
  `' is protected by annotation ${key}=true; lift the protection with: kubectl annotate ' + ` +
  `request.resource.resource + ' ' + oldObject.metadata.name + ' -n ' + ` +
  `oldObject.metadata.namespace + ' ${key}-'`;

/**
 * Why a namespace deletion does not finish: its controller keeps retrying and leaves the
 * namespace Terminating while protected objects remain, which is the point (nothing is lost).
 */
const terminatingNote =
  'A namespace being deleted stays Terminating while protected objects remain, and finishes once the protection is lifted.';

/** Served by the API server itself: no webhook, so it holds whenever the CRDs are installed. */
export const deletionProtectionPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: deletionProtectionPolicyName },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: [apiGroup],
          apiVersions: ['*'],
          operations: ['DELETE'],
          resources: ['lynqhubs', 'lynqforms'],
        },
      ],
    },
    validations: [
      {
        expression: deletionProtectionExpression,
        message: `Protected by annotation ${key}=true; remove it with: kubectl annotate <kind> <name> ${key}-. ${terminatingNote}`,
        messageExpression: `${deletionProtectionMessageExpression} + '. ${terminatingNote}'`,
        reason: 'Forbidden',
      },
    ],
  },
} as const;

export const deletionProtectionBinding = denyingBinding(deletionProtectionPolicyName);

/** Denies whenever the stored object still carries the mark (the selector already matched it). */
export const markedDeletionProtectionExpression =
  `!has(oldObject.metadata.labels) || !('${mark}' in oldObject.metadata.labels) || ` +
  `oldObject.metadata.labels['${mark}'] != 'true'`;

/**
 * Names the object and, for a LynqNode, its hub and form: the protection is lifted there, not on
 * the object (the operator would mark it again).
 */
export const markedDeletionProtectionMessageExpression =
  `oldObject.kind + ' ' + (has(oldObject.metadata.namespace) ? oldObject.metadata.namespace + '/' : '') + ` +
  `oldObject.metadata.name + ' belongs to a LynqHub or LynqForm protected by annotation ${key}=true` +
  `' + ('${labelKeys.hub}' in oldObject.metadata.labels && '${labelKeys.form}' in oldObject.metadata.labels ? ` +
  `' (hub ' + oldObject.metadata.labels['${labelKeys.hub}'] + ', form ' + oldObject.metadata.labels['${labelKeys.form}'] + ')' : '') + ` +
  `'; lift the protection on the hub and the form with: kubectl annotate lynqhubs|lynqforms <name> ${key}-. ${terminatingNote}'`;

/**
 * Every kind, but only objects labelled with the mark: the operator puts it on each node of a
 * protected hub or form and on each object such a node applies, so no cascade (foreground,
 * background, garbage collector, namespace deletion) reaches them. DELETECOLLECTION is covered:
 * the API server admits each object of a collection deletion as a DELETE of that object, deletes
 * the others, and the namespace controller retries.
 */
export const markedDeletionProtectionPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: markedDeletionProtectionPolicyName },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: ['*'],
          apiVersions: ['*'],
          operations: ['DELETE'],
          resources: ['*'],
        },
      ],
      // Evaluated by the API server before any CEL: unmarked objects cost nothing.
      objectSelector: { matchLabels: { [mark]: 'true' } },
    },
    validations: [
      {
        expression: markedDeletionProtectionExpression,
        message: `Marked ${mark}=true: its LynqHub or LynqForm is protected by annotation ${key}=true; lift the protection there with: kubectl annotate lynqhubs|lynqforms <name> ${key}-. ${terminatingNote}`,
        messageExpression: markedDeletionProtectionMessageExpression,
        reason: 'Forbidden',
      },
    ],
  },
} as const;

export const markedDeletionProtectionBinding = denyingBinding(markedDeletionProtectionPolicyName);
