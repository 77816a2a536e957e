// A resource's id prefixes its messages once.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { resourceMessage } from './resource-message.js';

it('O1 a message names its resource once, also when the cause already named it', () => {
  assert.equal(resourceMessage('cfg', 'OwnerConflict'), 'resource "cfg": OwnerConflict');
  const rendered = 'resource "cfg" field data.REGION (line 1, column 4): undefined: region';
  assert.equal(resourceMessage('cfg', rendered), rendered);
  // Another resource named inside the message is no reason to drop the prefix.
  assert.equal(
    resourceMessage('app', 'resource "cfg" failed'),
    'resource "app": resource "cfg" failed',
  );
});
