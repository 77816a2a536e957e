// Unit tests of the deletion guard's decision and token (SPEC H9).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideDeletions, deletionLimit, deletionToken } from './deletion-guard.js';

const names = (n: number, prefix = 'node'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i)}`);

describe('deletion guard', () => {
  it('H9 allows 10 of 20 deletions and holds 11 of 20 under the default 50%', () => {
    assert.equal(
      decideDeletions({
        maxDeletions: undefined,
        nodes: 20,
        candidates: names(10),
        allowToken: undefined,
      }).verdict,
      'allow',
    );
    const held = decideDeletions({
      maxDeletions: undefined,
      nodes: 20,
      candidates: names(11),
      allowToken: undefined,
    });
    assert.equal(held.verdict, 'hold');
    assert.equal(held.count, 11);
    assert.equal(held.limit, 10);
  });

  it('H9 never holds deletions of a hub with 10 nodes or fewer', () => {
    const decision = decideDeletions({
      maxDeletions: 0,
      nodes: 10,
      candidates: names(10),
      allowToken: undefined,
    });
    assert.deepEqual(decision, { verdict: 'allow', tokenSpent: false, limit: 0 });
  });

  it('H9 takes an absolute maxDeletions as a count', () => {
    const input = { maxDeletions: 2, nodes: 20, allowToken: undefined };
    assert.equal(decideDeletions({ ...input, candidates: names(2) }).verdict, 'allow');
    assert.equal(decideDeletions({ ...input, candidates: names(3) }).verdict, 'hold');
  });

  it('H9 the token of the held set releases exactly that set, once spent', () => {
    const candidates = names(20);
    const held = decideDeletions({
      maxDeletions: '50%',
      nodes: 20,
      candidates,
      allowToken: undefined,
    });
    assert.equal(held.verdict, 'hold');
    const token = held.token;
    assert.equal(token, deletionToken([...candidates].reverse()), 'order does not matter');
    assert.deepEqual(
      decideDeletions({ maxDeletions: '50%', nodes: 20, candidates, allowToken: token }),
      { verdict: 'allow', tokenSpent: true, limit: 10 },
    );
  });

  it('H9 a different set gets a new token, and the old token releases nothing', () => {
    const first = deletionToken(names(15));
    const changed = decideDeletions({
      maxDeletions: '50%',
      nodes: 20,
      candidates: names(16),
      allowToken: first,
    });
    assert.equal(changed.verdict, 'hold');
    assert.notEqual(changed.token, first);
  });

  it('reads percents rounding down, and integers written as strings', () => {
    assert.equal(deletionLimit('50%', 21), 10);
    assert.equal(deletionLimit('100%', 7), 7);
    assert.equal(deletionLimit('0%', 50), 0);
    assert.equal(deletionLimit('3', 50), 3);
    assert.equal(deletionLimit(undefined, 30), 15);
  });
});
