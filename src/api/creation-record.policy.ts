// The admission policy that keeps Lynq's creation record honest: set on create only, never added or changed later (SPEC N6).
import { denyingBinding } from './admission-binding.js';
import { annotationKeys } from './metadata-keys.js';

export const creationRecordPolicyName = 'lynq-creation-record';

const key = annotationKeys.createdBy;

/**
 * Only updates whose new object carries the record are looked at, so every other update in the
 * cluster costs one map lookup.
 */
export const creationRecordMatchExpression = `has(object.metadata.annotations) && '${key}' in object.metadata.annotations`;

/**
 * Allows the update only when the stored object already carried the same record: the record is
 * written by the create that made the object, and a later write may keep it but not add or
 * alter it (a form, a row or a person could otherwise make Lynq believe it created an object it
 * took over, and delete it).
 */
export const creationRecordExpression =
  `has(oldObject.metadata.annotations) && '${key}' in oldObject.metadata.annotations && ` +
  `oldObject.metadata.annotations['${key}'] == object.metadata.annotations['${key}']`;

/** Every kind, every UPDATE (PATCH and apply included); CREATE and DELETE are not matched. */
export const creationRecordPolicy = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: creationRecordPolicyName },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: {
      resourceRules: [
        {
          apiGroups: ['*'],
          apiVersions: ['*'],
          operations: ['UPDATE'],
          resources: ['*'],
        },
      ],
    },
    matchConditions: [
      { name: 'carries-creation-record', expression: creationRecordMatchExpression },
    ],
    validations: [
      {
        expression: creationRecordExpression,
        message: `Annotation ${key} is written by Lynq when it creates an object; it cannot be added or changed afterwards.`,
        reason: 'Forbidden',
      },
    ],
  },
} as const;

export const creationRecordBinding = denyingBinding(creationRecordPolicyName);
