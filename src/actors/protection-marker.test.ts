// The protection marker against in-memory ports: marks follow hub and form, nothing before start, one pass per hub at a time (SPEC H8).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { createProtectionMarker } from './protection-marker.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
};

const protection = (on: boolean) => (on ? { 'lynq.sh/deletion-protection': 'true' } : {});

const world = () => {
  const state = {
    hubProtected: false,
    formProtected: new Set<string>(),
    /** Names of the nodes that carry the mark. */
    marked: new Set<string>(),
    forms: new Map([
      ['a-web', 'web'],
      ['a-api', 'api'],
    ]),
    writes: [] as string[],
  };
  const node = (name: string): LynqNode =>
    ({
      metadata: {
        namespace: 'ns',
        name,
        uid: `${name}-uid`,
        labels: {
          'lynq.sh/hub': 'hub',
          ...(state.marked.has(name) ? { 'lynq.sh/deletion-protection': 'true' } : {}),
        },
      },
      spec: { uid: name, templateRef: state.forms.get(name) ?? '', variables: {} },
    }) as unknown as LynqNode;
  const nodes = (): LynqNode[] => [...state.forms.keys()].map(node);
  const marker = createProtectionMarker({
    getHub: () =>
      ({ metadata: { annotations: protection(state.hubProtected) } }) as unknown as LynqHub,
    formsOfHub: () =>
      ['web', 'api'].map(
        (name) =>
          ({
            metadata: { name, annotations: protection(state.formProtected.has(name)) },
          }) as unknown as LynqForm,
      ),
    nodesOfHub: nodes,
    setProtectionLabel: (n, marked) => {
      const name = n.metadata.name ?? '';
      state.writes.push(`${marked ? 'mark' : 'unmark'} ${name}`);
      if (marked) state.marked.add(name);
      else state.marked.delete(name);
      return Promise.resolve();
    },
    logger: pino({ level: 'silent' }),
  });
  return { state, marker, node, nodes };
};

describe('protection marker', () => {
  it('H8 writes nothing before start, then marks the nodes of a protected form only', async () => {
    const { state, marker, nodes } = world();
    state.formProtected.add('api');
    marker.hubChanged('ns', 'hub');
    for (const n of nodes()) marker.nodeChanged(n, 'hub');
    await settle();
    assert.deepEqual(state.writes, [], 'a cold cache must not decide anything');
    marker.start([{ namespace: 'ns', name: 'hub' }]);
    await settle();
    assert.deepEqual(state.writes, ['mark a-api']);
    marker.stop();
  });

  it('H8 a protected hub marks every node; lifting it unmarks all but a protected form’s', async () => {
    const { state, marker } = world();
    marker.start([]);
    state.hubProtected = true;
    state.formProtected.add('web');
    marker.hubChanged('ns', 'hub');
    await settle();
    assert.deepEqual(state.writes.sort(), ['mark a-api', 'mark a-web']);
    state.writes.length = 0;
    state.hubProtected = false;
    marker.hubChanged('ns', 'hub');
    await settle();
    assert.deepEqual(state.writes, ['unmark a-api']);
    marker.stop();
  });

  it('H8 a node that lost its mark (or was created without it) is marked again', async () => {
    const { state, marker, node, nodes } = world();
    state.hubProtected = true;
    marker.start([{ namespace: 'ns', name: 'hub' }]);
    await settle();
    state.writes.length = 0;
    state.marked.delete('a-web');
    marker.nodeChanged(node('a-web'), 'hub');
    await settle();
    assert.deepEqual(state.writes, ['mark a-web']);
    // A node whose mark is right costs no pass.
    state.writes.length = 0;
    for (const n of nodes()) marker.nodeChanged(n, 'hub');
    await settle();
    assert.deepEqual(state.writes, []);
    marker.stop();
  });
});
