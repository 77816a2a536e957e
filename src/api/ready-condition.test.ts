// Ready, Reconciling and Stalled as kstatus reads them, for hubs and forms and their nodes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formReadiness,
  hubReadiness,
  kstatusConditions,
  type Readiness,
} from './ready-condition.js';

const shown = (readiness: Readiness): string[] =>
  kstatusConditions(readiness).map((c) => `${c.type}=${c.status} ${c.reason}`);

describe('kstatus conditions', () => {
  it('O2 at most one of Ready, Reconciling and Stalled is True, and each state sets its own', () => {
    const states = ['ready', 'reconciling', 'stalled', 'idle'] as const;
    for (const state of states) {
      const conditions = kstatusConditions({ state, reason: 'Why', message: 'm' });
      const on = conditions.filter((c) => c.status === 'True').map((c) => c.type);
      const expected = {
        ready: ['Ready'],
        reconciling: ['Reconciling'],
        stalled: ['Stalled'],
        idle: [],
      }[state];
      assert.deepEqual(on, expected, state);
    }
  });

  it('O2 a hub is Ready only when it synced and every node it owns is Ready', () => {
    const synced = (ready: number, failed: number): Readiness =>
      hubReadiness({ phase: 'Ready', error: undefined, nodes: { total: 3, ready, failed } });
    assert.deepEqual(shown(synced(3, 0)), [
      'Ready=True AllNodesReady',
      'Reconciling=False AllReady',
      'Stalled=False AllReady',
    ]);
    assert.deepEqual(shown(synced(2, 0)).slice(0, 2), [
      'Ready=False NodesNotReady',
      'Reconciling=True NodesNotReady',
    ]);
    const failedNode = synced(1, 2);
    assert.equal(failedNode.state, 'stalled');
    assert.equal(failedNode.message, '1 of 3 nodes ready, 2 failed');
  });

  it('O2 a hub whose sync failed is Stalled with the error code, never Ready', () => {
    const readiness = hubReadiness({
      phase: 'Degraded',
      error: { code: 'DatasourceAuthFailed', message: 'Access denied for user lynq' },
      nodes: { total: 2, ready: 2, failed: 0 },
    });
    assert.deepEqual(shown(readiness), [
      'Ready=False DatasourceAuthFailed',
      'Reconciling=False DatasourceAuthFailed',
      'Stalled=True DatasourceAuthFailed',
    ]);
    assert.equal(readiness.message, 'Access denied for user lynq');
  });

  it('O2 a form with failed nodes is not Ready, and an invalid form is Stalled whatever its nodes show', () => {
    const nodes = { total: 3, ready: 1, failed: 2 };
    assert.equal(
      formReadiness({ phase: 'Ready', valid: true, errors: [], nodes }).state,
      'stalled',
    );
    const invalid = formReadiness({
      phase: 'Invalid',
      valid: false,
      errors: ['resource "cfg": dependIds: "db" does not exist'],
      nodes: { total: 0, ready: 0, failed: 0 },
    });
    assert.deepEqual(shown(invalid)[0], 'Ready=False Invalid');
    assert.match(invalid.message, /dependIds: "db" does not exist/);
    const allReady = formReadiness({
      phase: 'Ready',
      valid: true,
      errors: [],
      nodes: { total: 2, ready: 2, failed: 0 },
    });
    assert.equal(allReady.state, 'ready');
  });

  it('O2 F5 a form whose rollout failed its progress deadline is Stalled with RolloutFailed naming the nodes', () => {
    const failed = formReadiness({
      phase: 'Ready',
      valid: true,
      errors: [],
      nodes: { total: 3, ready: 2, failed: 0 },
      rolloutFailedNodes: ['acme-web'],
    });
    assert.deepEqual(shown(failed)[2], 'Stalled=True RolloutFailed');
    assert.match(failed.message, /acme-web/);
  });

  it('O2 a suspended hub or form is neither Ready nor Reconciling nor Stalled', () => {
    const nodes = { total: 1, ready: 1, failed: 0 };
    for (const readiness of [
      hubReadiness({ phase: 'Suspended', error: undefined, nodes }),
      formReadiness({ phase: 'Suspended', valid: true, errors: [], nodes }),
    ]) {
      assert.deepEqual(
        kstatusConditions(readiness).map((c) => c.status),
        ['False', 'False', 'False'],
      );
    }
  });
});
