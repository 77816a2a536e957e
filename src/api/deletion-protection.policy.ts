// The admission policy that makes a hub or form annotated lynq.sh/deletion-protection undeletable (SPEC H8).
import { apiGroup } from './crd-builder.js';
import { annotationKeys } from './metadata-keys.js';

export const deletionProtectionPolicyName = 'lynq-deletion-protection';

const key = annotationKeys.deletionProtection;

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
        message: `Protected by annotation ${key}=true; remove it with: kubectl annotate <kind> <name> ${key}-`,
        messageExpression: deletionProtectionMessageExpression,
        reason: 'Forbidden',
      },
    ],
  },
} as const;

export const deletionProtectionBinding = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name: deletionProtectionPolicyName },
  spec: {
    policyName: deletionProtectionPolicyName,
    validationActions: ['Deny'],
  },
} as const;
