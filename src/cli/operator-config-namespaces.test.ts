// Which namespaces the operator watches, from flags and environment (SPEC P1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOperatorConfig } from './operator-config.js';

describe('operator config: watched namespaces', () => {
  it('SPEC P1 watches all namespaces when none is given', () => {
    assert.equal(readOperatorConfig([], {}).watchNamespaces, undefined);
  });

  it('SPEC P1 reads --watch-namespaces as a list and --namespace as its one-element form', () => {
    assert.deepEqual(readOperatorConfig(['--watch-namespaces', 'a, b'], {}).watchNamespaces, [
      'a',
      'b',
    ]);
    assert.deepEqual(readOperatorConfig(['--namespace=a'], {}).watchNamespaces, ['a']);
  });

  it('SPEC P1 reads LYNQ_WATCH_NAMESPACES and LYNQ_NAMESPACE, flags first', () => {
    assert.deepEqual(readOperatorConfig([], { LYNQ_WATCH_NAMESPACES: 'a,b' }).watchNamespaces, [
      'a',
      'b',
    ]);
    assert.deepEqual(readOperatorConfig([], { LYNQ_NAMESPACE: 'c' }).watchNamespaces, ['c']);
    assert.deepEqual(
      readOperatorConfig(['--namespace', 'd'], { LYNQ_WATCH_NAMESPACES: 'a,b' }).watchNamespaces,
      ['d'],
    );
  });

  it('SPEC P1 refuses --namespace together with --watch-namespaces', () => {
    assert.throws(
      () => readOperatorConfig(['--namespace', 'a', '--watch-namespaces', 'b'], {}),
      /--namespace and --watch-namespaces/,
    );
  });
});
