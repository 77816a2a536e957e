// A node's memory of what it applied: a hash counts only for the object it went to, and is gone once that object is removed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forgetHash, knownHash, rememberHash, type AppliedHashes } from './applied-hashes.js';

const cm = (name: string, namespace = 'home') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace,
  name,
});

describe('applied hashes', () => {
  it('N13 knows the hash last applied to the same object', () => {
    const hashes: AppliedHashes = new Map();
    rememberHash(hashes, 'config', cm('a'), 'h1');
    assert.equal(knownHash(hashes, 'config', cm('a')), 'h1');
    rememberHash(hashes, 'config', cm('a'), 'h2');
    assert.equal(knownHash(hashes, 'config', cm('a')), 'h2');
    assert.equal(knownHash(hashes, 'other', cm('a')), undefined);
  });

  it('N10 a hash recorded for another object (the rendered identity changed) is not known', () => {
    const hashes: AppliedHashes = new Map();
    rememberHash(hashes, 'config', cm('a'), 'h1');
    assert.equal(knownHash(hashes, 'config', cm('b')), undefined, 'another name');
    assert.equal(knownHash(hashes, 'config', cm('a', 'away')), undefined, 'another namespace');
    assert.equal(
      knownHash(hashes, 'config', { ...cm('a'), apiVersion: 'example.com/v1' }),
      undefined,
      'another apiVersion',
    );
    assert.equal(
      knownHash(hashes, 'config', { apiVersion: 'v1', kind: 'ConfigMap', name: 'a' }),
      undefined,
      'no namespace',
    );
  });

  it('N10 forgets the hash of an object that was deleted or released, so its return is written again', () => {
    const hashes: AppliedHashes = new Map();
    rememberHash(hashes, 'keep', cm('keep'), 'h1');
    forgetHash(hashes, 'keep', cm('keep'));
    assert.equal(knownHash(hashes, 'keep', cm('keep')), undefined);
  });

  it('N10 removing the old object of a moved resource keeps the hash of its new object', () => {
    const hashes: AppliedHashes = new Map();
    rememberHash(hashes, 'config', cm('old'), 'h1');
    // The pass applies the new identity first, then removes the old object.
    rememberHash(hashes, 'config', cm('new'), 'h2');
    forgetHash(hashes, 'config', cm('old'));
    assert.equal(knownHash(hashes, 'config', cm('new')), 'h2');
  });
});
