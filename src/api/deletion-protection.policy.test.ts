// Tests of the deletion-protection admission policy's shape (its behaviour is tested on a real API server).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deletionProtectionBinding,
  deletionProtectionPolicy,
  markedDeletionProtectionBinding,
  markedDeletionProtectionPolicy,
} from './deletion-protection.policy.js';

describe('deletion protection policy', () => {
  it('H8 matches DELETE of lynqhubs and lynqforms in operator.lynq.sh', () => {
    const [rule, ...others] = deletionProtectionPolicy.spec.matchConstraints.resourceRules;
    assert.deepEqual(others, []);
    assert.deepEqual(rule.apiGroups, ['operator.lynq.sh']);
    assert.deepEqual(rule.operations, ['DELETE']);
    assert.deepEqual([...rule.resources].sort(), ['lynqforms', 'lynqhubs']);
    assert.equal(deletionProtectionPolicy.spec.failurePolicy, 'Fail');
  });

  it('H8 denies only when the stored object is annotated lynq.sh/deletion-protection: "true"', () => {
    const [validation] = deletionProtectionPolicy.spec.validations;
    assert.match(
      validation.expression,
      /oldObject\.metadata\.annotations\['lynq\.sh\/deletion-protection'\] != 'true'/,
    );
    // Guarded by has() and `in`, so an object without annotations is not an evaluation error.
    assert.match(validation.expression, /^!has\(oldObject\.metadata\.annotations\) \|\| /);
  });

  it('H8 says which object is protected and how to lift the protection', () => {
    const [validation] = deletionProtectionPolicy.spec.validations;
    assert.match(validation.messageExpression, /oldObject\.metadata\.name/);
    assert.match(validation.messageExpression, /kubectl annotate ' \+ request\.resource\.resource/);
    assert.match(validation.messageExpression, / lynq\.sh\/deletion-protection-' \+ '\. /);
    assert.match(validation.messageExpression, /stays Terminating while protected objects remain/);
    assert.match(
      validation.message,
      /kubectl annotate <kind> <name> lynq\.sh\/deletion-protection-/,
    );
  });

  it('H8 is bound with validationActions Deny', () => {
    assert.equal(deletionProtectionBinding.spec.policyName, deletionProtectionPolicy.metadata.name);
    assert.deepEqual(deletionProtectionBinding.spec.validationActions, ['Deny']);
  });

  it('H8 the second policy denies DELETE of any kind, but only of objects labelled lynq.sh/deletion-protection: "true"', () => {
    const { spec } = markedDeletionProtectionPolicy;
    const [rule, ...others] = spec.matchConstraints.resourceRules;
    assert.deepEqual(others, []);
    assert.deepEqual(rule.apiGroups, ['*']);
    assert.deepEqual(rule.resources, ['*']);
    assert.deepEqual(rule.operations, ['DELETE']);
    assert.deepEqual(spec.matchConstraints.objectSelector, {
      matchLabels: { 'lynq.sh/deletion-protection': 'true' },
    });
    assert.equal(spec.failurePolicy, 'Fail');
    const [validation] = spec.validations;
    assert.match(
      validation.expression,
      /oldObject\.metadata\.labels\['lynq\.sh\/deletion-protection'\] != 'true'/,
    );
    assert.match(validation.messageExpression, /lift the protection on the hub and the form/);
    assert.match(validation.messageExpression, /stays Terminating/);
    assert.equal(
      markedDeletionProtectionBinding.spec.policyName,
      markedDeletionProtectionPolicy.metadata.name,
    );
    assert.deepEqual(markedDeletionProtectionBinding.spec.validationActions, ['Deny']);
  });
});
