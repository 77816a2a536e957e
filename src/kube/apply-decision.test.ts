// What to do with one object, as a table: live object × policies × holder → create, re-hold, mark, write or done (SPEC N5–N7, N10, N12, N13, N16, H8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RenderedManifest } from '../render/render-types.js';
import type { ResourcePolicies } from './apply-contract.js';
import {
  decideApply,
  decideUnread,
  type ApplyDecision,
  type ApplyDecisionInput,
} from './apply-decision.js';
import type { KubeObject } from './kube-object.js';
import { defaultTargetPolicy, type TargetPolicy } from './target-policy.js';

const node = { name: 'n1', namespace: 'home', uid: 'node-uid' };
const tracked = { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home' };
const otherNode = { 'lynq.sh/node': 'n2', 'lynq.sh/node-namespace': 'home' };
const createdHere = { 'lynq.sh/created-by': 'home/n1' };
const releasedHere = { 'lynq.sh/orphaned-from': 'home/n1' };

const manifest: RenderedManifest = {
  id: 'cm',
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'cm',
  namespace: 'home',
  namespaced: true,
  json: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }),
  hash: 'h1',
};

const policies: ResourcePolicies = {
  creationPolicy: 'WhenNeeded',
  deletionPolicy: 'Delete',
  conflictPolicy: 'Stuck',
  patchStrategy: 'apply',
};

const live = (
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'home', uid: 'obj-uid', labels, annotations, ...extra },
});

const input = (patch: Partial<ApplyDecisionInput>): ApplyDecisionInput => ({
  node,
  manifest,
  policies,
  live: undefined,
  namespaced: true,
  reheld: false,
  what: 'ConfigMap home/cm',
  ...patch,
});

/** The decision's kind, with what it writes as or the outcome's state and reason. */
const summary = (decision: ApplyDecision): string => {
  switch (decision.kind) {
    case 'done':
      return `done ${decision.outcome.state} ${decision.outcome.reason}`;
    case 'write':
      return `write ${decision.as}`;
    case 'mark':
      return `mark ${String(decision.marked)}`;
    case 'create':
    case 'rehold':
      return decision.kind;
  }
};

const force = { ...policies, conflictPolicy: 'Force' } as const;
const once = { ...policies, creationPolicy: 'Once' } as const;
const takeoverTargets: TargetPolicy = { ...defaultTargetPolicy, allowClusterScopedTakeover: true };

const table: readonly (readonly [string, Partial<ApplyDecisionInput>, string])[] = [
  ['N6 an absent object is created', {}, 'create'],
  [
    'N7 an absent Job whose run completed is not created again',
    { completed: true },
    'done unchanged Completed',
  ],
  ['N5 an object this node holds is written', { live: live(tracked) }, 'write applied'],
  [
    'N6 an object another node holds is never written, even under Force',
    { live: live(otherNode), policies: force },
    'done conflict OwnerConflict',
  ],
  [
    'N6 an object no node holds is left alone under Stuck',
    { live: live() },
    'done conflict ResourceConflict',
  ],
  [
    'N6 an object no node holds is adopted under Force',
    { live: live(), policies: force },
    'write adopted',
  ],
  [
    'N6 stripped labels: an object this node created is taken back, not a conflict',
    { live: live({}, createdHere) },
    'write applied',
  ],
  [
    'N6 N16 a cluster-scoped object no node holds is not taken over with Force alone',
    { live: live(), policies: force, namespaced: false },
    'done conflict ResourceConflict',
  ],
  [
    'N6 N16 a cluster-scoped object is taken over with both opt-ins',
    {
      live: live(),
      policies: { ...force, allowClusterScopedTakeover: true },
      namespaced: false,
      targets: takeoverTargets,
    },
    'write adopted',
  ],
  [
    'N6 an object being deleted is written again once it is gone',
    { live: live(tracked, {}, { deletionTimestamp: '2026-12-06T00:00:00Z' }) },
    'done failed Terminating',
  ],
  ['N10 an object this node released is re-held first', { live: live({}, releasedHere) }, 'rehold'],
  ['N10 the write after a re-hold says so', { live: live(tracked), reheld: true }, 'write reheld'],
  [
    'N12 a verification writes nothing to an object carrying the desired hash',
    { live: live(tracked, { 'lynq.sh/desired-hash': 'h1' }), drifted: false },
    'done unchanged Unchanged',
  ],
  [
    'N12 a verification writes when Lynq owns fewer fields than after its last write',
    { live: live(tracked, { 'lynq.sh/desired-hash': 'h1' }), drifted: false, minOwned: 5 },
    'write applied',
  ],
  [
    'N12 N13 a verification writes an object carrying another desired hash',
    { live: live(tracked, { 'lynq.sh/desired-hash': 'h0' }), drifted: false },
    'write applied',
  ],
  [
    'N12 a drift repair writes although the object carries the desired hash',
    { live: live(tracked, { 'lynq.sh/desired-hash': 'h1' }), drifted: true },
    'write applied',
  ],
  [
    'N7 a Once object is never updated',
    { live: live(tracked), policies: once },
    'done unchanged CreatedOnce',
  ],
  [
    'N7 N10 a re-held Once object is reported re-held, not updated',
    { live: live(tracked), policies: once, reheld: true },
    'done applied Reheld',
  ],
  [
    'H8 a Once object takes the mark of a marked node',
    { live: live(tracked), policies: once, node: { ...node, marked: true } },
    'mark true',
  ],
  [
    'H8 a Once object loses the mark of a node no longer marked',
    { live: live({ ...tracked, 'lynq.sh/deletion-protection': 'true' }), policies: once },
    'mark false',
  ],
];

describe('apply decision', () => {
  for (const [name, patch, expected] of table) {
    it(name, () => {
      assert.equal(summary(decideApply(input(patch))), expected);
    });
  }

  it('N13 an equal hash without drift needs no read; a drift or an unknown hash does', () => {
    const req = { node, manifest, policies };
    assert.equal(decideUnread({ ...req, lastAppliedHash: 'h1' })?.reason, 'Unchanged');
    assert.equal(decideUnread({ ...req, lastAppliedHash: 'h1', drifted: true }), undefined);
    assert.equal(decideUnread({ ...req, lastAppliedHash: 'h0' }), undefined);
    assert.equal(decideUnread(req), undefined);
  });

  it('N7 H8 a Once object needs no read for a new spec, but does for a change of the mark', () => {
    const req = { node, manifest, policies: once };
    assert.equal(decideUnread({ ...req, lastAppliedHash: 'h0' })?.reason, 'CreatedOnce');
    assert.equal(decideUnread({ ...req, lastAppliedHash: 'h0.protected' }), undefined);
  });

  it('N16 a target outside the allow-lists fails for good before any read', () => {
    const outcome = decideUnread({
      node,
      manifest: { ...manifest, namespace: 'elsewhere' },
      policies,
      targets: defaultTargetPolicy,
    });
    assert.equal(outcome?.state, 'failed');
    assert.equal(outcome.retryable, false);
  });
});
