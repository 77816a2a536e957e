// One form pass against in-memory ports: nodes move to the current revision once (even while the cache lags the writes), a suspended form moves only new nodes, revisions go once unused (SPEC §1, F4, DESIGN 5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { KubeObject } from '../kube/kube-object.js';
import { revisionName } from './form-revision.js';
import { syncFormRevisions, type FormPorts, type RevisionWrites } from './form-sync.actor.js';

const form = {
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { namespace: 'ns', name: 'web', uid: 'form-uid', generation: 1 },
  spec: {
    hubId: 'hub',
    configMaps: [{ id: 'cm', spec: { apiVersion: 'v1', kind: 'ConfigMap' } }],
  },
} as unknown as LynqForm;
const current = revisionName(form);

const node = (uid: string, revision?: string, name = `node-${uid}`): LynqNode =>
  ({
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqNode',
    metadata: { namespace: 'ns', name, uid },
    spec: { uid, templateRef: 'web', variables: {}, ...(revision ? { revision } : {}) },
  }) as unknown as LynqNode;

interface Fake {
  readonly ports: FormPorts;
  /** Node names patched, in order. */
  readonly patched: string[];
  nodes: LynqNode[];
}

const fake = (): Fake => {
  const state: Fake = { patched: [], nodes: [], ports: undefined as unknown as FormPorts };
  const revision = { metadata: { namespace: 'ns', name: current } } as unknown as KubeObject;
  (state as { ports: FormPorts }).ports = {
    getForm: () => form,
    hubExists: () => true,
    nodesOfForm: () => state.nodes,
    revisionsOfForm: () => [revision],
    createRevision: () => Promise.resolve(),
    deleteRevision: () => Promise.resolve(),
    setNodeRevision: (n) => {
      state.patched.push(n.metadata.name ?? '');
      return Promise.resolve();
    },
  };
  return state;
};

const signal = new AbortController().signal;

describe('form pass: spec.revision writes', () => {
  it('F4 writes each node once while the cache still shows the old revision', async () => {
    const f = fake();
    const written: RevisionWrites = new Map();
    f.nodes = [node('a'), node('b', 'web-old')];
    const first = await syncFormRevisions(
      f.ports,
      { namespace: 'ns', name: 'web' },
      signal,
      written,
    );
    assert.equal(first.movedNodes, 2);
    assert.deepEqual(f.patched, ['node-a', 'node-b']);
    // The watch has not shown the writes yet; a new node arrives and wakes the form.
    f.nodes = [...f.nodes, node('c')];
    const second = await syncFormRevisions(
      f.ports,
      { namespace: 'ns', name: 'web' },
      signal,
      written,
    );
    assert.equal(second.movedNodes, 1);
    assert.deepEqual(f.patched, ['node-a', 'node-b', 'node-c']);
  });

  it('F4 forgets a write once the cache shows it, so a later revert is written again', async () => {
    const f = fake();
    const written: RevisionWrites = new Map();
    f.nodes = [node('a')];
    await syncFormRevisions(f.ports, { namespace: 'ns', name: 'web' }, signal, written);
    f.nodes = [node('a', current)];
    await syncFormRevisions(f.ports, { namespace: 'ns', name: 'web' }, signal, written);
    assert.equal(written.size, 0);
    // Someone set the revision back by hand: the form moves it again.
    f.nodes = [node('a', 'web-old')];
    await syncFormRevisions(f.ports, { namespace: 'ns', name: 'web' }, signal, written);
    assert.deepEqual(f.patched, ['node-a', 'node-a']);
  });

  it('F4 writes a re-created node (new uid, same name) and forgets the vanished one', async () => {
    const f = fake();
    const written: RevisionWrites = new Map();
    f.nodes = [node('a')];
    await syncFormRevisions(f.ports, { namespace: 'ns', name: 'web' }, signal, written);
    f.nodes = [node('a2', undefined, 'node-a')];
    await syncFormRevisions(f.ports, { namespace: 'ns', name: 'web' }, signal, written);
    assert.deepEqual(f.patched, ['node-a', 'node-a']);
    assert.deepEqual([...written.keys()], ['a2']);
  });
});

const versionedForm = (suspend: boolean, version: string): LynqForm =>
  ({
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqForm',
    metadata: { namespace: 'ns', name: 'web', uid: 'form-uid', generation: 1 },
    spec: {
      hubId: 'hub',
      suspend,
      configMaps: [{ id: 'cm', spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { version } } }],
    },
  }) as unknown as LynqForm;

const namedNode = (name: string, revision?: string, deleting = false): LynqNode =>
  ({
    metadata: {
      namespace: 'ns',
      name,
      uid: `${name}-uid`,
      ...(deleting ? { deletionTimestamp: '2030-01-01T00:00:00Z' } : {}),
    },
    spec: {
      uid: name,
      templateRef: 'web',
      variables: {},
      ...(revision === undefined ? {} : { revision }),
    },
  }) as unknown as LynqNode;

const revision = (name: string, sequence: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  metadata: { namespace: 'ns', name },
  revision: sequence,
});

const fakeWrites = (f: LynqForm, nodes: LynqNode[], revisions: KubeObject[]) => {
  const writes: string[] = [];
  const ports: FormPorts = {
    getForm: () => f,
    hubExists: () => true,
    nodesOfForm: () => nodes,
    revisionsOfForm: () => revisions,
    createRevision: (r) => {
      writes.push(`create ${r.metadata.name} #${String(r.revision)}`);
      return Promise.resolve();
    },
    deleteRevision: (_ns, name) => {
      writes.push(`delete ${name}`);
      return Promise.resolve();
    },
    setNodeRevision: (n, r) => {
      writes.push(`move ${n.metadata.name ?? ''} ${r}`);
      return Promise.resolve();
    },
  };
  return { ports, writes };
};

const ref = { namespace: 'ns', name: 'web' };

describe('form pass: revisions and suspend', () => {
  const old = revisionName(versionedForm(false, 'v1'));
  const next = revisionName(versionedForm(false, 'v2'));

  it('F4 cuts the next revision, moves every node to it, and deletes the old one only once no node names it', async () => {
    const { ports, writes } = fakeWrites(
      versionedForm(false, 'v2'),
      [namedNode('a', old), namedNode('b', old), namedNode('gone', old, true)],
      [revision(old, 1)],
    );
    const out = await syncFormRevisions(ports, ref, signal);
    assert.deepEqual(writes, [`create ${next} #2`, `move a ${next}`, `move b ${next}`]);
    assert.equal(out.deletedRevisions, 0, 'a node being deleted still names the old revision');
    assert.equal(out.suspended, false);

    const after = fakeWrites(
      versionedForm(false, 'v2'),
      [namedNode('a', next), namedNode('b', next)],
      [revision(old, 1), revision(next, 2)],
    );
    await syncFormRevisions(after.ports, ref, signal);
    assert.deepEqual(after.writes, [`delete ${old}`]);
  });

  it('§1 F4 a suspended form cuts the revision and gives it to new nodes only; the others keep theirs, and so does the old revision', async () => {
    const { ports, writes } = fakeWrites(
      versionedForm(true, 'v2'),
      [namedNode('a', old), namedNode('b', old), namedNode('new')],
      [revision(old, 1)],
    );
    const out = await syncFormRevisions(ports, ref, signal);
    assert.deepEqual(writes, [`create ${next} #2`, `move new ${next}`]);
    assert.equal(out.suspended, true);
    assert.equal(out.heldNodes, 2);
    assert.equal(out.currentRevision, next);
    assert.equal(
      revisionName(versionedForm(true, 'v2')),
      next,
      'suspend is not part of the revision',
    );

    // Unsuspended: the held nodes move.
    const resumed = fakeWrites(
      versionedForm(false, 'v2'),
      [namedNode('a', old), namedNode('b', old), namedNode('new', next)],
      [revision(old, 1), revision(next, 2)],
    );
    const again = await syncFormRevisions(resumed.ports, ref, signal);
    assert.deepEqual(resumed.writes, [`move a ${next}`, `move b ${next}`, `delete ${old}`]);
    assert.equal(again.heldNodes, 0);
  });
});
