// The deletion-protection marks of nodes follow their hub and form (SPEC H8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasProtectionLabel, isProtected } from '../api/deletion-protection.js';
import { planProtectionMarks } from './protection-marks.js';

const node = (name: string, form: string, marked: boolean, deleting = false) => ({
  name,
  form,
  marked,
  deleting,
});

describe('protection marks', () => {
  it('H8 a protected hub marks every live node, a protected form only its own', () => {
    const nodes = [node('a-web', 'web', false), node('a-api', 'api', false)];
    assert.deepEqual(
      planProtectionMarks({ hubProtected: true, protectedForms: new Set(), nodes }),
      { mark: ['a-web', 'a-api'], unmark: [] },
    );
    assert.deepEqual(
      planProtectionMarks({ hubProtected: false, protectedForms: new Set(['api']), nodes }),
      { mark: ['a-api'], unmark: [] },
    );
  });

  it('H8 lifting the protection unmarks; nodes already right and nodes being deleted are left alone', () => {
    const nodes = [
      node('a-web', 'web', true),
      node('b-web', 'web', false),
      node('c-web', 'web', true, true),
      node('a-api', 'api', true),
    ];
    assert.deepEqual(
      planProtectionMarks({ hubProtected: false, protectedForms: new Set(['api']), nodes }),
      { mark: [], unmark: ['a-web'] },
    );
  });

  it('H8 only the exact value "true" protects or marks', () => {
    const annotated = (value: string) => ({
      metadata: { annotations: { 'lynq.sh/deletion-protection': value } },
    });
    assert.equal(isProtected(annotated('true')), true);
    assert.equal(isProtected(annotated('True')), false);
    assert.equal(isProtected({ metadata: {} }), false);
    assert.equal(isProtected(undefined), false);
    assert.equal(
      hasProtectionLabel({ metadata: { labels: { 'lynq.sh/deletion-protection': 'true' } } }),
      true,
    );
    assert.equal(
      hasProtectionLabel({ metadata: { labels: { 'lynq.sh/deletion-protection': 'no' } } }),
      false,
    );
  });
});
