// The operator's debug export on a real HTTP server with the health server's route: live states, listing by state, read-only, 404 for unknown objects (SPEC O3).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHealthServer, type HealthServer } from '../observe/health-server.js';
import { debugMachinesHandler, debugMachinesPrefix, type MachineSource } from './debug-routes.js';
import type { LiveSnapshot } from './inspection.js';
import type { InspectedObject } from './status-state.js';

const node = (name: string, phase: string): InspectedObject => ({
  metadata: { name, namespace: 'team' },
  spec: { uid: name, templateRef: 'web', variables: { password: 'hunter2' } },
  status: { phase, phaseSince: '2026-12-06T03:00:00Z', phaseReason: 'apply.done' },
});

const source = (
  objects: readonly InspectedObject[],
  live: Readonly<Record<string, LiveSnapshot>> = {},
): MachineSource => ({
  get: (key) => objects.find((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` === key),
  list: () => objects,
  snapshot: (key) => live[key],
});

describe('debug machines routes', () => {
  let health: HealthServer;
  let base: string;
  before(async () => {
    const handle = debugMachinesHandler({
      hub: source([]),
      form: source([]),
      node: source([node('a', 'Ready'), node('b', 'Applying'), node('c', 'Ready')], {
        'team/b': {
          value: { applying: 'waiting' },
          context: {
            trigger: 'apply.progressing: WaitingOnFinalizer',
            render: { plan: 'hunter2' },
          },
        },
      }),
    });
    health = await startHealthServer(0, '127.0.0.1', {
      routes: [{ path: debugMachinesPrefix, prefix: true, handle }],
    });
    base = `http://127.0.0.1:${String(health.port)}`;
  });
  after(async () => {
    await health.close();
  });

  it("O3 GET /debug/machines/nodes/<ns>/<name> answers the live actor's exact state, without secrets", async () => {
    const res = await fetch(`${base}/debug/machines/nodes/team/b`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text) as {
      source: string;
      state: string;
      value: unknown;
      definition: { id: string };
    };
    assert.deepEqual(
      [body.source, body.state, body.value, body.definition.id],
      ['operator', 'applying.waiting', { applying: 'waiting' }, 'node'],
    );
    assert.doesNotMatch(text, /hunter2/);
    const fromStatus = (await (await fetch(`${base}/debug/machines/node/team/a`)).json()) as {
      source: string;
      state: string;
    };
    assert.deepEqual([fromStatus.source, fromStatus.state], ['status', 'ready']);
  });

  it('O3 GET /debug/machines counts actors by kind and state; writes are refused; unknown objects are 404; health stays', async () => {
    interface Listing {
      count: number;
      actors: number;
      byState: Record<string, number>;
    }
    const listing = (await (await fetch(`${base}/debug/machines`)).json()) as {
      nodes: Listing;
      hubs: Listing;
    };
    assert.deepEqual(listing.nodes.byState, { ready: 2, 'applying.waiting': 1 });
    assert.deepEqual([listing.nodes.count, listing.nodes.actors, listing.hubs.count], [3, 1, 0]);
    assert.equal(
      (await fetch(`${base}/debug/machines/nodes/team/a`, { method: 'DELETE' })).status,
      405,
    );
    assert.equal((await fetch(`${base}/debug/machines/nodes/team/zzz`)).status, 404);
    assert.equal((await fetch(`${base}/debug/machines/pods/team/a`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
