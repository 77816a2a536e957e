// How a pass ended, as a table: every combination of resource results and pending removals (SPEC N2, N8, N9, N10, O2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodePassOutcome } from '../machines/node.contract.js';
import {
  passOutcome,
  passSummary,
  type PassResults,
  type PendingRemoval,
  type ResourceResult,
} from './node-pass-outcome.js';

const result = (
  id: string,
  state: string,
  patch: Partial<ResourceResult> = {},
): { id: string; result: ResourceResult } => ({
  id,
  result: {
    status: { id, state, reason: state },
    failed: false,
    ready: false,
    retryable: false,
    applied: undefined,
    conflictReason: undefined,
    ...patch,
  },
});

const ready = (id: string) => result(id, 'Ready', { ready: true });
const waitingFor = (id: string, timeoutInMillis?: number) =>
  result(id, 'Applied', {
    waiting: timeoutInMillis === undefined ? {} : { timeoutInMillis },
  });
const heldBack = (id: string, dependency: string) =>
  result(id, 'WaitingForDependencies', { waiting: { dependency } });
const failed = (id: string, retryable: boolean) =>
  result(id, 'Failed', { failed: true, retryable });
const conflicted = (id: string) =>
  result(id, 'Conflicted', { failed: true, retryable: true, conflictReason: 'OwnerConflict' });
const skipped = (id: string) => result(id, 'Skipped', { failed: true });
const removal = (id: string, waiting: boolean): PendingRemoval => ({
  status: { id, state: 'Deleting', reason: waiting ? 'WaitingOnFinalizer' : 'Forbidden' },
  waiting,
});

const table: readonly (readonly [string, PassResults, NodePassOutcome])[] = [
  [
    'N1 every resource ready and nothing left to remove: ready',
    { planned: [ready('a'), ready('b')], removals: [] },
    { kind: 'ready', reason: 'AllResourcesReady' },
  ],
  [
    'N1 an empty plan is ready',
    { planned: [], removals: [] },
    { kind: 'ready', reason: 'AllResourcesReady' },
  ],
  [
    'N8 an applied resource not ready yet: waiting on readiness, with its timeout',
    { planned: [ready('a'), waitingFor('web', 60_000)], removals: [] },
    {
      kind: 'waiting',
      on: 'readiness',
      resource: 'web',
      reason: 'WaitingForReady',
      deadlineMillis: 60_000,
    },
  ],
  [
    'N8 the earliest of several readiness timeouts',
    { planned: [waitingFor('a', 90_000), waitingFor('b', 30_000)], removals: [] },
    {
      kind: 'waiting',
      on: 'readiness',
      resource: 'a',
      reason: 'WaitingForReady',
      deadlineMillis: 30_000,
    },
  ],
  [
    'N2 a dependant held back names the resource it waits for; no timeout without one',
    { planned: [heldBack('settings', 'web'), waitingFor('web')], removals: [] },
    { kind: 'waiting', on: 'readiness', resource: 'web', reason: 'WaitingForReady' },
  ],
  [
    'N10 a removed resource held only by a foreign finalizer: waiting on removal',
    { planned: [ready('a')], removals: [removal('old', true)] },
    { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
  ],
  [
    'N9 N10 a pending removal outranks a readiness wait (the backoff looks again)',
    { planned: [waitingFor('web', 5_000)], removals: [removal('old', true)] },
    { kind: 'waiting', on: 'removal', resource: 'old', reason: 'WaitingOnFinalizer' },
  ],
  [
    'N10 a removal that failed fails the pass, retryable',
    { planned: [ready('a')], removals: [removal('old', false)] },
    { kind: 'failed', retryable: true, reason: 'ResourcesFailed' },
  ],
  [
    'N2 a failure that no retry can fix, beside a waiting resource: failed, not retryable',
    { planned: [failed('a', false), waitingFor('web', 1_000)], removals: [] },
    { kind: 'failed', retryable: false, reason: 'ResourcesFailed' },
  ],
  [
    'N6 a conflict names its reason and is retried',
    { planned: [conflicted('a'), ready('b')], removals: [] },
    { kind: 'failed', retryable: true, reason: 'OwnerConflict' },
  ],
  [
    'N14 a render failure of the whole node names the failure, whatever else failed',
    { planned: [conflicted('a')], removals: [], renderFailure: 'RenderBudgetExceeded' },
    { kind: 'failed', retryable: true, reason: 'RenderBudgetExceeded' },
  ],
  [
    'N2 a skipped dependant fails the pass; a retryable failure elsewhere makes it retryable',
    { planned: [failed('a', true), skipped('b')], removals: [] },
    { kind: 'failed', retryable: true, reason: 'ResourcesFailed' },
  ],
  [
    'O2 a resource without a result (the pass was cut short) is not ready',
    { planned: [ready('a'), { id: 'b', result: undefined }], removals: [] },
    { kind: 'failed', retryable: false, reason: 'ResourcesFailed' },
  ],
];

describe('pass outcome', () => {
  for (const [name, pass, expected] of table) {
    it(name, () => {
      assert.deepEqual(passOutcome(pass), expected);
    });
  }

  it('O2 the summary counts ready, failed and skipped resources and says what is not ready', () => {
    const summary = passSummary({
      planned: [ready('a'), failed('b', true), skipped('c')],
      removals: [removal('old', true)],
    });
    assert.equal(summary.readyCount, 1);
    assert.equal(summary.failedCount, 1, 'a skip is counted as skipped, not failed');
    assert.deepEqual(summary.skippedResourceIds, ['c']);
    assert.equal(summary.desired, 3);
    assert.equal(summary.message, 'b: Failed; c: Skipped; old: WaitingOnFinalizer');
    assert.equal(
      passSummary({ planned: [ready('a'), ready('b')], removals: [] }).message,
      '2/2 resources ready',
    );
  });
});
