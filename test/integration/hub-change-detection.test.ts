// Change detection on every datasource, as one table-driven matrix (MariaDB and PostgreSQL): a row change reaches its node at syncInterval 1h, a lost change connection falls back to polling (SPEC H1b).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  mysqlTriggerSql,
  postgresTriggerSql,
  splitStatements,
} from '../../src/datasource/change-trigger-sql.js';
import { eventually } from '../harness/eventually.js';
import { databaseKinds } from '../harness/matrix-database.js';
import {
  conditionOf,
  createHubAndForm,
  createRowsTable,
  getHub,
  inHubWorld,
  insertRows,
  listNodes,
  uidsOf,
  watchCondition,
  type HubWorld,
} from './hub-world.js';

/** Installs the change trigger the way a user would: the SQL `lynq hub sql --trigger` prints. */
const installTrigger = async (world: HubWorld, table: string) => {
  const script =
    world.db.kind === 'postgresql'
      ? postgresTriggerSql(world.db.name, table)
      : mysqlTriggerSql(table);
  for (const statement of splitStatements(script)) await world.db.exec(statement);
};

/** Cuts the change connection from the database side, as a failover or an idle-killer would. */
const killChangeConnection = async (world: HubWorld) => {
  if (world.db.kind === 'postgresql') {
    const killed = await world.db.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'lynq-changes' AND datname = current_database()",
    );
    assert.ok(killed.length > 0, 'a listener connection was there to kill');
    return;
  }
  const sessions = await world.db.query(
    'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
    [world.db.name],
  );
  assert.ok(sessions.length > 0, 'a probe connection was there to kill');
  for (const s of sessions) await world.db.exec(`KILL ${String(Number(s['id']))}`);
};

const changeDetection = async (world: HubWorld, hub: string) =>
  conditionOf(await getHub(world, hub), 'ChangeDetection');

for (const kind of databaseKinds) {
  describe(`change detection on ${kind}`, () => {
    it(`H1b [${kind}] at syncInterval 1h a row change reaches its node through change detection; a killed change connection falls back to Polling, says so, and recovers`, () =>
      inHubWorld(kind, 'changes-live', async (world) => {
        await createRowsTable(world, 'live');
        await installTrigger(world, 'live');
        await insertRows(world, 'live', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'live', 'live', 'fast', {
          syncInterval: '1h',
          source: { changeDetection: { enabled: true } },
        });
        await eventually('node created', async () => (await uidsOf(world, 'fast')) === 'acme');
        const push = await eventually('ChangeDetection=True', async () => {
          const c = await changeDetection(world, 'live');
          return c?.status === 'True' ? c : undefined;
        });
        assert.equal(push.reason, kind === 'postgresql' ? 'Listening' : 'Probing');

        const planOf = async (uid: string) =>
          (await listNodes(world, 'fast')).find((n) => n.spec.uid === uid)?.spec.variables['plan'];
        // Nothing but change detection can carry these within the deadline: the poll is an hour away.
        await world.db.exec("UPDATE live SET plan = 'enterprise' WHERE id = 'acme'");
        await eventually('update followed', async () => (await planOf('acme')) === 'enterprise');
        await insertRows(world, 'live', [['globex', 1, 'free']]);
        await eventually(
          'insert followed',
          async () => (await uidsOf(world, 'fast')) === 'acme,globex',
        );
        await world.db.exec("DELETE FROM live WHERE id = 'globex'");
        await eventually('delete followed', async () => (await uidsOf(world, 'fast')) === 'acme');

        // Watched, not polled: the fallback may stand for only a second before the reconnect.
        const history = await watchCondition(world, 'live', 'ChangeDetection');
        try {
          await killChangeConnection(world);
          const lost = await eventually('fell back to Polling', () =>
            Promise.resolve(history.seen.find((c) => c.status === 'False')),
          );
          assert.equal(lost.reason, 'ConnectionLost');
          assert.match(lost.message, /poll/);
          // In watch order, so this True came after the fallback.
          await eventually('push again', () =>
            Promise.resolve(history.seen.at(-1)?.status === 'True'),
          );
        } finally {
          history.stop();
        }
        await world.db.exec("UPDATE live SET plan = 'team' WHERE id = 'acme'");
        await eventually(
          'update followed after reconnect',
          async () => (await planOf('acme')) === 'team',
        );
        assert.equal(await uidsOf(world, 'fast'), 'acme', 'nothing deleted by the lost connection');
      }));

    it(`H1b [${kind}] without the trigger, change detection says TriggerMissing and the poll still syncs`, () =>
      inHubWorld(kind, 'changes-plain', async (world) => {
        await createRowsTable(world, 'plain');
        await insertRows(world, 'plain', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'plain', 'plain', 'slow', {
          syncInterval: '2s',
          source: { changeDetection: { enabled: true } },
        });
        const c = await eventually('TriggerMissing', async () => {
          const found = await changeDetection(world, 'plain');
          return found?.reason === 'TriggerMissing' ? found : undefined;
        });
        assert.equal(c.status, 'False');
        assert.match(c.message, /lynq hub sql --trigger/);
        await world.db.exec("UPDATE plain SET plan = 'team' WHERE id = 'acme'");
        await eventually('poll followed', async () =>
          (await listNodes(world, 'slow')).some((n) => n.spec.variables['plan'] === 'team'),
        );
      }));
  });
}
