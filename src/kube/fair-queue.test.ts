// The fair queue: hubs take turns, and a hub gives its most urgent request first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFairQueue } from './fair-queue.js';

const drain = <T>(queue: { shift(): T | undefined }): T[] => {
  const out: T[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
};

describe('fair queue', () => {
  it('P4 serves the hubs in turns, one item each, whatever their queue lengths', () => {
    const queue = createFairQueue<string>();
    for (let i = 0; i < 5; i += 1) queue.push('a', 'change', `a${i}`);
    queue.push('b', 'change', 'b0');
    queue.push('c', 'change', 'c0');
    queue.push('c', 'change', 'c1');
    assert.deepEqual(drain(queue), ['a0', 'b0', 'c0', 'a1', 'c1', 'a2', 'a3', 'a4']);
    assert.equal(queue.size, 0);
  });

  it('P4 a hub that starts waiting is served after each waiting hub had one turn', () => {
    const queue = createFairQueue<string>();
    for (let i = 0; i < 4; i += 1) queue.push('a', 'change', `a${i}`);
    queue.push('b', 'change', 'b0');
    assert.equal(queue.shift(), 'a0');
    queue.push('c', 'change', 'c0');
    assert.deepEqual(drain(queue), ['b0', 'a1', 'c0', 'a2', 'a3']);
  });

  it('P4 within a hub, removals before repairs before changes before resyncs, each oldest first', () => {
    const queue = createFairQueue<string>();
    queue.push('a', 'resync', 'read');
    queue.push('a', 'change', 'create1');
    queue.push('a', 'repair', 'repair');
    queue.push('a', 'change', 'create2');
    queue.push('a', 'removal', 'delete');
    assert.deepEqual(queue.depth(), { removal: 1, repair: 1, change: 2, resync: 1 });
    assert.deepEqual(drain(queue), ['delete', 'repair', 'create1', 'create2', 'read']);
    assert.deepEqual(queue.depth(), { removal: 0, repair: 0, change: 0, resync: 0 });
  });

  it('takes out a removed item and drops a hub left with nothing from the turns', () => {
    const queue = createFairQueue<string>();
    queue.push('a', 'change', 'a0');
    queue.push('a', 'change', 'a1');
    queue.push('b', 'change', 'b0');
    queue.push('c', 'change', 'c0');
    assert.equal(queue.remove('b', 'change', 'b0'), true);
    assert.equal(queue.remove('b', 'change', 'b0'), false);
    assert.equal(queue.remove('a', 'removal', 'a0'), false, 'looked up at its own priority');
    assert.equal(queue.size, 3);
    assert.deepEqual(drain(queue), ['a0', 'c0', 'a1']);
  });

  it('keeps the turn order when the hub before the turn leaves', () => {
    const queue = createFairQueue<string>();
    queue.push('a', 'change', 'a0');
    queue.push('b', 'change', 'b0');
    queue.push('b', 'change', 'b1');
    queue.push('c', 'change', 'c0');
    queue.push('c', 'change', 'c1');
    assert.equal(queue.shift(), 'a0');
    assert.equal(queue.shift(), 'b0');
    queue.push('a', 'change', 'a1');
    assert.equal(queue.remove('b', 'change', 'b1'), true);
    assert.deepEqual(drain(queue), ['c0', 'a1', 'c1']);
  });
  it('P4 a lane of many thousand items gives them back oldest first, and removes one from the middle', () => {
    const queue = createFairQueue<number>();
    for (let i = 0; i < 5_000; i += 1) queue.push('busy', 'change', i);
    assert.equal(queue.remove('busy', 'change', 4_000), true);
    assert.equal(queue.remove('busy', 'change', 4_000), false);
    const served: number[] = [];
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) served.push(item);
    assert.deepEqual(
      served,
      Array.from({ length: 5_000 }, (_, i) => i).filter((i) => i !== 4_000),
    );
    assert.equal(queue.size, 0);
    assert.deepEqual(queue.depth().change, 0);
  });
});
