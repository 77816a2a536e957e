// The form's conditions from validation, node counts and rollout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formConditions, maxMessageLength } from './form-conditions.js';

const byType = (conditions: ReturnType<typeof formConditions>) =>
  new Map(conditions.map((c) => [c.type, c]));

describe('formConditions', () => {
  it('F1 a valid form carries its warnings in Valid and is Applied once every node is ready', () => {
    const conditions = byType(
      formConditions({
        valid: true,
        errors: [],
        warnings: ['kind mismatch'],
        phase: 'Ready',
        nodes: { total: 2, ready: 2, failed: 0 },
        plan: undefined,
      }),
    );
    assert.equal(conditions.get('Valid')?.status, 'True');
    assert.match(conditions.get('Valid')?.message ?? '', /1 warning\(s\): kind mismatch$/);
    assert.equal(conditions.get('Applied')?.status, 'True');
    assert.equal(conditions.get('Ready')?.status, 'True');
    assert.equal(conditions.has('Progressing'), false);
  });

  it('F2 an invalid form says its errors and applies nothing; long messages are cut', () => {
    const conditions = byType(
      formConditions({
        valid: false,
        errors: ['x'.repeat(maxMessageLength * 2)],
        warnings: [],
        phase: 'Invalid',
        nodes: { total: 3, ready: 1, failed: 1 },
        plan: undefined,
      }),
    );
    assert.equal(conditions.get('Valid')?.status, 'False');
    assert.equal(conditions.get('Valid')?.message.length, maxMessageLength);
    assert.equal(conditions.get('Applied')?.status, 'False');
    assert.match(conditions.get('Applied')?.message ?? '', /keep their revision: 1 of 3 ready/);
    for (const c of conditions.values()) assert.ok(c.message.length <= maxMessageLength);
  });
});
