// Canonical JSON is independent of key order at every level.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { canonicalJson } from './canonical-json.js';

it('H3 compares variables as canonical JSON: key order never makes a row look changed', () => {
  const a = { uid: 'acme', plan: { tier: 'pro', seats: 3 }, tags: [{ b: 1, a: 2 }] };
  const b = { tags: [{ a: 2, b: 1 }], plan: { seats: 3, tier: 'pro' }, uid: 'acme' };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(
    canonicalJson(a),
    '{"plan":{"seats":3,"tier":"pro"},"tags":[{"a":2,"b":1}],"uid":"acme"}',
  );
});

it('keeps array order and drops undefined members', () => {
  assert.equal(canonicalJson({ x: [3, 1, 2], y: undefined }), '{"x":[3,1,2]}');
});
