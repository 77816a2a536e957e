// Unit tests for reading a thrown value: a LynqError's fields, an Error's message, anything else as text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidSpecError } from '../errors.js';
import { thrownFailure } from './thrown-failure.js';

describe('thrownFailure', () => {
  it('reads the code, message, kind and details of a LynqError', () => {
    const failure = thrownFailure(
      invalidSpecError('BadTemplate', 'no such variable', undefined, { at: 'x' }),
    );
    assert.deepEqual(failure, {
      code: 'BadTemplate',
      message: 'no such variable',
      kind: 'InvalidSpec',
      details: { at: 'x' },
    });
  });

  it('gives no code for a plain Error or an empty code', () => {
    assert.equal(thrownFailure(new Error('boom')).code, undefined);
    assert.equal(thrownFailure(Object.assign(new Error('boom'), { code: '' })).code, undefined);
    assert.equal(thrownFailure(new Error('boom')).message, 'boom');
  });

  it('describes an object without a message by its JSON, anything else by its text', () => {
    assert.equal(thrownFailure({ status: 500 }).message, '{"status":500}');
    assert.equal(thrownFailure('refused').message, 'refused');
    assert.equal(thrownFailure(undefined).message, 'undefined');
  });
});
