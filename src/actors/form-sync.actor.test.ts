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
    // As the API server defaults it.
    rollout: { maxSkew: 0, progressDeadlineSeconds: 600 },
    suspend: false,
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
      rollout: { maxSkew: 0, progressDeadlineSeconds: 600 },
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

const pacedForm = (maxSkew: number): LynqForm => ({
  ...versionedForm(false, 'v2'),
  spec: { ...versionedForm(false, 'v2').spec, rollout: { maxSkew, progressDeadlineSeconds: 60 } },
});

/** A node on `rev` at generation 2, Ready at it or not, with the move annotations if given. */
const pacedNode = (
  name: string,
  rev: string,
  ready: boolean,
  move?: { revision: string; at: string },
): LynqNode =>
  ({
    metadata: {
      namespace: 'ns',
      name,
      uid: `${name}-uid`,
      generation: 2,
      ...(move === undefined
        ? {}
        : {
            annotations: {
              'lynq.sh/rollout-revision': move.revision,
              'lynq.sh/rollout-moved-at': move.at,
            },
          }),
    },
    spec: { uid: name, templateRef: 'web', variables: {}, revision: rev },
    status: {
      observedGeneration: 2,
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: 'Test',
          message: '',
          lastTransitionTime: '2030-01-01T00:00:00Z',
        },
      ],
    },
  }) as unknown as LynqNode;

describe('form pass: rollout pace', () => {
  const target = revisionName(pacedForm(2));
  const paced = (maxSkew: number) => {
    const moves: { name: string; movedAt: string | undefined }[] = [];
    const state = { nodes: [] as LynqNode[] };
    const ports: FormPorts = {
      getForm: () => pacedForm(maxSkew),
      hubExists: () => true,
      nodesOfForm: () => state.nodes,
      revisionsOfForm: () => [revision(target, 2), revision('web-old', 1)],
      createRevision: () => Promise.resolve(),
      deleteRevision: () => Promise.resolve(),
      setNodeRevision: (n, _r, _s, movedAt) => {
        moves.push({ name: n.metadata.name ?? '', movedAt });
        return Promise.resolve();
      },
    };
    return { ports, moves, state };
  };
  const ref = { namespace: 'ns', name: 'web' };
  const clock = () => Date.parse('2030-01-01T00:00:10Z');

  it('F4 moves maxSkew nodes with their move time, not more while the cache lags, the next one when one is Ready', async () => {
    const { ports, moves, state } = paced(2);
    const written: RevisionWrites = new Map();
    state.nodes = ['d', 'c', 'b', 'a'].map((n) => pacedNode(n, 'web-old', true));
    await syncFormRevisions(ports, ref, signal, written, clock);
    assert.deepEqual(
      moves.map((m) => m.name),
      ['a', 'b'],
    );
    assert.equal(moves[0]?.movedAt, '2030-01-01T00:00:10.000Z');
    // The cache still shows a and b Ready on the old revision: they are in flight all the same.
    const again = await syncFormRevisions(ports, ref, signal, written, clock);
    assert.equal(again.movedNodes, 0);
    assert.equal(again.nextDeadlineInMs, 60_000);
    // The watch shows a Ready at the target, b still applying: one slot is free.
    const move = { revision: target, at: '2030-01-01T00:00:10Z' };
    state.nodes = [
      pacedNode('a', target, true, move),
      pacedNode('b', target, false, move),
      pacedNode('c', 'web-old', true),
      pacedNode('d', 'web-old', true),
    ];
    await syncFormRevisions(ports, ref, signal, written, clock);
    assert.deepEqual(
      moves.map((m) => m.name),
      ['a', 'b', 'c'],
    );
  });

  it('F4 F5 a restarted pass (no memory) reads the moves from the nodes: in flight holds slots, past the deadline fails', async () => {
    const { ports, moves, state } = paced(2);
    state.nodes = [
      pacedNode('a', target, false, { revision: target, at: '2030-01-01T00:00:05Z' }),
      pacedNode('b', target, false, { revision: target, at: '2030-01-01T00:00:05Z' }),
      pacedNode('c', 'web-old', true),
    ];
    const held = await syncFormRevisions(ports, ref, signal, new Map(), clock);
    assert.equal(held.movedNodes, 0);
    assert.equal(held.rolloutPhase, 'InProgress');
    const late = () => Date.parse('2030-01-01T00:01:06Z');
    const failed = await syncFormRevisions(ports, ref, signal, new Map(), late);
    assert.equal(failed.rolloutPhase, 'Failed');
    assert.equal(moves.length, 0);
  });
});
