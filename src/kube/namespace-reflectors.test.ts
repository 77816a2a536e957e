// The per-namespace reflector fan-out with fake reflectors: one per namespace, seen as one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from './kube-object.js';
import { namespaceReflectors } from './namespace-reflectors.js';
import type { Reflector } from './reflector.js';

const object = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name },
});

const fake = (
  items: readonly KubeObject[],
  calls: string[],
  label: string,
): Reflector<KubeObject> => ({
  start: () => {
    calls.push(`start ${label}`);
  },
  stop: () => {
    calls.push(`stop ${label}`);
    return Promise.resolve();
  },
  synced: () => Promise.resolve(),
  get: (key) => items.find((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` === key),
  list: () => [...items],
  resourceVersion: () => `rv-${label}`,
  metrics: {
    lists: 1,
    relists: 0,
    listRestarts: 0,
    watches: 2,
    reconnects: 0,
    events: 3,
    bookmarks: 0,
    errors: 0,
  },
});

describe('namespaceReflectors', () => {
  it('SPEC P1 makes one cluster-wide reflector when no namespaces are given', () => {
    const made: (string | undefined)[] = [];
    const reflector = namespaceReflectors(undefined, (namespace) => {
      made.push(namespace);
      return fake([], [], 'all');
    });
    assert.deepEqual(made, [undefined]);
    assert.equal(reflector.resourceVersion(), 'rv-all');
  });

  it('SPEC P1 makes one reflector per watched namespace and answers as one', async () => {
    const calls: string[] = [];
    const reflector = namespaceReflectors(['a', 'b'], (namespace) =>
      fake([object(namespace ?? '', 'x')], calls, namespace ?? '*'),
    );
    reflector.start();
    await reflector.synced();
    assert.deepEqual(
      reflector.list().map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      ['a/x', 'b/x'],
    );
    assert.equal(reflector.get('b/x')?.metadata.namespace, 'b');
    assert.equal(reflector.get('c/x'), undefined);
    assert.equal(reflector.metrics.events, 6);
    await reflector.stop();
    assert.deepEqual(calls, ['start a', 'start b', 'stop a', 'stop b']);
  });
});
