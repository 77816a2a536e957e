// The operator process against a real API server and MariaDB: rows become LynqNodes, and only for the reasons SPEC §2 names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { validForm } from '../fixtures/lynq-objects.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type TestDatabase,
} from '../harness/test-env.js';

interface NodeView {
  metadata: {
    name: string;
    labels: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string }[];
    managedFields?: { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[];
  };
  spec: { uid: string; templateRef: string; variables: Record<string, unknown>; revision?: string };
}

interface HubView {
  status?: {
    phase?: string;
    phaseReason?: string;
    transitions?: { from: string; to: string; event: string }[];
    desired?: number;
    ready?: number;
    failed?: number;
    referencingTemplates?: number;
    rows?: { active: number; total: number; rejected: number };
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

/** One test's world: namespace, database with a `nodes` table, an operator watching that namespace. */
interface World {
  readonly ns: string;
  readonly db: TestDatabase;
  readonly kc: KubeConfig;
  readonly operator: OperatorProcess;
  close(): Promise<void>;
}

const openWorld = async (label: string): Promise<World> => {
  const [namespace, db, kc] = await Promise.all([
    createTestNamespace(label),
    createTestDatabase(label),
    kubeConfigFor('admin'),
  ]);
  await db.connection.query(
    'CREATE TABLE nodes (id VARCHAR(200) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64), note TEXT)',
  );
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

const hubBody = async (
  world: World,
  name: string,
  patch: {
    syncInterval?: string;
    uidColumn?: string;
    port?: number;
    suspend?: boolean;
    extra?: Record<string, string>;
  } = {},
) => {
  const url = new URL((await testEnv()).mysqlUrl);
  return {
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqHub',
    metadata: { name, namespace: world.ns },
    spec: {
      source: {
        type: 'mysql',
        syncInterval: patch.syncInterval ?? '1s',
        mysql: {
          host: url.hostname,
          port: patch.port ?? Number(url.port || '3306'),
          username: decodeURIComponent(url.username || 'root'),
          database: world.db.name,
          table: 'nodes',
        },
      },
      valueMappings: { uid: patch.uidColumn ?? 'id', activate: 'active' },
      extraValueMappings: patch.extra ?? { plan: 'plan' },
      ...(patch.suspend === undefined ? {} : { suspend: patch.suspend }),
    },
  };
};

const create = async (
  world: World,
  plural: 'lynqhubs' | 'lynqforms',
  body: unknown,
): Promise<void> => {
  const res = await kubeRequest(world.kc, {
    method: 'POST',
    path: lynqPath(plural, world.ns),
    body,
  });
  assert.equal(res.status, 201, res.text);
};

const form = (world: World, name: string, hubId: string) =>
  validForm({ name, namespace: world.ns, hubId });

const listNodes = async (world: World): Promise<NodeView[]> => {
  const res = await kubeRequest(world.kc, { method: 'GET', path: lynqPath('lynqnodes', world.ns) });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: NodeView[] }).items;
};

const getHub = async (world: World, name: string): Promise<HubView> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: lynqPath('lynqhubs', world.ns, name),
  });
  return res.body as HubView;
};

const nodeCount = (n: number) => async (world: World) => {
  const nodes = await listNodes(world);
  return nodes.length === n ? nodes : undefined;
};

const condition = (hub: HubView, type: string) =>
  hub.status?.conditions?.find((c) => c.type === type);

interface SyncLine {
  /** ISO-8601 (SPEC O5). */
  readonly time: string;
  readonly outcome?: string;
}

/** The syncs of one hub the operator finished so far, from its "Hub sync finished" debug lines. */
const syncsFinished = (world: World, hub: string, since = 0): SyncLine[] =>
  world.operator
    .output()
    .split('\n')
    .flatMap((line): SyncLine[] => {
      try {
        const entry = JSON.parse(line) as SyncLine & {
          msg?: string;
          kind?: string;
          namespace?: string;
          name?: string;
        };
        return entry.msg === 'Hub sync finished' &&
          entry.kind === 'LynqHub' &&
          entry.namespace === world.ns &&
          entry.name === hub &&
          Date.parse(entry.time) >= since
          ? [entry]
          : [];
      } catch {
        return []; // a line still being written
      }
    });

interface EventView {
  type: string;
  reason: string;
  message: string;
  count: number;
  involvedObject: { kind: string; name: string };
}

/** The Events on one hub. */
const hubEvents = async (world: World, hub: string): Promise<EventView[]> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/events`,
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: EventView[] }).items.filter(
    (e) => e.involvedObject.kind === 'LynqHub' && e.involvedObject.name === hub,
  );
};

const patchHub = async (world: World, name: string, body: unknown): Promise<void> => {
  const res = await kubeRequest(world.kc, {
    method: 'PATCH',
    path: lynqPath('lynqhubs', world.ns, name),
    contentType: 'application/merge-patch+json',
    body,
  });
  assert.equal(res.status, 200, res.text);
};

describe('hub: rows become LynqNodes', () => {
  let world: World;
  before(async () => {
    world = await openWorld('hub-rows');
  });
  after(async () => {
    await world.close();
  });

  it('H5 an inserted row becomes a node; activate off and on removes and re-creates it', async () => {
    await world.db.connection.query("INSERT INTO nodes VALUES ('acme', 1, 'pro', NULL)");
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', form(world, 'web', 'hub'));
    const [node] = await eventually('node created', () => nodeCount(1)(world));
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

    await world.db.connection.query("UPDATE nodes SET active = 0 WHERE id = 'acme'");
    await eventually('node removed', () => nodeCount(0)(world));
    await world.db.connection.query("UPDATE nodes SET active = 1 WHERE id = 'acme'");
    await eventually('node re-created', () => nodeCount(1)(world));
  });

  it('H3 a changed or extra mapped column updates the variables; {{ }} in a value stays literal', async () => {
    await world.db.connection.query(
      "UPDATE nodes SET plan = '{{ uid }} and {% raw %}' WHERE id = 'acme'",
    );
    const [node] = await eventually('variables updated', async () => {
      const nodes = await listNodes(world);
      return nodes[0]?.spec.variables['plan'] === '{{ uid }} and {% raw %}' ? nodes : undefined;
    });
    assert.ok(node);
  });

  it('H4 2 forms × 2 rows make 4 nodes, and the hub counts them', async () => {
    await world.db.connection.query("INSERT INTO nodes VALUES ('globex', 1, 'free', NULL)");
    await create(world, 'lynqforms', form(world, 'db', 'hub'));
    const nodes = await eventually('4 nodes', () => nodeCount(4)(world));
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
  });

  it('H4 a duplicated uid leaves its nodes alone and is reported as rejected', async () => {
    await world.db.connection.query('ALTER TABLE nodes DROP PRIMARY KEY');
    await world.db.connection.query("INSERT INTO nodes VALUES ('acme', 0, 'dup', NULL)");
    const hub = await eventually('rejected counted', async () => {
      const h = await getHub(world, 'hub');
      return h.status?.rows?.rejected === 2 ? h : undefined;
    });
    assert.ok(hub);
    const nodes = await listNodes(world);
    assert.equal(nodes.filter((n) => n.spec.uid === 'acme').length, 2, 'acme keeps both nodes');
    const events = await eventually('one DuplicateUids event', async () => {
      const res = await kubeRequest(world.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${world.ns}/events`,
      });
      const items = (res.body as { items: { reason: string; message: string; count: number }[] })
        .items;
      const dup = items.filter((e) => e.reason === 'DuplicateUids');
      return dup.length === 1 ? dup : undefined;
    });
    assert.match(events[0]?.message ?? '', /acme/);
    await sleep(2_000);
    const again = await kubeRequest(world.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${world.ns}/events`,
    });
    const counted = (again.body as { items: { reason: string; count: number }[] }).items.find(
      (e) => e.reason === 'DuplicateUids',
    );
    assert.equal(counted?.count, 1, 'the same duplicates are not reported again on every sync');
    await world.db.connection.query("DELETE FROM nodes WHERE plan = 'dup'");
  });

  it('follows node conditions in the hub ready and failed counts', async () => {
    // The node actors apply each node's resources and report Ready in node status; the hub
    // counts what the nodes say.
    const nodes = await listNodes(world);
    await eventually('hub counts every node Ready', async () => {
      const h = await getHub(world, 'hub');
      return h.status?.ready === nodes.length && h.status.failed === 0;
    });
    // A node that really fails: its ConfigMap already exists, held by nobody (Stuck, SPEC N6).
    const clash = await kubeRequest(world.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${world.ns}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clash-web-settings' } },
    });
    assert.equal(clash.status, 201, clash.text);
    await world.db.connection.query("INSERT INTO nodes VALUES ('clash', 1, 'pro', NULL)");
    await eventually('hub counts the failed node', async () => {
      const h = await getHub(world, 'hub');
      return h.status?.failed === 1;
    });
    await world.db.connection.query("DELETE FROM nodes WHERE id = 'clash'");
    await eventually('clash nodes gone', async () =>
      (await listNodes(world)).every((n) => n.spec.uid !== 'clash'),
    );
  });

  it('H6 three and more syncs with nothing changed write nothing (audit log)', async () => {
    // Let any write caused by earlier tests settle first.
    await sleep(3_000);
    const before = Date.now();
    // Four syncs finished after `before`: at least three ran wholly inside the window.
    const syncs = await eventually('at least three full syncs', () => {
      const finished = syncsFinished(world, 'hub', before);
      return Promise.resolve(finished.length >= 4 ? finished : undefined);
    });
    const until = Date.now();
    assert.deepEqual(
      syncs.map((l) => l.outcome),
      syncs.map(() => 'synced'),
    );
    const writes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        Date.parse(e.requestReceivedTimestamp) >= before &&
        Date.parse(e.requestReceivedTimestamp) <= until,
    );
    assert.deepEqual(
      writes.map(
        (w) =>
          `${w.verb} ${w.objectRef?.resource ?? ''}/${w.objectRef?.subresource ?? ''} ${w.objectRef?.name ?? ''}`,
      ),
      [],
    );
  });
});

describe('hub: naming', () => {
  let world: World;
  before(async () => {
    world = await openWorld('hub-names');
  });
  after(async () => {
    await world.close();
  });

  it('gives colliding-looking pairs, capitals, underscores and 80-character uids valid distinct names', async () => {
    const long = 'x'.repeat(80);
    await world.db.connection.query(
      'INSERT INTO nodes (id, active) VALUES (?, 1), (?, 1), (?, 1), (?, 1)',
      ['a-b', 'a', 'Mixed_Case_Tenant', long],
    );
    await create(world, 'lynqhubs', await hubBody(world, 'hub', { extra: {} }));
    await create(world, 'lynqforms', form(world, 'c', 'hub'));
    await create(world, 'lynqforms', form(world, 'b-c', 'hub'));
    const nodes = await eventually('8 nodes', () => nodeCount(8)(world));
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
  });
});

describe('hub: failing closed', () => {
  let world: World;
  before(async () => {
    world = await openWorld('hub-fail');
  });
  after(async () => {
    await world.close();
  });

  it('H7 a uid mapped to a missing column sets RowsRead=False, keeps DatasourceReachable=True and creates no nodes', async () => {
    await world.db.connection.query("INSERT INTO nodes VALUES ('acme', 1, 'pro', NULL)");
    await create(
      world,
      'lynqhubs',
      await hubBody(world, 'broken', { uidColumn: 'missing_column' }),
    );
    await create(world, 'lynqforms', form(world, 'web', 'broken'));
    const hub = await eventually('condition set', async () => {
      const h = await getHub(world, 'broken');
      return condition(h, 'RowsRead')?.status === 'False' ? h : undefined;
    });
    assert.equal(condition(hub, 'RowsRead')?.reason, 'DatasourceColumnMissing');
    assert.match(condition(hub, 'RowsRead')?.message ?? '', /missing_column/);
    // The server answered: the datasource is reachable, the query is wrong.
    assert.equal(condition(hub, 'DatasourceReachable')?.status, 'True');
    assert.equal(hub.status?.phase, 'Degraded');
    assert.equal(hub.status.phaseReason, 'datasource.failed: DatasourceColumnMissing');
    assert.equal((await listNodes(world)).length, 0);
  });

  it('H7 deletes nothing while the database is unreachable, one Warning per distinct error (not per retry), and recovers when it returns', async () => {
    await create(world, 'lynqhubs', await hubBody(world, 'flaky'));
    await create(world, 'lynqforms', form(world, 'app', 'flaky'));
    await eventually('node created', async () =>
      (await listNodes(world)).some((n) => n.spec.templateRef === 'app'),
    );
    const warnings = async () =>
      (await hubEvents(world, 'flaky'))
        .filter((e) => e.type === 'Warning')
        .map((e) => `${e.reason} x${String(e.count)}`)
        .sort();
    const failedSyncs = async (what: string, since: number) =>
      eventually(what, () =>
        Promise.resolve(
          syncsFinished(world, 'flaky', since).filter((l) => l.outcome === 'failed').length >= 3,
        ),
      );

    // Point the hub at a closed port: rows can no longer be read.
    const unreachableSince = Date.now();
    await patchHub(world, 'flaky', { spec: { source: { mysql: { port: 1 } } } });
    await eventually('unreachable reported', async () => {
      const h = await getHub(world, 'flaky');
      return condition(h, 'DatasourceReachable')?.reason === 'DatasourceUnreachable';
    });
    await failedSyncs('three failed syncs while unreachable', unreachableSince);
    assert.ok(
      (await listNodes(world)).some((n) => n.spec.templateRef === 'app'),
      'the node is still there',
    );
    const deletes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        e.verb === 'delete',
    );
    assert.equal(deletes.length, 0);
    assert.deepEqual(await warnings(), ['DatasourceUnreachable x1']);

    // A different error: reachable, but the table is missing.
    const url = new URL((await testEnv()).mysqlUrl);
    const port = Number(url.port || '3306');
    const missingSince = Date.now();
    await patchHub(world, 'flaky', { spec: { source: { mysql: { port, table: 'absent' } } } });
    await eventually('missing table reported', async () => {
      const h = await getHub(world, 'flaky');
      return (
        condition(h, 'RowsRead')?.reason === 'DatasourceTableMissing' &&
        condition(h, 'DatasourceReachable')?.status === 'True'
      );
    });
    await failedSyncs('three failed syncs on the missing table', missingSince);
    assert.deepEqual(await warnings(), ['DatasourceTableMissing x1', 'DatasourceUnreachable x1']);

    await patchHub(world, 'flaky', { spec: { source: { mysql: { table: 'nodes' } } } });
    await eventually('rows read again', async () => {
      const h = await getHub(world, 'flaky');
      return condition(h, 'RowsRead')?.status === 'True';
    });
    assert.ok((await listNodes(world)).some((n) => n.spec.templateRef === 'app'));
  });
});

describe('hub: lifecycle', () => {
  let world: World;
  before(async () => {
    world = await openWorld('hub-life');
  });
  after(async () => {
    await world.close();
  });

  it('H10 a form created, changed and deleted under a 1h syncInterval is followed without waiting for the poll', async () => {
    await world.db.connection.query("INSERT INTO nodes VALUES ('acme', 1, 'pro', NULL)");
    await create(world, 'lynqhubs', await hubBody(world, 'slow', { syncInterval: '1h' }));
    await eventually(
      'hub ready',
      async () => (await getHub(world, 'slow')).status?.phase === 'Ready',
    );
    await create(world, 'lynqforms', form(world, 'web', 'slow'));
    const [first] = await eventually(
      'node created from the form event, on a revision',
      async () => {
        const nodes = await nodeCount(1)(world);
        return nodes?.[0]?.spec.revision === undefined ? undefined : nodes;
      },
    );
    const settingsOf = async () => {
      const res = await kubeRequest(world.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${world.ns}/configmaps/acme-web-settings`,
      });
      return res.status === 200 ? (res.body as { data?: Record<string, string> }).data : undefined;
    };
    await eventually('the form rendered', async () => (await settingsOf())?.['plan'] === 'pro');

    // Changed: a new template makes a new revision, and it reaches the node's objects.
    const patched = await kubeRequest(world.kc, {
      method: 'PATCH',
      path: lynqPath('lynqforms', world.ns, 'web'),
      contentType: 'application/merge-patch+json',
      body: {
        spec: {
          configMaps: [
            {
              id: 'settings',
              nameTemplate: '{{ uid }}-{{ templateRef }}-settings',
              spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: 'changed {{ plan }}' } },
            },
          ],
        },
      },
    });
    assert.equal(patched.status, 200, patched.text);
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
    await eventually('node deleted with its form', () => nodeCount(0)(world));
  });

  it('H11 a new reconcile-at value syncs at once, the same value again does not, and suspend stops changes', async () => {
    await create(world, 'lynqforms', form(world, 'web2', 'slow'));
    // Settled: the form validated and moved its node, so no form event is still on its way.
    await eventually('node on the form revision', async () => {
      const nodes = await listNodes(world);
      return nodes.length === 1 && nodes[0]?.spec.revision !== undefined;
    });
    await sleep(2_000);
    await world.db.connection.query("INSERT INTO nodes VALUES ('globex', 1, 'free', NULL)");
    await sleep(2_000);
    assert.equal((await listNodes(world)).length, 1, 'no poll within 1h');
    const annotate = (value: string, others: Record<string, string> = {}) =>
      patchHub(world, 'slow', {
        metadata: { annotations: { 'lynq.sh/reconcile-at': value, ...others } },
      });
    await annotate('one');
    await eventually('synced by reconcile-at', () => nodeCount(2)(world));

    // The same value again, on a change the operator does observe (another annotation).
    await eventually('node on the form revision', async () =>
      (await listNodes(world)).every((n) => n.spec.revision !== undefined),
    );
    await world.db.connection.query("INSERT INTO nodes VALUES ('initech', 1, 'free', NULL)");
    const since = Date.now();
    await annotate('one', { 'example.com/touched': 'yes' });
    // Watch events arrive in order: once the sync for 'two' is seen, the touch was seen before it.
    await annotate('two');
    await eventually('synced by the new value', () => nodeCount(3)(world));
    await eventually('its sync finished', () =>
      Promise.resolve(syncsFinished(world, 'slow', since).length >= 1),
    );
    assert.equal(
      syncsFinished(world, 'slow', since).length,
      1,
      'the same reconcile-at value did not sync; only the new one did',
    );

    await patchHub(world, 'slow', { spec: { suspend: true } });
    await eventually(
      'suspended',
      async () => (await getHub(world, 'slow')).status?.phase === 'Suspended',
    );
    await world.db.connection.query("UPDATE nodes SET active = 0 WHERE id = 'globex'");
    await annotate('three');
    await sleep(2_000);
    assert.equal((await listNodes(world)).length, 3, 'suspended: no change');
  });

  it('H8 deleting the hub deletes its nodes before the hub goes', async () => {
    const res = await kubeRequest(world.kc, {
      method: 'DELETE',
      path: lynqPath('lynqhubs', world.ns, 'slow'),
    });
    assert.equal(res.status, 200, res.text);
    await eventually('hub gone', async () => {
      const r = await kubeRequest(world.kc, {
        method: 'GET',
        path: lynqPath('lynqhubs', world.ns, 'slow'),
      });
      return r.status === 404;
    });
    assert.equal((await listNodes(world)).length, 0, 'no node outlives its hub');
    const deletes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        e.verb === 'delete' &&
        e.objectRef.resource === 'lynqnodes',
    );
    assert.ok(deletes.length >= 1, 'the operator deleted the nodes itself');
  });
});

describe('hub: credentials and grants', () => {
  let world: World;
  const user = `lynq_hub_${Math.random().toString(16).slice(2, 10)}`;
  before(async () => {
    world = await openWorld('hub-creds');
    await world.db.connection.query("INSERT INTO nodes VALUES ('acme', 1, 'pro', NULL)");
    await world.db.connection.query(`CREATE USER ?@'%' IDENTIFIED BY 'right-password'`, [user]);
    await world.db.connection.query(
      // Table-level: such privileges apply to the very next statement of an open connection.
      `GRANT SELECT ON ${world.db.connection.escapeId(world.db.name)}.nodes TO ?@'%'`,
      [user],
    );
  });
  after(async () => {
    await world.db.connection.query(`DROP USER IF EXISTS ?@'%'`, [user]);
    await world.close();
  });

  const putSecret = async (password: string): Promise<void> => {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: world.ns },
      stringData: { password },
    };
    const res = await kubeRequest(world.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${world.ns}/secrets/db?fieldManager=test&force=true`,
      contentType: 'application/apply-patch+yaml',
      body,
    });
    assert.ok(res.status === 200 || res.status === 201, res.text);
  };

  it('H7 a wrong password in the Secret deletes nothing; a corrected Secret is picked up', async () => {
    await putSecret('right-password');
    const body = await hubBody(world, 'secured');
    const mysql = body.spec.source.mysql as Record<string, unknown>;
    mysql['username'] = user;
    mysql['passwordRef'] = { name: 'db', key: 'password' };
    await create(world, 'lynqhubs', body);
    await create(world, 'lynqforms', form(world, 'web', 'secured'));
    await eventually('node created with the Secret password', () => nodeCount(1)(world));

    await putSecret('wrong-password');
    const hub = await eventually('auth failure reported', async () => {
      const h = await getHub(world, 'secured');
      return condition(h, 'DatasourceReachable')?.reason === 'DatasourceAuthFailed' ? h : undefined;
    });
    assert.equal(hub.status?.desired, 1, 'the last good counts are kept');
    await sleep(2_000);
    assert.equal((await listNodes(world)).length, 1, 'nothing deleted');

    await putSecret('right-password');
    await eventually('reachable again after the Secret changed', async () => {
      const h = await getHub(world, 'secured');
      return condition(h, 'DatasourceReachable')?.status === 'True';
    });
  });

  it('H7 a revoked table grant is detected and deletes nothing', async () => {
    await world.db.connection.query(
      `REVOKE SELECT ON ${world.db.connection.escapeId(world.db.name)}.nodes FROM ?@'%'`,
      [user],
    );
    await eventually('permission problem reported', async () => {
      const h = await getHub(world, 'secured');
      // The server answered and refused the query: reachable, but the rows were not read.
      return (
        condition(h, 'RowsRead')?.reason === 'DatasourcePermissionDenied' &&
        condition(h, 'DatasourceReachable')?.status === 'True'
      );
    });
    await sleep(2_000);
    assert.equal((await listNodes(world)).length, 1, 'nothing deleted');
    const deletes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        e.verb === 'delete' &&
        e.objectRef.resource === 'lynqnodes',
    );
    assert.equal(deletes.length, 0);
  });

  it('H7 a restored grant recovers: reachable again, and row changes are followed again', async () => {
    await world.db.connection.query(
      `GRANT SELECT ON ${world.db.connection.escapeId(world.db.name)}.nodes TO ?@'%'`,
      [user],
    );
    await eventually('reachable again after the grant', async () => {
      const h = await getHub(world, 'secured');
      return condition(h, 'RowsRead')?.status === 'True' && h.status?.phase === 'Ready';
    });
    await world.db.connection.query("INSERT INTO nodes VALUES ('globex', 1, 'free', NULL)");
    await eventually('the new row followed', () => nodeCount(2)(world));
  });

  it('H7 a missing Secret is an error, never an empty password', async () => {
    const body = await hubBody(world, 'no-secret');
    const mysql = body.spec.source.mysql as Record<string, unknown>;
    mysql['username'] = user;
    mysql['passwordRef'] = { name: 'absent', key: 'password' };
    await create(world, 'lynqhubs', body);
    const hub = await eventually('secret error reported', async () => {
      const h = await getHub(world, 'no-secret');
      return h.status?.phase === 'Degraded' ? h : undefined;
    });
    assert.match(condition(hub, 'Ready')?.message ?? '', /passwordRef: Secret absent/);
    // Nothing was ever read: the datasource is not claimed reachable.
    assert.equal(condition(hub, 'DatasourceReachable')?.status, 'False');
    assert.equal(condition(hub, 'DatasourceReachable')?.reason, 'PasswordSecretUnavailable');
    assert.match(
      condition(hub, 'DatasourceReachable')?.message ?? '',
      /passwordRef: Secret absent key password/,
    );
  });
});
