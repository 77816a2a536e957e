// kube-apiserver killed for ~20 s and started again on its port: the operator reconnects and converges rows changed during and after the outage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { killApiServer, startApiServer } from '../harness/harness-control.js';
import { recordFigures } from './fault-figures.js';
import { millisUntil, openFaultWorld, type FaultWorld } from './fault-world.js';
import { converged, faultSummary } from './inventory.js';

const rows = 20;

/** Seconds the API server stays down: `LYNQ_FAULT_APISERVER_DOWN_SECONDS`, 20 by default. */
const downSeconds = (): number => Number(process.env['LYNQ_FAULT_APISERVER_DOWN_SECONDS'] ?? '20');

/** A generous bound, not a target: the watch backoff decides the real figure. */
const convergenceBound = 60_000;

const planOf = async (world: FaultWorld, uid: string): Promise<string | undefined> => {
  const res = await world.request({
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/configmaps/${uid}-a`,
    timeoutMillis: 5_000,
  });
  return res.status === 200 ? (res.body as { data?: { plan?: string } }).data?.plan : undefined;
};

/**
 * The reflectors' backoff during the outage, from the operator's log: convergence after the
 * API server returns waits for the watch retry scheduled last (DESIGN 8).
 */
const reflectorBackoff = (output: string): { retries: number; longestSeconds: number } => {
  let retries = 0;
  let longest = 0;
  for (const line of output.split('\n')) {
    if (!line.includes('Reflector failed; backing off')) continue;
    retries += 1;
    longest = Math.max(longest, Number(/"delayMs":(\d+)/.exec(line)?.[1] ?? '0'));
  }
  return { retries, longestSeconds: longest / 1000 };
};

describe('faults: kube-apiserver', () => {
  it('H5 P3 after kube-apiserver is killed for 20 s, rows changed during and after the outage converge (bound 60 s)', async () => {
    const world = await openFaultWorld('fault-apiserver');
    let down = false;
    try {
      await world.insertRows(rows);
      await converged(world, 120_000);

      const killed = Date.now();
      await killApiServer();
      down = true;
      await sleep(5_000);
      // Changes the operator can only write once the API server is back.
      await world.db.connection.query("UPDATE `rows` SET plan = 'enterprise' WHERE id = 'r0'");
      await world.insertRows(1, rows);
      await sleep(Math.max(0, killed + downSeconds() * 1000 - Date.now()));
      const restarting = Date.now();
      await startApiServer();
      down = false;
      const up = Date.now();
      const operatorSurvived = world.operator.running();

      const duringMillis = await millisUntil(
        'the row changed during the outage reaches its ConfigMap',
        async () => (await planOf(world, 'r0')) === 'enterprise',
        convergenceBound,
        up,
      );
      const { millis: insertedMillis } = await converged(world, convergenceBound, up);

      const changed = Date.now();
      await world.db.connection.query("UPDATE `rows` SET plan = 'team' WHERE id = 'r1'");
      const afterMillis = await millisUntil(
        'a row changed after the outage reaches its ConfigMap',
        async () => (await planOf(world, 'r1')) === 'team',
        convergenceBound,
        changed,
      );
      const { inventory } = await converged(world, convergenceBound);
      const backoff = reflectorBackoff(world.operator.output());
      recordFigures({
        scenario: `kube-apiserver killed for ${String(downSeconds())} s`,
        spec: ['H5', 'P3'],
        figures: {
          rows,
          'outage (s)': (restarting - killed) / 1000,
          'kube-apiserver start → ready (s)': (up - restarting) / 1000,
          'operator process survived the outage': operatorSurvived,
          'API ready → row changed during the outage applied (s)': duringMillis / 1000,
          'API ready → row inserted during the outage converged (s)': insertedMillis / 1000,
          'row changed after the outage → applied (s)': afterMillis / 1000,
          'reflector retries logged': backoff.retries,
          'longest reflector backoff logged (s)': backoff.longestSeconds,
          'lost / duplicated / orphaned / stuck': faultSummary(inventory),
        },
      });
      assert.ok(operatorSurvived, 'the operator keeps running through the outage');
      assert.equal(inventory.nodes, rows + 1);
    } finally {
      // A failure during the outage must not leave the other fault tests without an API server.
      if (down) await startApiServer();
      await world.close();
    }
  });
});
