// FieldFight (SPEC N12): at most five takebacks in ten minutes, then ten minutes of leaving the object alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldFightWindowMs, judgeTakeback, type FieldFights } from './field-fight.js';

const cm = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'home', name: 'cfg' };

describe('field fights', () => {
  it('N12 repairs five takebacks in ten minutes, calls the sixth a fight, stays away for the window, then repairs again', () => {
    const fights: FieldFights = new Map();
    const verdicts = [0, 1, 2, 3, 4, 5].map((i) => judgeTakeback(fights, cm, i * 60_000));
    assert.deepEqual(verdicts, ['repair', 'repair', 'repair', 'repair', 'repair', 'fight']);
    assert.equal(judgeTakeback(fights, cm, 6 * 60_000), 'quiet');
    assert.equal(judgeTakeback(fights, cm, 5 * 60_000 + fieldFightWindowMs), 'repair');
    // Another object has its own count.
    assert.equal(judgeTakeback(fights, { ...cm, name: 'other' }, 6 * 60_000), 'repair');
  });

  it('N12 takebacks spread wider than the window never make a fight', () => {
    const fights: FieldFights = new Map();
    for (let i = 0; i < 20; i += 1) {
      assert.equal(judgeTakeback(fights, cm, i * (fieldFightWindowMs / 5)), 'repair');
    }
  });
});
