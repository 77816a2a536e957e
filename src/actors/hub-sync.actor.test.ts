// One hub sync against in-memory ports: writes only what the plan says, fails closed, and writes nothing when nothing changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hubObject, rowInput as row } from '../../test/fixtures/hub-objects.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { NodeObject } from '../api/node-object.js';
import { invalidSpecError, transientError, type LynqError } from '../errors.js';
import type { HubSyncOutput } from '../machines/hub.contract.js';
import type { RowInput } from '../reconcile/plan-node-changes.js';
import { syncHubOnce, type HubSyncPorts } from './hub-sync.actor.js';

const hub = (passwordRef?: { name: string; key: string }): LynqHub =>
  hubObject({ syncInterval: '30s', ...(passwordRef ? { passwordRef } : {}) });

interface Fake {
  readonly ports: HubSyncPorts;
  readonly writes: string[];
  rows: readonly RowInput[] | Error;
  nodes: LynqNode[];
  forms: { name: string; valid: boolean; protected?: boolean }[];
}

const fake = (h: LynqHub = hub()): Fake => {
  const state: Fake = {
    writes: [],
    rows: [],
    nodes: [],
    forms: [{ name: 'web', valid: true }],
    ports: undefined as unknown as HubSyncPorts,
  };
  const ports: HubSyncPorts = {
    getHub: () => h,
    formsOfHub: () => state.forms,
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
    await assert.rejects(syncHubOnce(f.ports, input, signal), (err: LynqError) => {
      assert.equal(err.code, 'NodeWriteFailed');
      assert.equal(err.details['rowsRead'], true);
      return true;
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

  it('H8 nodes of a protected hub or a protected form are created marked, others not', async () => {
    const protectedHub = hub();
    (protectedHub.metadata as { annotations?: Record<string, string> }).annotations = {
      'lynq.sh/deletion-protection': 'true',
    };
    const f = fake(protectedHub);
    f.rows = [row('acme')];
    await syncHubOnce(f.ports, input, signal);
    assert.equal(f.nodes[0]?.metadata.labels?.['lynq.sh/deletion-protection'], 'true');

    const g = fake();
    g.forms = [
      { name: 'web', valid: true, protected: true },
      { name: 'api', valid: true },
    ];
    g.rows = [row('acme')];
    await syncHubOnce(g.ports, input, signal);
    const labelOf = (form: string) =>
      g.nodes.find((n) => n.spec.templateRef === form)?.metadata.labels?.[
        'lynq.sh/deletion-protection'
      ];
    assert.equal(labelOf('web'), 'true');
    assert.equal(labelOf('api'), undefined);
  });

  it('H8 a protected hub does not delete nodes whose form went away; a row that went away still deletes', async () => {
    const h = hub();
    const f = fake(h);
    f.forms = [
      { name: 'web', valid: true },
      { name: 'api', valid: true },
    ];
    f.rows = [row('acme'), row('globex')];
    await syncHubOnce(f.ports, input, signal);
    assert.equal(f.nodes.length, 4);
    (h.metadata as { annotations?: Record<string, string> }).annotations = {
      'lynq.sh/deletion-protection': 'true',
    };
    f.forms = [{ name: 'web', valid: true }];
    f.rows = [row('acme')];
    f.writes.length = 0;
    await syncHubOnce(f.ports, input, signal);
    const deleted = f.writes.filter((w) => w.startsWith('delete'));
    assert.equal(deleted.length, 1, deleted.join(', '));
    assert.ok(f.nodes.some((n) => n.spec.templateRef === 'api' && n.spec.uid === 'acme'));
    assert.ok(!f.nodes.some((n) => n.spec.templateRef === 'web' && n.spec.uid === 'globex'));

    // Lifting the protection lets the form's deletion reach its nodes.
    (h.metadata as { annotations?: Record<string, string> }).annotations = {};
    await syncHubOnce(f.ports, input, signal);
    assert.deepEqual(
      f.nodes.map((n) => n.spec.templateRef),
      ['web'],
    );
  });

  it('an unreachable API server while reading the password Secret is KubernetesUnreachable, not a Secret error', async () => {
    const f = fake(hub({ name: 'db-secret', key: 'password' }));
    f.ports.readSecretKey = () =>
      Promise.reject(
        transientError('KubeRequestFailed', 'GET /api/v1/…: connect ECONNREFUSED 127.0.0.1:6443'),
      );
    await assert.rejects(syncHubOnce(f.ports, input, signal), (err: LynqError) => {
      assert.equal(err.code, 'KubernetesUnreachable');
      assert.equal(err.kind, 'Transient');
      assert.match(err.message, /reading Secret ns\/db-secret.*ECONNREFUSED/);
      assert.notEqual(err.details['rowsRead'], true);
      return true;
    });
    assert.deepEqual(f.writes, [], 'the datasource is not read');
  });

  it('node writes failing for an unreachable API server are KubernetesUnreachable; other failures NodeWriteFailed; both carry the counts', async () => {
    for (const [failure, code] of [
      [
        transientError('KubeRequestFailed', 'POST lynqnodes: connect ECONNREFUSED'),
        'KubernetesUnreachable',
      ],
      [
        invalidSpecError('KubeInvalid', 'POST lynqnodes: spec.uid: Invalid value'),
        'NodeWriteFailed',
      ],
    ] as const) {
      const f = fake();
      f.rows = [row('a'), row('b'), row('off', false)];
      f.ports.createNode = () => Promise.reject(failure);
      await assert.rejects(syncHubOnce(f.ports, input, signal), (err: LynqError) => {
        assert.equal(err.code, code);
        assert.equal(err.details['rowsRead'], true);
        const counts = err.details['syncOutput'] as HubSyncOutput;
        assert.equal(counts.desired, 2);
        assert.deepEqual(counts.rows, { total: 3, active: 2, rejected: 0 });
        return true;
      });
    }
  });
});
