// The operator SIGKILLed at random moments of a 300-node rollout and of the mass deletion after it: nothing lost, duplicated, orphaned or stuck.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { recordFigures } from './fault-figures.js';
import {
  millisUntil,
  openFaultWorld,
  operatorDeletionsSince,
  randomMillis,
  rolloutRows,
  writeTally,
  type FaultWorld,
} from './fault-world.js';
import { allowDeletions, getHub, guardToken } from './hub-view.js';
import { converged, countObjects, faultSummary, faultsOf, takeInventory } from './inventory.js';

const noFaults = {
  lostNodes: 0,
  duplicatedNodes: 0,
  extraNodes: 0,
  lostObjects: 0,
  duplicatedObjects: 0,
  orphanedObjects: 0,
  stuckNodes: 0,
  stuckObjects: 0,
  notReady: 0,
};

/** Generous: 300 nodes take seconds on an idle machine, this one is shared. */
const convergenceBound = 300_000;

/**
 * Kills the operator 3–5 times. Each time it first waits until the running operator has visibly
 * made progress (the counts moved since it started; a kill during start-up would only test
 * start-up), then a random 0–1.5 s more, so the kill lands while nodes and objects are being
 * written. Returns how many kills found work still in flight and the counts at each.
 */
const killRepeatedly = async (
  world: FaultWorld,
  finished: (c: { nodes: number; objects: number }) => boolean,
): Promise<{ kills: number; inFlight: number; at: string[] }> => {
  const kills = 3 + Math.floor(Math.random() * 3);
  const at: string[] = [];
  let inFlight = 0;
  for (let k = 0; k < kills; k += 1) {
    const before = await countObjects(world);
    await millisUntil(
      'the operator makes progress',
      async () => {
        const now = await countObjects(world);
        return finished(now) || now.nodes !== before.nodes || now.objects !== before.objects;
      },
      convergenceBound,
    );
    await sleep(randomMillis(0, 1_500));
    const seen = await countObjects(world);
    if (!finished(seen)) inFlight += 1;
    at.push(`${String(seen.nodes)} nodes/${String(seen.objects)} objects`);
    await world.killOperator();
  }
  return { kills, inFlight, at };
};

describe('faults: operator SIGKILL', () => {
  it('N6 N9 P3 SIGKILLed 3–5 times during a 300-node rollout: 0 lost, 0 duplicated, 0 orphaned, 0 stuck', async () => {
    const world = await openFaultWorld('fault-kill-rollout');
    try {
      const rows = rolloutRows();
      const started = Date.now();
      await world.insertRows(rows);
      const kills = await killRepeatedly(world, (c) => c.nodes === rows && c.objects === rows * 2);
      const lastStart = Date.now();
      const { inventory } = await converged(world, convergenceBound);
      const done = Date.now();
      recordFigures({
        scenario: `SIGKILL during a ${String(rows)}-node rollout`,
        spec: ['N6', 'N9', 'P3'],
        figures: {
          rows,
          kills: kills.kills,
          'kills while objects were still being created': kills.inFlight,
          'state at each kill': kills.at.join('; '),
          'rows inserted → converged (s)': (done - started) / 1000,
          'last restart → converged (s)': (done - lastStart) / 1000,
          ...(await writeTally(world, started)),
          nodes: inventory.nodes,
          objects: inventory.objects,
          'lost / duplicated / orphaned / stuck': faultSummary(inventory),
        },
      });
      assert.deepEqual(faultsOf(inventory), noFaults);
      assert.equal(inventory.nodes, rows);
      assert.equal(inventory.objects, rows * 2);
    } finally {
      await world.close();
    }
  });

  it('N9 H9 SIGKILLed 3–5 times during a guarded mass deletion of 300 nodes: all go, 0 orphaned, 0 stuck finalizers', async () => {
    const world = await openFaultWorld('fault-kill-deletion');
    try {
      const rows = rolloutRows();
      await world.insertRows(rows);
      await converged(world, convergenceBound);

      const deleted = Date.now();
      await world.db.connection.query('DELETE FROM `rows`');
      // H9: the hub holds the whole set back and shows a token; nothing goes before it is used.
      let firstToken = '';
      const guardMillis = await millisUntil(
        'DeletionGuarded with a token',
        async () => {
          firstToken = guardToken(await getHub(world)) ?? '';
          return firstToken !== '';
        },
        60_000,
        deleted,
      );
      assert.equal((await operatorDeletionsSince(world, deleted)).length, 0, 'nothing deleted');
      assert.equal((await takeInventory(world)).stuckNodes, 0, 'no node marked for deletion');

      // A kill in the middle changes the set still to delete, so the hub may show a new token:
      // use each one as an operator would.
      const tokens = new Set<string>();
      const liftErrors: string[] = [];
      const lifting = new AbortController();
      const lifter = (async () => {
        while (!lifting.signal.aborted) {
          try {
            const token = guardToken(await getHub(world));
            if (token !== undefined && !tokens.has(token)) {
              await allowDeletions(world, token);
              tokens.add(token);
            }
          } catch (err) {
            // A failed read or patch is tried again on the next round; convergence decides.
            liftErrors.push(err instanceof Error ? err.message : String(err));
          }
          await sleep(500);
        }
      })();
      try {
        const lifted = Date.now();
        const kills = await killRepeatedly(world, (c) => c.nodes + c.objects === 0);
        const lastStart = Date.now();
        const { inventory } = await converged(world, convergenceBound);
        const done = Date.now();
        recordFigures({
          scenario: `SIGKILL during the guarded deletion of ${String(rows)} nodes`,
          spec: ['N9', 'H9'],
          figures: {
            rows,
            'rows deleted → DeletionGuarded shown (s)': guardMillis / 1000,
            'deletions before the token': 0,
            kills: kills.kills,
            'kills while nodes or objects remained': kills.inFlight,
            'state at each kill': kills.at.join('; '),
            'tokens used (a kill can change the guarded set)': tokens.size,
            'failed token reads or patches (retried)': liftErrors.length,
            'token set → all gone (s)': (done - lifted) / 1000,
            'last restart → all gone (s)': (done - lastStart) / 1000,
            ...(await writeTally(world, deleted)),
            nodes: inventory.nodes,
            objects: inventory.objects,
            'lost / duplicated / orphaned / stuck': faultSummary(inventory),
          },
        });
        assert.deepEqual(faultsOf(inventory), noFaults);
        assert.equal(inventory.nodes, 0);
        assert.equal(inventory.objects, 0);
      } finally {
        lifting.abort();
        await lifter;
      }
    } finally {
      await world.close();
    }
  });
});
