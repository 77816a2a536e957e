// Unit tests for canonical JSON: key order at every level, and equal data giving equal text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, canonicalShallow, compareCanonicalKeys } from './canonical-json.js';
import { sha256Hex } from './sha256-hex.js';

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

  it('serialises a non-plain value through its own toJSON, as JSON.stringify does', () => {
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    assert.equal(canonicalJson({ b: at, a: 1 }), '{"a":1,"b":"2026-01-02T03:04:05.000Z"}');
  });

  it('H3 N13 keeps the hashes stored in clusters: known data gives known hashes', () => {
    // Changing these hashes changes every stored desired hash and revision name.
    const data = { b: [1, { y: null, x: 'é' }], a: { 10: 1, 2: 2, Z: true }, u: undefined };
    assert.equal(canonicalJson(data), '{"a":{"2":2,"10":1,"Z":true},"b":[1,{"x":"é","y":null}]}');
    assert.equal(
      sha256Hex(canonicalJson(data)),
      '578171560d58db7a01fb7dc4c5e2eb7106fa7899b47caddccba7f64f18a07904',
    );
  });
});

describe('canonicalShallow', () => {
  it('returns the record itself when its keys are in order, else a sorted copy', () => {
    const ordered = { 2: 'x', a: 'y', b: 'z' };
    assert.equal(canonicalShallow(ordered), ordered);
    assert.deepEqual(Object.keys(canonicalShallow({ b: 1, a: 2, 10: 3 })), ['10', 'a', 'b']);
  });
});
