// One hub sync against in-memory ports: writes only what the plan says, fails closed, and writes nothing when nothing changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hubObject, rowInput as row } from '../../test/fixtures/hub-objects.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { NodeObject } from '../api/node-object.js';
import { transientError } from '../errors.js';
import type { RowInput } from '../reconcile/plan-node-changes.js';
import { syncHubOnce, type HubSyncPorts } from './hub-sync.actor.js';

const hub = (passwordRef?: { name: string; key: string }): LynqHub =>
  hubObject({ syncInterval: '30s', ...(passwordRef ? { passwordRef } : {}) });

interface Fake {
  readonly ports: HubSyncPorts;
  readonly writes: string[];
  rows: readonly RowInput[] | Error;
  nodes: LynqNode[];
}

const fake = (h: LynqHub = hub()): Fake => {
  const state: Fake = {
    writes: [],
    rows: [],
    nodes: [],
    ports: undefined as unknown as HubSyncPorts,
  };
  const ports: HubSyncPorts = {
    getHub: () => h,
    formsOfHub: () => [{ name: 'web', valid: true }],
    nodesOfHub: () => state.nodes,
    readSecretKey: (_ns, name, key) =>
      name === 'db-secret' && key === 'password'
        ? Promise.resolve('s3cret')
        : Promise.reject(new Error(`secrets "${name}" not found`)),
    readRows: (_hub, password) => {
      state.writes.push(`read password=${password ?? '(none)'}`);
      return state.rows instanceof Error ? Promise.reject(state.rows) : Promise.resolve(state.rows);
    },
    createNode: (node: NodeObject) => {
      state.writes.push(`create ${node.spec.uid}`);
      state.nodes.push({ ...node, metadata: { ...node.metadata } } as unknown as LynqNode);
      return Promise.resolve();
    },
    updateNodeVariables: (_ns, name) => {
      state.writes.push(`update ${name}`);
      return Promise.resolve();
    },
    deleteNode: (_ns, name) => {
      state.writes.push(`delete ${name}`);
      state.nodes = state.nodes.filter((n) => n.metadata.name !== name);
      return Promise.resolve();
    },
    clearAllowDeletions: (_hub, token) => {
      state.writes.push(`clear allow-deletions ${token}`);
      return Promise.resolve();
    },
    report: () => undefined,
  };
  return Object.assign(state, { ports });
};

const input = { hub: { namespace: 'ns', name: 'hub' }, generation: 1 };
const signal = new AbortController().signal;

describe('syncHubOnce', () => {
  it('H5 creates a node per active row with owner reference, finalizer and labels', async () => {
    const f = fake();
    f.rows = [row('acme'), row('off', false)];
    const out = await syncHubOnce(f.ports, input, signal);
    assert.deepEqual(f.writes, ['read password=(none)', 'create acme']);
    const node = f.nodes[0] as unknown as NodeObject;
    assert.deepEqual(node.metadata.ownerReferences[0]?.uid, 'hub-uid');
    assert.deepEqual(node.metadata.finalizers, ['lynq.sh/node-cleanup']);
    assert.equal(node.metadata.labels['lynq.sh/uid'], 'acme');
    assert.deepEqual(node.spec, {
      uid: 'acme',
      templateRef: 'web',
      variables: { uid: 'acme', activate: '1', hubId: 'hub', templateRef: 'web' },
    });
    assert.equal('revision' in node.spec, false);
    assert.equal(out.desired, 1);
    assert.equal(out.wrote, true);
  });

  it('H6 a second sync with nothing changed writes nothing', async () => {
    const f = fake();
    f.rows = [row('acme')];
    await syncHubOnce(f.ports, input, signal);
    f.writes.length = 0;
    const out = await syncHubOnce(f.ports, input, signal);
    assert.deepEqual(f.writes, ['read password=(none)']);
    assert.equal(out.wrote, false);
  });

  it('H7 a datasource error writes and deletes nothing', async () => {
    const f = fake();
    f.rows = [row('acme')];
    await syncHubOnce(f.ports, input, signal);
    f.writes.length = 0;
    f.rows = transientError('DatasourceUnreachable', 'connect ECONNREFUSED');
    await assert.rejects(syncHubOnce(f.ports, input, signal), { code: 'DatasourceUnreachable' });
    assert.deepEqual(f.writes, ['read password=(none)']);
    assert.equal(f.nodes.length, 1);
  });

  it('reads the password from the Secret, and never falls back to none when it is missing', async () => {
    const ok = fake(hub({ name: 'db-secret', key: 'password' }));
    await syncHubOnce(ok.ports, input, signal);
    assert.deepEqual(ok.writes, ['read password=s3cret']);

    const missing = fake(hub({ name: 'absent', key: 'password' }));
    await assert.rejects(syncHubOnce(missing.ports, input, signal), {
      code: 'PasswordSecretUnavailable',
      message: /passwordRef: Secret absent key password: secrets "absent" not found/,
    });
    assert.deepEqual(missing.writes, []);
  });

  it('H5 deletes the node of a row that went inactive and counts what remains', async () => {
    const f = fake();
    f.rows = [row('acme'), row('globex')];
    await syncHubOnce(f.ports, input, signal);
    f.rows = [row('acme'), row('globex', false)];
    const out = await syncHubOnce(f.ports, input, signal);
    assert.equal(f.writes.filter((w) => w.startsWith('delete')).length, 1);
    assert.equal(out.desired, 1);
    assert.deepEqual(out.rows, { total: 2, active: 1, rejected: 0 });
  });

  it('H9 holds every deletion of 20 rows gone, and the token releases that set once', async () => {
    const h = hub();
    const f = fake(h);
    const uids = Array.from({ length: 20 }, (_, i) => `t${String(i)}`);
    f.rows = uids.map((u) => row(u));
    await syncHubOnce(f.ports, input, signal);
    f.writes.length = 0;
    f.rows = [];
    const held = await syncHubOnce(f.ports, input, signal);
    assert.deepEqual(f.writes, ['read password=(none)']);
    assert.equal(held.deletionGuard?.held, true);
    assert.equal(held.deletionGuard.count, 20);
    assert.equal(held.desired, 20);

    (h.metadata as { annotations?: Record<string, string> }).annotations = {
      'lynq.sh/allow-deletions': held.deletionGuard.token,
    };
    const released = await syncHubOnce(f.ports, input, signal);
    assert.equal(f.writes.filter((w) => w.startsWith('delete')).length, 20);
    assert.equal(f.writes.at(-1), `clear allow-deletions ${held.deletionGuard.token}`);
    assert.equal(released.deletionGuard?.released, true);
    assert.equal(released.desired, 0);
  });

  it('H7 an error after the rows were read is marked rowsRead; one before them is not', async () => {
    const f = fake();
    f.rows = [row('acme')];
    f.ports.createNode = () => Promise.reject(transientError('KubeUnavailable', 'POST: 503'));
    await assert.rejects(syncHubOnce(f.ports, input, signal), {
      code: 'NodeWriteFailed',
      details: { rowsRead: true },
    });
    f.rows = transientError('DatasourceUnreachable', 'connect ECONNREFUSED');
    await assert.rejects(syncHubOnce(f.ports, input, signal), (err: { details: object }) => {
      assert.equal('rowsRead' in err.details, false);
      return true;
    });
  });

  it('H4 duplicated uids are in the output, and only there', async () => {
    const f = fake();
    f.rows = [row('b'), row('a'), row('b'), row('a'), row('c')];
    const out = await syncHubOnce(f.ports, input, signal);
    assert.deepEqual(out.duplicateUids, ['a', 'b']);
    assert.deepEqual(f.writes, ['read password=(none)', 'create c']);
  });
});
