// One form pass against in-memory ports: nodes move to the current revision once, even while the cache lags the writes.
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
