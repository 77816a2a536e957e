// A restart with nothing changed costs nothing: after convergence the restarted operator writes nothing for 60 s (audit log).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent } from '../harness/test-env.js';
import { recordFigures } from './fault-figures.js';
import { openFaultWorld, operatorWritesSince, type FaultWorld } from './fault-world.js';
import { converged, faultSummary } from './inventory.js';

/** Seconds watched after the restart: `LYNQ_FAULT_QUIET_SECONDS`, 60 by default. */
const quietSeconds = (): number => Number(process.env['LYNQ_FAULT_QUIET_SECONDS'] ?? '60');

const describeWrite = (e: AuditEvent): string =>
  `${e.verb} ${e.objectRef?.resource ?? '?'}${e.objectRef?.subresource === undefined ? '' : `/${e.objectRef.subresource}`} ${e.objectRef?.name ?? ''}`;

/**
 * Waits until the operator has written nothing for 5 s, so status writes still gathering
 * from the convergence are not counted against the restart.
 */
const settled = async (world: FaultWorld): Promise<void> => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const recent = await operatorWritesSince(world, Date.now() - 5_000);
    if (recent.length === 0) return;
    assert.ok(Date.now() < deadline, `still writing: ${recent.map(describeWrite).join(', ')}`);
    await sleep(1_000);
  }
};

/** Converges, restarts the operator as `how` says, and counts its writes for the window after. */
const quietRestart = async (how: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
  const world = await openFaultWorld(`fault-restart-${how.toLowerCase()}`);
  try {
    // Enough nodes that a per-node write on restart cannot hide, few enough to converge fast.
    const rows = 50;
    await world.insertRows(rows);
    const { inventory } = await converged(world, 300_000);
    assert.equal(inventory.nodes, rows);
    await settled(world);

    const restarted = Date.now();
    if (how === 'SIGTERM') await world.restartOperator();
    else await world.killOperator();
    const seconds = quietSeconds();
    await sleep(seconds * 1000);
    assert.ok(world.operator.running(), 'the restarted operator still runs');
    const writes = await operatorWritesSince(world, restarted);
    const after = await converged(world, 60_000);
    recordFigures({
      scenario: `${how === 'SIGTERM' ? 'graceful restart (SIGTERM)' : 'SIGKILL and restart'} after ${String(rows)} nodes converged`,
      spec: ['N13', 'O2', 'P3'],
      figures: {
        rows,
        'window after the restart (s)': seconds,
        'operator writes in the window': writes.length,
        'writes (verb resource name)': writes.slice(0, 10).map(describeWrite).join('; '),
        'lost / duplicated / orphaned / stuck': faultSummary(after.inventory),
      },
    });
    assert.deepEqual(writes.map(describeWrite), []);
  } finally {
    await world.close();
  }
};

describe('faults: restart with no changes', () => {
  it('N13 O2 P3 after convergence, an operator restarted with SIGTERM writes nothing for 60 s (audit log)', async () => {
    await quietRestart('SIGTERM');
  });

  it('N13 O2 P3 after convergence, an operator SIGKILLed and restarted writes nothing for 60 s (audit log)', async () => {
    await quietRestart('SIGKILL');
  });
});
