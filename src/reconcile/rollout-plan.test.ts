// Unit tests of the rollout planner, as a table (SPEC F4, F5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  partitionLimit,
  planRollout,
  type RolloutNode,
  type RolloutPlanInput,
} from './rollout-plan.js';

const now = 1_000_000;
const T = 'form-new';
const O = 'form-old';

/** A node on the old revision, Ready, moved long ago (or never). */
const old = (name: string): RolloutNode => ({ name, revision: O, ready: true });
/** A node moved to `revision` `agoMs` ago, Ready or not. */
const moved = (name: string, ready: boolean, agoMs = 1_000, revision = T): RolloutNode => ({
  name,
  revision,
  ready,
  moved: { revision, at: now - agoMs },
});
const fresh = (name: string): RolloutNode => ({ name, revision: undefined, ready: false });

const base: RolloutPlanInput = {
  target: T,
  nodes: [],
  maxSkew: 2,
  progressDeadlineSeconds: 60,
  suspended: false,
  completed: false,
  now,
};

interface Row {
  readonly name: string;
  readonly input: Partial<RolloutPlanInput>;
  readonly move: readonly string[];
  readonly start?: readonly string[];
  readonly phase: string;
  readonly updating?: number;
  readonly failed?: readonly string[];
  readonly nextDeadlineInMs?: number;
}

const table: readonly Row[] = [
  {
    name: 'F4 maxSkew 2 moves the first two nodes by name, whatever the input order',
    input: { nodes: [old('c'), old('a'), old('d'), old('b')] },
    move: ['a', 'b'],
    phase: 'InProgress',
  },
  {
    name: 'F4 maxSkew 0 moves every node at once',
    input: { maxSkew: 0, nodes: [old('c'), old('a'), old('b')] },
    move: ['a', 'b', 'c'],
    phase: 'InProgress',
  },
  {
    name: 'F4 two nodes updating fill maxSkew 2: nothing moves',
    input: { nodes: [moved('a', false), moved('b', false), old('c')] },
    move: [],
    phase: 'InProgress',
    updating: 2,
    nextDeadlineInMs: 59_000,
  },
  {
    name: 'F4 a node that became Ready frees its slot for the next by name',
    input: { nodes: [moved('a', true), moved('b', false), old('c'), old('d')] },
    move: ['c'],
    phase: 'InProgress',
    updating: 1,
  },
  {
    name: 'F4 new nodes start at the target outside the count',
    input: { nodes: [moved('a', false), moved('b', false), fresh('n1'), fresh('n2'), old('c')] },
    move: [],
    start: ['n1', 'n2'],
    phase: 'InProgress',
    updating: 2,
  },
  {
    name: 'F4 a node at the target since it was new is no update: it holds no slot, Ready or not',
    input: { nodes: [{ name: 'a', revision: T, ready: false }, old('b'), old('c')] },
    move: ['b', 'c'],
    phase: 'InProgress',
    updating: 0,
  },
  {
    name: 'F4 every node Ready on the target: Complete, nothing to do',
    input: { nodes: [moved('a', true), { name: 'b', revision: T, ready: true }] },
    move: [],
    phase: 'Complete',
  },
  {
    name: 'F4 no nodes: Idle',
    input: { nodes: [] },
    move: [],
    phase: 'Idle',
  },
  {
    name: 'F4 a node still in flight to an older revision holds a slot when the form changes again',
    input: { nodes: [moved('a', false, 1_000, O), old('b'), old('c')] },
    // a moves on to the target in the slot it holds; b takes the other.
    move: ['a', 'b'],
    phase: 'InProgress',
    updating: 0,
  },
  {
    name: 'F4 lowering maxSkew below the nodes in flight moves nothing',
    input: { maxSkew: 1, nodes: [moved('a', false), moved('b', false), old('c')] },
    move: [],
    phase: 'InProgress',
  },
  {
    name: 'F5 a node not Ready within its deadline fails the rollout; nothing else moves',
    input: { nodes: [moved('a', false, 60_000), moved('b', true), old('c'), old('d')] },
    move: [],
    phase: 'Failed',
    failed: ['a'],
  },
  {
    name: 'F5 the failed node Ready again: the rollout resumes',
    input: { nodes: [moved('a', true, 90_000), moved('b', true), old('c'), old('d')] },
    move: ['c', 'd'],
    phase: 'InProgress',
  },
  {
    name: 'F5 a new target: a node that failed the previous one is moved again and fails nothing',
    input: { nodes: [moved('a', false, 90_000, O), old('b')] },
    move: ['a', 'b'],
    phase: 'InProgress',
    failed: [],
  },
  {
    name: 'F5 a rollout that completed once is not failed by a node turning unready later',
    input: { completed: true, nodes: [moved('a', false, 90_000), moved('b', true)] },
    move: [],
    phase: 'InProgress',
    failed: [],
  },
  {
    name: 'F5 the next deadline is the earliest of the nodes updating',
    input: { nodes: [moved('a', false, 10_000), moved('b', false, 30_000), old('c')] },
    move: [],
    phase: 'InProgress',
    nextDeadlineInMs: 30_000,
  },
  {
    name: '§1 suspended: new nodes start, nothing else moves, Paused',
    input: { suspended: true, nodes: [old('a'), old('b'), fresh('n')] },
    move: [],
    start: ['n'],
    phase: 'Paused',
  },
  {
    name: 'F4 partition 2 moves only the first two by name, then pauses',
    input: { partition: 2, nodes: [old('a'), old('b'), old('c'), old('d')] },
    move: ['a', 'b'],
    phase: 'InProgress',
  },
  {
    name: 'F4 partition reached with its nodes Ready: Paused',
    input: { partition: '50%', nodes: [moved('a', true), moved('b', true), old('c'), old('d')] },
    move: [],
    phase: 'Paused',
  },
];

describe('rollout planner', () => {
  for (const row of table) {
    it(row.name, () => {
      const plan = planRollout({ ...base, ...row.input });
      assert.deepEqual(plan.move, row.move, 'moves');
      assert.deepEqual(plan.start, row.start ?? [], 'starts');
      assert.equal(plan.phase, row.phase);
      if (row.updating !== undefined) assert.equal(plan.counts.updating, row.updating, 'updating');
      if (row.failed !== undefined) assert.deepEqual(plan.failedNodes, row.failed, 'failed');
      if (row.nextDeadlineInMs !== undefined)
        assert.equal(plan.nextDeadlineInMs, row.nextDeadlineInMs, 'next deadline');
    });
  }

  it('F4 moving a slot at a time, 6 nodes with maxSkew 2 never have more than 2 in flight', () => {
    const revisions = new Map<string, RolloutNode>(
      ['f', 'e', 'd', 'c', 'b', 'a'].map((n) => [n, old(n)]),
    );
    let maxInFlight = 0;
    const order: string[] = [];
    for (let step = 0; step < 20; step += 1) {
      const plan = planRollout({ ...base, nodes: [...revisions.values()] });
      for (const name of plan.move) {
        revisions.set(name, moved(name, false, 0));
        order.push(name);
      }
      const inFlight = [...revisions.values()].filter((n) => n.revision === T && !n.ready);
      maxInFlight = Math.max(maxInFlight, inFlight.length);
      // The first node in flight becomes Ready.
      const first = inFlight[0];
      if (first !== undefined) revisions.set(first.name, { ...first, ready: true });
      if (plan.phase === 'Complete') break;
    }
    assert.equal(maxInFlight, 2);
    assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('F5 the failure message names the failed nodes and the deadline', () => {
    const plan = planRollout({ ...base, nodes: [moved('a', false, 61_000), old('b')] });
    assert.match(plan.message ?? '', /1 node\(s\) not Ready within 60s of moving to form-new: a/);
    assert.equal(plan.counts.failed, 1);
  });

  it('F4 partition counts and percents round up, so any percent above 0 is a canary', () => {
    assert.equal(partitionLimit(undefined, 7), 7);
    assert.equal(partitionLimit(3, 7), 3);
    assert.equal(partitionLimit('10%', 7), 1);
    assert.equal(partitionLimit('0%', 7), 0);
    assert.equal(partitionLimit('100%', 7), 7);
    assert.equal(partitionLimit('4', 7), 4);
  });
});
