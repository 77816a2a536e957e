// Unit tests for canonical JSON: key order at every level, and equal data giving equal text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, compareCanonicalKeys } from './canonical-json.js';

describe('canonicalJson', () => {
  it('gives the same text for the same data whatever the insertion order (H3)', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    const b = { a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(canonicalJson(a), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('orders array-index-like keys first, numerically, then others by code unit', () => {
    const keys = ['b', '10', 'B', '2', '01', 'a', '0'];
    assert.deepEqual(keys.sort(compareCanonicalKeys), ['0', '2', '10', '01', 'B', 'a', 'b']);
    assert.equal(canonicalJson({ b: 1, 10: 2, 2: 3, a: 4 }), '{"2":3,"10":2,"a":4,"b":1}');
  });

  it('drops undefined members and keeps array order', () => {
    assert.equal(canonicalJson({ a: undefined, b: [2, 1] }), '{"b":[2,1]}');
    assert.equal(canonicalJson(undefined), 'null');
  });

  it('keeps strings that look like templates literal', () => {
    assert.equal(canonicalJson({ v: '{{ uid }}' }), '{"v":"{{ uid }}"}');
  });

  it('throws for a bigint, as JSON.stringify does', () => {
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
  });
});
