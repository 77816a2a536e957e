// The operator process against a real API server, on MariaDB and PostgreSQL alike (one table-driven matrix): rows become LynqNodes, and only for the reasons SPEC §2 names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import { databaseKinds, type DatabaseKind } from '../harness/matrix-database.js';
import {
  awaitSyncs,
  conditionOf,
  create,
  createHubAndForm,
  createRowsTable,
  formBody,
  getHub,
  hubBody,
  hubEvents,
  inHubWorld,
  insertRows,
  listNodes,
  mergePatch,
  nodeCount,
  nodeDeletes,
  operatorWrites,
  patchConnection,
  syncsFinished,
  uidsOf,
  type HubWorld,
} from './hub-world.js';

const putSecret = async (world: HubWorld, password: string): Promise<void> => {
  const res = await kubeRequest(world.kc, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${world.ns}/secrets/db?fieldManager=test&force=true`,
    contentType: 'application/apply-patch+yaml',
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: world.ns },
      stringData: { password },
    },
  });
  assert.ok(res.status === 200 || res.status === 201, res.text);
};

/** A database login of the test's own, allowed to SELECT from one table. */
interface DbUser {
  readonly name: string;
  grantSelect(table: string): Promise<void>;
  revokeSelect(table: string): Promise<void>;
  /** From now on, new logins with the Secret's password are refused (a wrong password). */
  refuseLogin(world: HubWorld): Promise<void>;
  /** Logins with the Secret's password succeed again (the Secret corrected). */
  admitLogin(world: HubWorld): Promise<void>;
  drop(): Promise<void>;
}

const userName = (): string => `lynq_hub_${Math.random().toString(16).slice(2, 10)}`;

const dbUsers: Record<DatabaseKind, (world: HubWorld) => Promise<DbUser>> = {
  mysql: async (world) => {
    const name = userName();
    await world.db.exec(`CREATE USER ?@'%' IDENTIFIED BY 'right-password'`, [name]);
    // Table-level: such privileges apply to the very next statement of an open connection.
    const on = (table: string) => `\`${world.db.name}\`.\`${table}\``;
    return {
      name,
      grantSelect: (table) => world.db.exec(`GRANT SELECT ON ${on(table)} TO ?@'%'`, [name]),
      revokeSelect: (table) => world.db.exec(`REVOKE SELECT ON ${on(table)} FROM ?@'%'`, [name]),
      refuseLogin: (w) => putSecret(w, 'wrong-password'),
      admitLogin: (w) => putSecret(w, 'right-password'),
      drop: () => world.db.exec(`DROP USER IF EXISTS ?@'%'`, [name]),
    };
  },
  postgresql: async (world) => {
    const name = userName();
    await world.db.exec(`CREATE ROLE "${name}" LOGIN PASSWORD 'right-password'`);
    await world.db.exec(`GRANT USAGE ON SCHEMA "${world.db.name}" TO "${name}"`);
    const on = (table: string) => `"${world.db.name}"."${table}"`;
    return {
      name,
      grantSelect: (table) => world.db.exec(`GRANT SELECT ON ${on(table)} TO "${name}"`),
      revokeSelect: (table) => world.db.exec(`REVOKE SELECT ON ${on(table)} FROM "${name}"`),
      // The harness server trusts local connections and never checks a password: the role is
      // refused login instead, which the server reports in the same class (28xxx). The Secret
      // still changes, as it would in the field, so the operator dials again.
      refuseLogin: async (w) => {
        await world.db.exec(`ALTER ROLE "${name}" NOLOGIN`);
        await putSecret(w, 'wrong-password');
      },
      admitLogin: async (w) => {
        await world.db.exec(`ALTER ROLE "${name}" LOGIN`);
        await putSecret(w, 'right-password');
      },
      drop: async () => {
        await world.db.exec(`DROP OWNED BY "${name}"`);
        await world.db.exec(`DROP ROLE IF EXISTS "${name}"`);
      },
    };
  },
};

/** The hub's plan variable of `uid`'s node of `form`. */
const planOf = async (world: HubWorld, form: string, uid: string): Promise<unknown> =>
  (await listNodes(world, form)).find((n) => n.spec.uid === uid)?.spec.variables['plan'];

for (const kind of databaseKinds) {
  describe(`hub on ${kind}: rows become LynqNodes`, () => {
    it(`H5 [${kind}] an inserted row becomes a node; activate off and on removes and re-creates it; a deleted row removes it`, () =>
      inHubWorld(kind, 'hub-rows', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        const [node] = await nodeCount(world, 1);
        assert.ok(node);
        assert.equal(node.spec.uid, 'acme');
        assert.equal(node.spec.templateRef, 'web');
        // DESIGN 5: the hub writes uid, templateRef and variables; only the form writes revision.
        const writersOf = (field: string) =>
          (node.metadata.managedFields ?? [])
            .filter((m) => m.fieldsV1?.['f:spec']?.[field] !== undefined)
            .map((m) => m.manager);
        assert.ok(
          !writersOf('f:revision').some((m) => m !== 'lynq-form'),
          'only the form writes revision',
        );
        assert.equal(writersOf('f:variables').includes('lynq-form'), false);
        assert.deepEqual(node.spec.variables, {
          uid: 'acme',
          activate: 1,
          plan: 'pro',
          hubId: 'hub',
          templateRef: 'web',
        });
        assert.deepEqual(node.metadata.finalizers, ['lynq.sh/node-cleanup']);
        assert.equal(node.metadata.ownerReferences?.[0]?.name, 'hub');
        assert.equal(node.metadata.labels['lynq.sh/uid'], 'acme');

        await world.db.exec("UPDATE tenants SET active = 0 WHERE id = 'acme'");
        await nodeCount(world, 0);
        await world.db.exec("UPDATE tenants SET active = 1 WHERE id = 'acme'");
        await nodeCount(world, 1);
        await world.db.exec("DELETE FROM tenants WHERE id = 'acme'");
        await nodeCount(world, 0);
      }));

    it(`H3 [${kind}] a changed mapped column updates the variables; {{ }} in a value stays literal`, () =>
      inHubWorld(kind, 'hub-vars', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        await nodeCount(world, 1);
        await world.db.exec(
          "UPDATE tenants SET plan = '{{ uid }} and {% raw %}' WHERE id = 'acme'",
        );
        await eventually(
          'variables updated',
          async () => (await planOf(world, 'web', 'acme')) === '{{ uid }} and {% raw %}',
        );
      }));

    it(`H4 [${kind}] 2 forms × 2 rows make 4 nodes, and the hub counts them`, () =>
      inHubWorld(kind, 'hub-forms', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [
          ['acme', 1, 'pro'],
          ['globex', 1, 'free'],
        ]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        await create(world, 'lynqforms', formBody(world, 'db', 'hub'));
        const nodes = await nodeCount(world, 4);
        assert.deepEqual(nodes.map((n) => `${n.spec.uid}/${n.spec.templateRef}`).sort(), [
          'acme/db',
          'acme/web',
          'globex/db',
          'globex/web',
        ]);
        const hub = await eventually('hub counts', async () => {
          const h = await getHub(world, 'hub');
          return h.status?.desired === 4 && h.status.referencingTemplates === 2 ? h : undefined;
        });
        assert.deepEqual(hub.status?.rows, { active: 2, total: 2, rejected: 0 });
        assert.equal(hub.status.phase, 'Ready');
        // O2: the cause is a domain event, never the library's internal event name.
        assert.equal(hub.status.phaseReason, 'rows.read');
        for (const t of hub.status.transitions ?? []) assert.doesNotMatch(t.event, /^xstate\./);
      }));

    it(`H4 [${kind}] a duplicated uid leaves its node alone and is reported once, not on every sync`, () =>
      inHubWorld(kind, 'hub-dups', async (world) => {
        await createRowsTable(world, 'tenants', { primaryKey: false });
        await insertRows(world, 'tenants', [
          ['acme', 1, 'pro'],
          ['globex', 1, 'free'],
        ]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        await nodeCount(world, 2);
        await insertRows(world, 'tenants', [['acme', 0, 'dup']]);
        const hub = await eventually('rejected counted', async () => {
          const h = await getHub(world, 'hub');
          return h.status?.rows?.rejected === 2 ? h : undefined;
        });
        assert.ok(hub);
        const [event] = await eventually('one DuplicateUids event', async () => {
          const dup = (await hubEvents(world, 'hub')).filter((e) => e.reason === 'DuplicateUids');
          return dup.length === 1 ? dup : undefined;
        });
        assert.match(event?.message ?? '', /acme/);
        // Three more syncs that see the same duplicates.
        await awaitSyncs(world, 'hub', 3, Date.now());
        const counted = (await hubEvents(world, 'hub')).filter((e) => e.reason === 'DuplicateUids');
        assert.deepEqual(
          counted.map((e) => e.count),
          [1],
          'the same duplicates are not reported again on every sync',
        );
        assert.equal(await uidsOf(world, 'web'), 'acme,globex', 'acme keeps its node');
        assert.equal(await planOf(world, 'web', 'acme'), 'pro', 'and its variables');
      }));

    it(`H4 [${kind}] the hub's ready and failed counts follow its nodes' conditions`, () =>
      inHubWorld(kind, 'hub-counts', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        // The node actors apply each node's resources and report Ready in node status; the hub
        // counts what the nodes say.
        await eventually('hub counts the node Ready', async () => {
          const h = await getHub(world, 'hub');
          return h.status?.ready === 1 && h.status.failed === 0;
        });
        // A node that really fails: its ConfigMap already exists, held by nobody (Stuck, SPEC N6).
        const clash = await kubeRequest(world.kc, {
          method: 'POST',
          path: `/api/v1/namespaces/${world.ns}/configmaps`,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clash-web-settings' } },
        });
        assert.equal(clash.status, 201, clash.text);
        await insertRows(world, 'tenants', [['clash', 1, 'pro']]);
        await eventually('hub counts the failed node', async () => {
          const h = await getHub(world, 'hub');
          return h.status?.failed === 1 && h.status.ready === 1;
        });
      }));

    it(`H6 [${kind}] three and more syncs with nothing changed write nothing (audit log)`, () =>
      inHubWorld(kind, 'hub-quiet', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [
          ['acme', 1, 'pro'],
          ['globex', 1, 'free'],
        ]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        const settledFrom = await eventually('both nodes Ready in the hub counts', async () => {
          const h = await getHub(world, 'hub');
          return h.status?.ready === 2 && h.status.desired === 2 ? Date.now() : undefined;
        });
        // Two syncs after the counts were written: the writes those counts caused are done.
        await awaitSyncs(world, 'hub', 2, settledFrom);
        const before = Date.now();
        // Four syncs finished after `before`: at least three ran wholly inside the window.
        const syncs = await awaitSyncs(world, 'hub', 4, before);
        const until = Date.now();
        assert.deepEqual(
          syncs.map((l) => `${l.outcome ?? ''} wrote=${String(l.wrote)}`),
          syncs.map(() => 'synced wrote=false'),
        );
        assert.deepEqual(await operatorWrites(world, before, until), []);
      }));

    it(`[${kind}] colliding-looking pairs, capitals, underscores and 80-character uids get valid distinct node names`, () =>
      inHubWorld(kind, 'hub-names', async (world) => {
        await createRowsTable(world, 'tenants');
        const long = 'x'.repeat(80);
        await insertRows(world, 'tenants', [
          ['a-b', 1, ''],
          ['a', 1, ''],
          ['Mixed_Case_Tenant', 1, ''],
          [long, 1, ''],
        ]);
        await create(world, 'lynqhubs', hubBody(world, 'hub', 'tenants', { extra: {} }));
        await create(world, 'lynqforms', formBody(world, 'c', 'hub'));
        await create(world, 'lynqforms', formBody(world, 'b-c', 'hub'));
        const nodes = await nodeCount(world, 8);
        const names = nodes.map((n) => n.metadata.name);
        assert.equal(new Set(names).size, 8);
        for (const name of names) {
          assert.ok(name.length <= 63, name);
          assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        }
        const ab = nodes.find((n) => n.spec.uid === 'a-b' && n.spec.templateRef === 'c');
        const a = nodes.find((n) => n.spec.uid === 'a' && n.spec.templateRef === 'b-c');
        assert.ok(ab && a);
        assert.notEqual(ab.metadata.name, a.metadata.name);
      }));
  });

  describe(`hub on ${kind}: failing closed`, () => {
    it(`H7 [${kind}] a uid mapped to a missing column sets RowsRead=False, keeps DatasourceReachable=True and creates no nodes`, () =>
      inHubWorld(kind, 'hub-column', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'broken', 'tenants', 'web', {
          uidColumn: 'missing_column',
        });
        const hub = await eventually('condition set', async () => {
          const h = await getHub(world, 'broken');
          return conditionOf(h, 'RowsRead')?.status === 'False' ? h : undefined;
        });
        assert.equal(conditionOf(hub, 'RowsRead')?.reason, 'DatasourceColumnMissing');
        assert.match(conditionOf(hub, 'RowsRead')?.message ?? '', /missing_column/);
        // The server answered: the datasource is reachable, the query is wrong.
        assert.equal(conditionOf(hub, 'DatasourceReachable')?.status, 'True');
        assert.equal(hub.status?.phase, 'Degraded');
        assert.equal(hub.status.phaseReason, 'datasource.failed: DatasourceColumnMissing');
        // Three failed syncs, and still no node.
        await awaitSyncs(world, 'broken', 3, Date.now());
        assert.equal((await listNodes(world)).length, 0);
      }));

    it(`H7 [${kind}] deletes nothing while the database is unreachable, one Warning per distinct error (not per retry), and recovers when it returns`, () =>
      inHubWorld(kind, 'hub-flaky', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'flaky', 'tenants', 'app');
        await nodeCount(world, 1);
        const warnings = async () =>
          (await hubEvents(world, 'flaky'))
            .filter((e) => e.type === 'Warning')
            .map((e) => `${e.reason} x${String(e.count)}`)
            .sort();
        const failedSyncs = async (what: string, since: number) =>
          eventually(what, () =>
            Promise.resolve(
              syncsFinished(world, 'flaky', since).filter((l) => l.outcome === 'failed').length >=
                3,
            ),
          );

        // Point the hub at a closed port: rows can no longer be read.
        const unreachableSince = Date.now();
        await patchConnection(world, 'flaky', { port: 1 });
        const c = await eventually('unreachable reported', async () => {
          const found = conditionOf(await getHub(world, 'flaky'), 'DatasourceReachable');
          return found?.reason === 'DatasourceUnreachable' ? found : undefined;
        });
        assert.equal(c.status, 'False');
        await eventually(
          'RowsRead=False',
          async () => conditionOf(await getHub(world, 'flaky'), 'RowsRead')?.status === 'False',
        );
        await failedSyncs('three failed syncs while unreachable', unreachableSince);
        assert.equal(await uidsOf(world, 'app'), 'acme', 'the node is still there');
        assert.equal(await nodeDeletes(world), 0);
        assert.deepEqual(await warnings(), ['DatasourceUnreachable x1']);

        // A different error: reachable, but the table is missing.
        const port = (world.db.source('tenants')[kind] as { port: number }).port;
        const missingSince = Date.now();
        await patchConnection(world, 'flaky', { port, table: 'absent' });
        await eventually('missing table reported', async () => {
          const h = await getHub(world, 'flaky');
          return (
            conditionOf(h, 'RowsRead')?.reason === 'DatasourceTableMissing' &&
            conditionOf(h, 'DatasourceReachable')?.status === 'True'
          );
        });
        await failedSyncs('three failed syncs on the missing table', missingSince);
        assert.deepEqual(await warnings(), [
          'DatasourceTableMissing x1',
          'DatasourceUnreachable x1',
        ]);

        await patchConnection(world, 'flaky', { table: 'tenants' });
        await eventually(
          'rows read again',
          async () => conditionOf(await getHub(world, 'flaky'), 'RowsRead')?.status === 'True',
        );
        assert.equal(await uidsOf(world, 'app'), 'acme');
        assert.equal(await nodeDeletes(world), 0);
      }));
  });

  describe(`hub on ${kind}: lifecycle`, () => {
    it(`H10 [${kind}] a form created, changed and deleted under a 1h syncInterval is followed without waiting for the poll`, () =>
      inHubWorld(kind, 'hub-form', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await create(world, 'lynqhubs', hubBody(world, 'slow', 'tenants', { syncInterval: '1h' }));
        await eventually(
          'hub ready',
          async () => (await getHub(world, 'slow')).status?.phase === 'Ready',
        );
        await create(world, 'lynqforms', formBody(world, 'web', 'slow'));
        const [first] = await eventually(
          'node created from the form event, on a revision',
          async () => {
            const nodes = await listNodes(world);
            return nodes.length === 1 && nodes[0]?.spec.revision !== undefined ? nodes : undefined;
          },
        );
        const settingsOf = async () => {
          const res = await kubeRequest(world.kc, {
            method: 'GET',
            path: `/api/v1/namespaces/${world.ns}/configmaps/acme-web-settings`,
          });
          return res.status === 200
            ? (res.body as { data?: Record<string, string> }).data
            : undefined;
        };
        await eventually('the form rendered', async () => (await settingsOf())?.['plan'] === 'pro');

        // Changed: a new template makes a new revision, and it reaches the node's objects.
        await mergePatch(world, 'lynqforms', 'web', {
          spec: {
            configMaps: [
              {
                id: 'settings',
                nameTemplate: '{{ uid }}-{{ templateRef }}-settings',
                spec: {
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  data: { plan: 'changed {{ plan }}' },
                },
              },
            ],
          },
        });
        await eventually('the node moved to the new revision', async () => {
          const nodes = await listNodes(world);
          return nodes.length === 1 && nodes[0]?.spec.revision !== first?.spec.revision;
        });
        await eventually(
          'the changed template reached the node',
          async () => (await settingsOf())?.['plan'] === 'changed pro',
        );

        const del = await kubeRequest(world.kc, {
          method: 'DELETE',
          path: lynqPath('lynqforms', world.ns, 'web'),
        });
        assert.equal(del.status, 200, del.text);
        await nodeCount(world, 0);
      }));

    it(`H11 [${kind}] no poll within 1h; a new reconcile-at value syncs at once, the same value again does not, and suspend stops changes`, () =>
      inHubWorld(kind, 'hub-reconcile', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
        await createHubAndForm(world, 'slow', 'tenants', 'web', { syncInterval: '1h' });
        // A second hub on the same table polls every second: the clock the negatives count on.
        await create(world, 'lynqhubs', hubBody(world, 'tick', 'tenants'));
        await eventually('node on the form revision', async () => {
          const nodes = await listNodes(world);
          return nodes.length === 1 && nodes[0]?.spec.revision !== undefined;
        });
        const annotate = (hub: string, value: string, others: Record<string, string> = {}) =>
          mergePatch(world, 'lynqhubs', hub, {
            metadata: { annotations: { 'lynq.sh/reconcile-at': value, ...others } },
          });

        // Anything the form's first pass set off has run by two more ticks of the clock.
        await awaitSyncs(world, 'tick', 2, Date.now());
        // No poll within 1h: three syncs of the clock hub read the new row, `slow` none.
        const inserted = Date.now();
        await insertRows(world, 'tenants', [['globex', 1, 'free']]);
        await eventually(
          'the clock hub read the new row',
          async () => (await getHub(world, 'tick')).status?.rows?.total === 2,
        );
        await awaitSyncs(world, 'tick', 3, Date.now());
        assert.equal(syncsFinished(world, 'slow', inserted).length, 0, 'slow did not poll');
        assert.equal((await listNodes(world)).length, 1);

        await annotate('slow', 'one');
        await nodeCount(world, 2);

        // The same value again, on a change the operator does observe (another annotation).
        await eventually('nodes on the form revision', async () =>
          (await listNodes(world)).every((n) => n.spec.revision !== undefined),
        );
        await insertRows(world, 'tenants', [['initech', 1, 'free']]);
        const since = Date.now();
        await annotate('slow', 'one', { 'example.com/touched': 'yes' });
        // Watch events arrive in order: once the sync for 'two' is seen, the touch was seen before it.
        await annotate('slow', 'two');
        await nodeCount(world, 3);
        await awaitSyncs(world, 'slow', 1, since);
        assert.equal(
          syncsFinished(world, 'slow', since).length,
          1,
          'the same reconcile-at value did not sync; only the new one did',
        );

        await mergePatch(world, 'lynqhubs', 'slow', { spec: { suspend: true } });
        await eventually(
          'suspended',
          async () => (await getHub(world, 'slow')).status?.phase === 'Suspended',
        );
        const suspendedSince = Date.now();
        await world.db.exec("UPDATE tenants SET active = 0 WHERE id = 'globex'");
        await annotate('slow', 'three');
        // In watch order after 'three': once the clock hub synced for it, 'three' was seen too.
        await annotate('tick', 'after-three');
        await eventually(
          'the clock hub read the change',
          async () => (await getHub(world, 'tick')).status?.rows?.active === 2,
        );
        await awaitSyncs(world, 'tick', 3, Date.now());
        assert.equal(syncsFinished(world, 'slow', suspendedSince).length, 0, 'suspended: no sync');
        // Node actors still report their nodes' status; the hub creates, updates and deletes none.
        assert.deepEqual(
          (await operatorWrites(world, suspendedSince, Date.now(), 'lynqnodes')).filter(
            (w) => !w.includes('/status '),
          ),
          [],
          'suspended: no node change',
        );
        assert.equal((await listNodes(world)).length, 3);
      }));

    it(`H8 [${kind}] deleting the hub deletes its nodes before the hub goes`, () =>
      inHubWorld(kind, 'hub-delete', async (world) => {
        await createRowsTable(world, 'tenants');
        await insertRows(world, 'tenants', [
          ['acme', 1, 'pro'],
          ['globex', 1, 'free'],
        ]);
        await createHubAndForm(world, 'hub', 'tenants', 'web');
        await nodeCount(world, 2);
        const res = await kubeRequest(world.kc, {
          method: 'DELETE',
          path: lynqPath('lynqhubs', world.ns, 'hub'),
        });
        assert.equal(res.status, 200, res.text);
        await eventually('hub gone', async () => {
          const r = await kubeRequest(world.kc, {
            method: 'GET',
            path: lynqPath('lynqhubs', world.ns, 'hub'),
          });
          return r.status === 404;
        });
        assert.equal((await listNodes(world)).length, 0, 'no node outlives its hub');
        assert.ok((await nodeDeletes(world)) >= 1, 'the operator deleted the nodes itself');
      }));
  });

  describe(`hub on ${kind}: credentials and grants`, () => {
    /** A hub reading `tenants` as a user of its own with the Secret `db`'s password. */
    const securedHub = async (world: HubWorld, user: DbUser) => {
      await createRowsTable(world, 'tenants');
      await insertRows(world, 'tenants', [['acme', 1, 'pro']]);
      await user.grantSelect('tenants');
      await putSecret(world, 'right-password');
      await createHubAndForm(world, 'secured', 'tenants', 'web', {
        connection: { username: user.name, passwordRef: { name: 'db', key: 'password' } },
      });
      await nodeCount(world, 1);
    };

    it(`H7 [${kind}] a login the server refuses (a wrong password) deletes nothing; a corrected Secret is picked up`, () =>
      inHubWorld(kind, 'hub-login', async (world) => {
        const user = await dbUsers[kind](world);
        try {
          await securedHub(world, user);
          const refusedSince = Date.now();
          await user.refuseLogin(world);
          const hub = await eventually('auth failure reported', async () => {
            const h = await getHub(world, 'secured');
            return conditionOf(h, 'DatasourceReachable')?.reason === 'DatasourceAuthFailed'
              ? h
              : undefined;
          });
          assert.equal(hub.status?.desired, 1, 'the last good counts are kept');
          await eventually('three failed syncs', () =>
            Promise.resolve(
              syncsFinished(world, 'secured', refusedSince).filter((l) => l.outcome === 'failed')
                .length >= 3,
            ),
          );
          assert.equal((await listNodes(world)).length, 1, 'nothing deleted');
          assert.equal(await nodeDeletes(world), 0);

          await user.admitLogin(world);
          await eventually(
            'reachable again after the Secret changed',
            async () =>
              conditionOf(await getHub(world, 'secured'), 'DatasourceReachable')?.status === 'True',
          );
        } finally {
          await user.drop();
        }
      }));

    it(`H7 [${kind}] a revoked table grant is detected and deletes nothing; a restored grant recovers`, () =>
      inHubWorld(kind, 'hub-grant', async (world) => {
        const user = await dbUsers[kind](world);
        try {
          await securedHub(world, user);
          const revokedSince = Date.now();
          await user.revokeSelect('tenants');
          await eventually('permission problem reported', async () => {
            const h = await getHub(world, 'secured');
            // The server answered and refused the query: reachable, but the rows were not read.
            return (
              conditionOf(h, 'RowsRead')?.reason === 'DatasourcePermissionDenied' &&
              conditionOf(h, 'DatasourceReachable')?.status === 'True'
            );
          });
          await eventually('three failed syncs', () =>
            Promise.resolve(
              syncsFinished(world, 'secured', revokedSince).filter((l) => l.outcome === 'failed')
                .length >= 3,
            ),
          );
          assert.equal((await listNodes(world)).length, 1, 'nothing deleted');
          assert.equal(await nodeDeletes(world), 0);

          await user.grantSelect('tenants');
          await eventually('reachable again after the grant', async () => {
            const h = await getHub(world, 'secured');
            return conditionOf(h, 'RowsRead')?.status === 'True' && h.status?.phase === 'Ready';
          });
          await insertRows(world, 'tenants', [['globex', 1, 'free']]);
          await nodeCount(world, 2);
        } finally {
          await user.drop();
        }
      }));

    it(`H7 [${kind}] a missing Secret is an error, never an empty password`, () =>
      inHubWorld(kind, 'hub-secret', async (world) => {
        await createRowsTable(world, 'tenants');
        await create(
          world,
          'lynqhubs',
          hubBody(world, 'no-secret', 'tenants', {
            connection: { passwordRef: { name: 'absent', key: 'password' } },
          }),
        );
        const hub = await eventually('secret error reported', async () => {
          const h = await getHub(world, 'no-secret');
          return h.status?.phase === 'Degraded' ? h : undefined;
        });
        assert.match(conditionOf(hub, 'Ready')?.message ?? '', /passwordRef: Secret absent/);
        // Nothing was ever read: the datasource is not claimed reachable.
        assert.equal(conditionOf(hub, 'DatasourceReachable')?.status, 'False');
        assert.equal(conditionOf(hub, 'DatasourceReachable')?.reason, 'PasswordSecretUnavailable');
        assert.match(
          conditionOf(hub, 'DatasourceReachable')?.message ?? '',
          /passwordRef: Secret absent key password/,
        );
      }));
  });
}
