// The core hub behaviours on every datasource, as one table-driven matrix (MariaDB and PostgreSQL): rows to nodes, fail-closed, deletion guard, change detection (SPEC H1–H9, H1b).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  mysqlTriggerSql,
  postgresTriggerSql,
  splitStatements,
} from '../../src/datasource/change-trigger-sql.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { validForm } from '../fixtures/lynq-objects.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import {
  createMatrixDatabase,
  databaseKinds,
  type DatabaseKind,
  type MatrixDatabase,
} from '../harness/matrix-database.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { auditEvents, createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

interface NodeView {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { uid: string; templateRef: string; variables: Record<string, unknown> };
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface World {
  readonly ns: string;
  readonly db: MatrixDatabase;
  readonly kc: KubeConfig;
  readonly operator: OperatorProcess;
  close(): Promise<void>;
}

const openWorld = async (kind: DatabaseKind, label: string): Promise<World> => {
  const [namespace, db, kc] = await Promise.all([
    createTestNamespace(`${label}-${kind}`),
    createMatrixDatabase(kind, label),
    kubeConfigFor('admin'),
  ]);
  const operator = await startOperator({ namespace: namespace.name });
  return {
    ns: namespace.name,
    db,
    kc,
    operator,
    close: async () => {
      const code = await operator.stop();
      if (code !== 0)
        process.stderr.write(
          `operator exited ${String(code)}:\n${operator.output().slice(-4000)}\n`,
        );
      await Promise.all([namespace.remove(), db.drop()]);
    },
  };
};

/** The same table on both servers: only portable types. */
const createTable = (world: World, table: string) =>
  world.db.exec(
    `CREATE TABLE ${table} (id VARCHAR(200) PRIMARY KEY, active SMALLINT, plan VARCHAR(64))`,
  );

const insertRows = async (
  world: World,
  table: string,
  rows: readonly [string, number, string][],
) => {
  for (const row of rows)
    await world.db.exec(`INSERT INTO ${table} (id, active, plan) VALUES (?, ?, ?)`, row);
};

const create = async (world: World, plural: 'lynqhubs' | 'lynqforms', body: unknown) => {
  const res = await kubeRequest(world.kc, {
    method: 'POST',
    path: lynqPath(plural, world.ns),
    body,
  });
  assert.equal(res.status, 201, res.text);
};

const hubBody = (
  world: World,
  name: string,
  table: string,
  source: Record<string, unknown> = {},
) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqHub',
  metadata: { name, namespace: world.ns },
  spec: {
    source: world.db.source(table, { syncInterval: '1s', ...source }),
    valueMappings: { uid: 'id', activate: 'active' },
    extraValueMappings: { plan: 'plan' },
  },
});

const patchHub = async (world: World, name: string, body: unknown) => {
  const res = await kubeRequest(world.kc, {
    method: 'PATCH',
    path: lynqPath('lynqhubs', world.ns, name),
    contentType: 'application/merge-patch+json',
    body,
  });
  assert.equal(res.status, 200, res.text);
};

const nodesOf = async (world: World, form: string): Promise<NodeView[]> => {
  const res = await kubeRequest(world.kc, { method: 'GET', path: lynqPath('lynqnodes', world.ns) });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: NodeView[] }).items.filter((n) => n.spec.templateRef === form);
};

const conditionOf = async (
  world: World,
  hub: string,
  type: string,
): Promise<Condition | undefined> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: lynqPath('lynqhubs', world.ns, hub),
  });
  return (res.body as { status?: { conditions?: Condition[] } }).status?.conditions?.find(
    (c) => c.type === type,
  );
};

const uidsOf = async (world: World, form: string): Promise<string> =>
  (await nodesOf(world, form))
    .map((n) => n.spec.uid)
    .sort()
    .join(',');

const operatorDeletes = (world: World) =>
  auditEvents(
    (e) =>
      e.user.username === 'lynq-operator' &&
      e.objectRef?.namespace === world.ns &&
      e.objectRef.resource === 'lynqnodes' &&
      e.verb === 'delete',
  );

/** Installs the change trigger the way a user would: the SQL `lynq hub sql --trigger` prints. */
const installTrigger = async (world: World, table: string) => {
  const script =
    world.db.kind === 'postgresql'
      ? postgresTriggerSql(world.db.name, table)
      : mysqlTriggerSql(table);
  for (const statement of splitStatements(script)) await world.db.exec(statement);
};

/** Cuts the change connection from the database side, as a failover or an idle-killer would. */
const killChangeConnection = async (world: World) => {
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

for (const kind of databaseKinds) {
  describe(`hub on ${kind}`, () => {
    let world: World;
    before(async () => {
      world = await openWorld(kind, 'hub-matrix');
    });
    after(async () => {
      await world.close();
    });

    it(`H1 H2 H5 [${kind}] rows become nodes; a row made inactive or deleted removes its node`, async () => {
      await createTable(world, 'tenants');
      await insertRows(world, 'tenants', [
        ['acme', 1, 'pro'],
        ['globex', 1, 'free'],
        ['off', 0, 'free'],
      ]);
      await create(world, 'lynqhubs', hubBody(world, 'rows', 'tenants'));
      await create(
        world,
        'lynqforms',
        validForm({ name: 'web', namespace: world.ns, hubId: 'rows' }),
      );
      await eventually('two nodes', async () => (await uidsOf(world, 'web')) === 'acme,globex');
      const acme = (await nodesOf(world, 'web')).find((n) => n.spec.uid === 'acme');
      assert.deepEqual(
        {
          uid: acme?.spec.variables['uid'],
          plan: acme?.spec.variables['plan'],
          activate: acme?.spec.variables['activate'],
        },
        { uid: 'acme', plan: 'pro', activate: 1 },
      );
      await world.db.exec("UPDATE tenants SET active = 0 WHERE id = 'acme'");
      await eventually('acme removed', async () => (await uidsOf(world, 'web')) === 'globex');
      await world.db.exec("DELETE FROM tenants WHERE id = 'globex'");
      await eventually('globex removed', async () => (await uidsOf(world, 'web')) === '');
    });

    it(`H7 [${kind}] an unreachable database deletes nothing, says DatasourceUnreachable, and recovers`, async () => {
      await createTable(world, 'flaky');
      await insertRows(world, 'flaky', [['acme', 1, 'pro']]);
      await create(world, 'lynqhubs', hubBody(world, 'flaky', 'flaky'));
      await create(
        world,
        'lynqforms',
        validForm({ name: 'app', namespace: world.ns, hubId: 'flaky' }),
      );
      await eventually('node created', async () => (await uidsOf(world, 'app')) === 'acme');
      const deletesBefore = (await operatorDeletes(world)).length;
      await patchHub(world, 'flaky', { spec: { source: world.db.connectionPatch({ port: 1 }) } });
      const c = await eventually('unreachable reported', async () => {
        const found = await conditionOf(world, 'flaky', 'DatasourceReachable');
        return found?.reason === 'DatasourceUnreachable' ? found : undefined;
      });
      assert.equal(c.status, 'False');
      await eventually(
        'RowsRead=False',
        async () => (await conditionOf(world, 'flaky', 'RowsRead'))?.status === 'False',
      );
      assert.equal(await uidsOf(world, 'app'), 'acme', 'the node is still there');
      assert.equal((await operatorDeletes(world)).length, deletesBefore, 'no node was deleted');

      await patchHub(world, 'flaky', {
        spec: { source: world.db.connectionPatch({ table: 'absent' }) },
      });
      const source = world.db.source('flaky')[kind] as { port: number };
      await patchHub(world, 'flaky', {
        spec: { source: world.db.connectionPatch({ port: source.port }) },
      });
      await eventually('missing table reported', async () => {
        const rows = await conditionOf(world, 'flaky', 'RowsRead');
        return rows?.reason === 'DatasourceTableMissing';
      });
      assert.equal((await conditionOf(world, 'flaky', 'DatasourceReachable'))?.status, 'True');
      assert.equal(await uidsOf(world, 'app'), 'acme');
      await patchHub(world, 'flaky', {
        spec: { source: world.db.connectionPatch({ table: 'flaky' }) },
      });
      await eventually(
        'rows read again',
        async () => (await conditionOf(world, 'flaky', 'RowsRead'))?.status === 'True',
      );
      assert.equal((await operatorDeletes(world)).length, deletesBefore);
    });

    it(`H9 [${kind}] deleting all of 12 rows holds every deletion behind a token`, async () => {
      await createTable(world, 'many');
      await insertRows(
        world,
        'many',
        Array.from({ length: 12 }, (_, i): [string, number, string] => [`r${String(i)}`, 1, 'pro']),
      );
      await create(world, 'lynqhubs', hubBody(world, 'many', 'many'));
      await create(
        world,
        'lynqforms',
        validForm({ name: 'bulk', namespace: world.ns, hubId: 'many' }),
      );
      await eventually('12 nodes', async () => (await nodesOf(world, 'bulk')).length === 12);
      await world.db.exec('DELETE FROM many');
      const guard = await eventually('deletions held', async () => {
        const c = await conditionOf(world, 'many', 'DeletionGuarded');
        return c?.status === 'True' ? c : undefined;
      });
      assert.match(guard.message, /would delete 12 of 12/);
      const live = (await nodesOf(world, 'bulk')).filter(
        (n) => n.metadata.deletionTimestamp === undefined,
      );
      assert.equal(live.length, 12, 'nothing deleted');
    });

    it(`H1b [${kind}] at syncInterval 1h a row change reaches its node through change detection; a killed change connection falls back to Polling, says so, and recovers`, async () => {
      await createTable(world, 'live');
      await installTrigger(world, 'live');
      await insertRows(world, 'live', [['acme', 1, 'pro']]);
      await create(
        world,
        'lynqhubs',
        hubBody(world, 'live', 'live', { syncInterval: '1h', changeDetection: { enabled: true } }),
      );
      await create(
        world,
        'lynqforms',
        validForm({ name: 'fast', namespace: world.ns, hubId: 'live' }),
      );
      await eventually('node created', async () => (await uidsOf(world, 'fast')) === 'acme');
      const push = await eventually('ChangeDetection=True', async () => {
        const c = await conditionOf(world, 'live', 'ChangeDetection');
        return c?.status === 'True' ? c : undefined;
      });
      assert.equal(push.reason, kind === 'postgresql' ? 'Listening' : 'Probing');

      const planOf = async (uid: string) =>
        (await nodesOf(world, 'fast')).find((n) => n.spec.uid === uid)?.spec.variables['plan'];
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

      await killChangeConnection(world);
      const lost = await eventually('fell back to Polling', async () => {
        const c = await conditionOf(world, 'live', 'ChangeDetection');
        return c?.status === 'False' ? c : undefined;
      });
      assert.equal(lost.reason, 'ConnectionLost');
      assert.match(lost.message, /poll/);
      await eventually(
        'push again',
        async () => (await conditionOf(world, 'live', 'ChangeDetection'))?.status === 'True',
      );
      await world.db.exec("UPDATE live SET plan = 'team' WHERE id = 'acme'");
      await eventually(
        'update followed after reconnect',
        async () => (await planOf('acme')) === 'team',
      );
      assert.equal(await uidsOf(world, 'fast'), 'acme', 'nothing deleted by the lost connection');
    });

    it(`H1b [${kind}] without the trigger, change detection says TriggerMissing and the poll still syncs`, async () => {
      await createTable(world, 'plain');
      await insertRows(world, 'plain', [['acme', 1, 'pro']]);
      await create(
        world,
        'lynqhubs',
        hubBody(world, 'plain', 'plain', {
          syncInterval: '2s',
          changeDetection: { enabled: true },
        }),
      );
      await create(
        world,
        'lynqforms',
        validForm({ name: 'slow', namespace: world.ns, hubId: 'plain' }),
      );
      const c = await eventually('TriggerMissing', async () => {
        const found = await conditionOf(world, 'plain', 'ChangeDetection');
        return found?.reason === 'TriggerMissing' ? found : undefined;
      });
      assert.equal(c.status, 'False');
      assert.match(c.message, /lynq hub sql --trigger/);
      await world.db.exec("UPDATE plain SET plan = 'team' WHERE id = 'acme'");
      await eventually('poll followed', async () =>
        (await nodesOf(world, 'slow')).some((n) => n.spec.variables['plan'] === 'team'),
      );
    });
  });
}
