// Unit tests for SPEC H4's row checks: empty uids rejected, duplicated uids withheld and reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Row } from './datasource.js';
import { partitionRows } from './row-partition.js';

const row = (uid: string, active = true): Row => ({
  uid,
  active,
  variables: { uid },
  canonical: JSON.stringify({ uid }),
});

describe('partitionRows (H4)', () => {
  it('H4 keeps rows whose uid appears once, in order', () => {
    const result = partitionRows([row('b'), row('a'), row('c', false)]);
    assert.deepEqual(
      result.unique.map((r) => r.uid),
      ['b', 'a', 'c'],
    );
    assert.deepEqual(result.duplicateUids, []);
    assert.equal(result.emptyUidCount, 0);
    assert.equal(result.rejectedCount, 0);
  });

  it('H4 rejects rows with an empty or blank uid', () => {
    const result = partitionRows([row(''), row('  '), row('a'), row('')]);
    assert.deepEqual(
      result.unique.map((r) => r.uid),
      ['a'],
    );
    assert.equal(result.emptyUidCount, 3);
    assert.equal(result.rejectedCount, 3);
    assert.deepEqual(result.duplicateUids, []);
  });

  it('H4 withholds every row of a duplicated uid, active or not, and reports it once', () => {
    const result = partitionRows([
      row('x'),
      row('d'),
      row('x', false),
      row('y'),
      row('d'),
      row('d'),
    ]);
    assert.deepEqual(
      result.unique.map((r) => r.uid),
      ['y'],
    );
    assert.deepEqual(result.duplicateUids, ['d', 'x']);
    assert.equal(result.rejectedCount, 5);
  });

  it('H4 compares uids exactly: case and spacing make different uids', () => {
    const result = partitionRows([row('A'), row('a'), row('a ')]);
    assert.equal(result.unique.length, 3);
    assert.deepEqual(result.duplicateUids, []);
  });
});
