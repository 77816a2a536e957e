// Unit tests for the machines' retry backoff: doubling from one second, never past the cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryBackoffMillis } from './retry-backoff.js';

describe('retryBackoffMillis', () => {
  it('H7 doubles from one second per consecutive failure', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((failures) => retryBackoffMillis(failures, 60_000)),
      [1_000, 2_000, 4_000, 8_000],
    );
  });

  it('H7 never waits longer than the cap, however many failures', () => {
    assert.equal(retryBackoffMillis(7, 30_000), 30_000);
    assert.equal(retryBackoffMillis(10_000, 300_000), 300_000);
  });

  it('counts zero failures as one', () => {
    assert.equal(retryBackoffMillis(0, 60_000), 1_000);
  });
});
