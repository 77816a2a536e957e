// The held inventory (SPEC N10): this process's last pass joined with the recorded status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedResource } from '../api/lynq-node.schema.js';
import { heldInventory } from './node-inventory.js';

const entry = (id: string, name = id): AppliedResource => ({
  id,
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'home',
  name,
  deletionPolicy: 'Delete',
  creationPolicy: 'WhenNeeded',
  level: 0,
});

describe('held inventory', () => {
  it('N10 the status alone before any pass; the last pass first, then what only the status records', () => {
    assert.deepEqual(heldInventory([entry('a')], undefined), [entry('a')]);
    // The status lags: the last pass created b and c; the status still shows a only.
    assert.deepEqual(heldInventory([entry('a')], [entry('b'), entry('c')]), [
      entry('b'),
      entry('c'),
      entry('a'),
    ]);
    // The same id at another object is another entry; the same object is listed once.
    assert.deepEqual(heldInventory([entry('a'), entry('b', 'old')], [entry('a'), entry('b')]), [
      entry('a'),
      entry('b'),
      entry('b', 'old'),
    ]);
  });
});
