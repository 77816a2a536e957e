// Unit tests for SPEC H2: which activate values make a row active.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isActive } from './activation.js';

describe('isActive (H2)', () => {
  for (const value of ['1', 'true', 'TRUE', 'True', 'yes', 'YES', 'Yes', 1, true]) {
    it(`H2 treats ${JSON.stringify(value)} as active`, () => {
      assert.equal(isActive(value), true);
    });
  }

  for (const value of [
    '',
    '0',
    'false',
    'tRUE',
    'yEs',
    'y',
    'on',
    ' 1',
    '1 ',
    '1.0',
    '01',
    0,
    2,
    -1,
    1.5,
    false,
    null,
    undefined,
    {},
    [1],
  ]) {
    it(`H2 treats ${value === undefined ? 'undefined' : JSON.stringify(value)} as inactive`, () => {
      assert.equal(isActive(value), false);
    });
  }
});
