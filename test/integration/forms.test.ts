// Forms on the real API server and MariaDB: validation gates nodes (F1, F2), revisions move every node (F4), counts (F3), deleting a form (F6).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { auditEvents } from '../harness/test-env.js';
import {
  conditionOf,
  create,
  formBody,
  getForm,
  getHub,
  hubBody,
  insertRows,
  listNodes,
  listRevisions,
  mergePatch,
  openWorld,
  type World,
} from './forms-world.js';

/** Waits until every node of `form` names the same revision, and there are `n` of them. */
const nodesOnOneRevision = async (world: World, form: string, n: number, not?: string) =>
  eventually(`${String(n)} nodes of ${form} on one revision`, async () => {
    const nodes = await listNodes(world, form);
    const revisions = new Set(nodes.map((x) => x.spec.revision));
    const [only] = [...revisions];
    return nodes.length === n && revisions.size === 1 && only !== undefined && only !== not
      ? { nodes, revision: only }
      : undefined;
  });

/** Successful writes the operator made to `resource` in the test's namespace since `since`. */
const operatorWrites = async (world: World, resource: string, since: number) =>
  auditEvents(
    (e) =>
      e.user.username === 'lynq-operator' &&
      e.objectRef?.namespace === world.ns &&
      e.objectRef.resource === resource &&
      e.objectRef.subresource === undefined &&
      e.verb !== 'get' &&
      e.verb !== 'list' &&
      e.verb !== 'watch' &&
      (e.responseStatus?.code ?? 0) < 300 &&
      Date.parse(e.requestReceivedTimestamp) >= since,
  );

/** Waits until the form has observed its current generation (its status says so). */
const formObserved = async (world: World, name: string) => {
  const generation = (await getForm(world, name))?.metadata.generation;
  return eventually(`${name} observed generation ${String(generation)}`, async () => {
    const f = await getForm(world, name);
    return f?.status?.observedGeneration === generation ? f : undefined;
  });
};

/** The ConfigMap a node of form `web` applied for row `uid`: its `data.version`. */
const versionOf = async (world: World, uid: string): Promise<string | undefined> => {
  const res = await world.request({
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/configmaps/${uid}-web-settings`,
  });
  return res.status === 200
    ? (res.body as { data?: Record<string, string> }).data?.['version']
    : undefined;
};

const badSpec = (hubId: string) => ({
  hubId,
  configMaps: [
    {
      id: 'a',
      nameTemplate: '{{ uid }}-a',
      dependIds: ['b'],
      spec: { apiVersion: 'v1', kind: 'ConfigMap' },
    },
    {
      id: 'b',
      nameTemplate: '{{ uid }}-b',
      dependIds: ['a'],
      spec: { apiVersion: 'v1', kind: 'ConfigMap' },
    },
    {
      id: 'twice',
      nameTemplate: '{{ uid }}-t',
      dependIds: ['missing'],
      spec: { apiVersion: 'v1', kind: 'ConfigMap' },
    },
  ],
  secrets: [
    { id: 'twice', nameTemplate: '{{ uid }}-s', spec: { apiVersion: 'v1', kind: 'Secret' } },
    {
      id: 'broken',
      nameTemplate: '{{ uid ',
      spec: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { resourceVersion: '7' },
      },
    },
  ],
});

const expectedErrors = [
  /dependency cycle: (a → b → a|b → a → b)/,
  /resource "twice" depends on "missing", which is not in the form/,
  /resource id "twice" is used more than once: configMaps\[2\], secrets\[0\]/,
  /resource "broken" field nameTemplate.*TemplateSyntaxError/,
  /secrets\[1\] \(id "broken"\): spec\.metadata\.resourceVersion is set by the API server/,
];

describe('forms: validation, revisions, counts, deletion', () => {
  let world: World;
  before(async () => {
    world = await openWorld('forms');
    await insertRows(world, 20);
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
  });
  after(async () => {
    await world.close();
  });

  it('F1 F2 a form with a cycle, a missing dependency, one id in two lists, a bad template and a server-populated field is Valid=False with each error, and gets no node', async () => {
    await create(world, 'lynqforms', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'bad', namespace: world.ns },
      spec: badSpec('hub'),
    });
    const valid = await eventually('bad form Valid=False', async () => {
      const c = conditionOf(await getForm(world, 'bad'), 'Valid');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(valid.reason, 'Invalid');
    for (const pattern of expectedErrors) assert.match(valid.message, pattern);

    // A valid form of the same hub gets its 20 nodes: the hub has synced with both forms known.
    await create(world, 'lynqforms', formBody(world, 'web', 'hub'));
    await nodesOnOneRevision(world, 'web', 20);
    assert.equal((await listNodes(world, 'bad')).length, 0, 'an invalid form creates no node');
    assert.equal((await listRevisions(world, 'bad')).length, 0, 'and makes no revision');
  });

  it('F1 O1 a Secret listed under configMaps is a warning in Valid and one Warning event on the form', async () => {
    // Bound to a hub that does not exist, so the form stays out of the other tests' node counts.
    await create(world, 'lynqforms', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'mislisted', namespace: world.ns },
      spec: {
        hubId: 'nohub',
        configMaps: [
          {
            id: 'creds',
            nameTemplate: '{{ uid }}-creds',
            spec: { apiVersion: 'v1', kind: 'Secret', stringData: { k: 'v' } },
          },
        ],
      },
    });
    const valid = await eventually('warning shown in Valid', async () => {
      const c = conditionOf(await getForm(world, 'mislisted'), 'Valid');
      return c?.message.includes('warning(s)') === true ? c : undefined;
    });
    assert.match(valid.message, /does not exist/, 'the error is listed');
    assert.match(
      valid.message,
      /1 warning\(s\): configMaps\[0\] \(id "creds"\): kind Secret sits in configMaps, which lists ConfigMap/,
    );
    const events = await eventually('ResourceKindMismatch event', async () => {
      const res = await world.request({
        method: 'GET',
        path: `/api/v1/namespaces/${world.ns}/events`,
      });
      const found = (
        res.body as {
          items: { type: string; reason: string; involvedObject: { kind: string; name: string } }[];
        }
      ).items.filter(
        (e) =>
          e.involvedObject.kind === 'LynqForm' &&
          e.involvedObject.name === 'mislisted' &&
          e.reason === 'ResourceKindMismatch',
      );
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['Warning'],
    );
  });

  it('F4 a valid form makes one revision, owned by the form; every node names it', async () => {
    const { revision } = await nodesOnOneRevision(world, 'web', 20);
    const revisions = await listRevisions(world, 'web');
    assert.deepEqual(
      revisions.map((r) => r.metadata.name),
      [revision],
    );
    const [only] = revisions;
    assert.ok(only);
    assert.equal(only.metadata.ownerReferences?.[0]?.name, 'web');
    assert.equal(only.data['hubId'], 'hub');
    const form = await eventually('currentRevision', async () => {
      const f = await getForm(world, 'web');
      return f?.status?.currentRevision === revision ? f : undefined;
    });
    assert.equal(conditionOf(form, 'Valid')?.status, 'True');
    assert.equal(form.status?.totalNodes, 20);
  });

  it('F2 F4 breaking a form with 20 nodes deletes and moves none and makes no revision; a new row gets no node; fixing it makes exactly one revision, moves them all and adds the new one', async () => {
    const { revision: first } = await nodesOnOneRevision(world, 'web', 20);
    const since = Date.now();
    await mergePatch(world, 'lynqforms', 'web', {
      spec: {
        configMaps: [
          {
            id: 'settings',
            nameTemplate: '{{ uid }}-settings',
            dependIds: ['settings'],
            spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan | nope }}' } },
          },
        ],
      },
    });
    await eventually('web Valid=False', async () => {
      const c = conditionOf(await getForm(world, 'web'), 'Valid');
      return c?.status === 'False' && /settings → settings/.test(c.message) ? c : undefined;
    });
    await insertRows(world, 1, 'late');
    await eventually('the hub read the new row', async () => {
      const hub = await getHub(world, 'hub');
      return hub?.status?.rows?.active === 21;
    });
    const nodes = await listNodes(world, 'web');
    assert.equal(nodes.length, 20, 'no node deleted, none created');
    assert.ok(
      nodes.every((n) => n.spec.revision === first && n.metadata.deletionTimestamp === undefined),
    );

    await mergePatch(world, 'lynqforms', 'web', {
      spec: { configMaps: formBody(world, 'web', 'hub', { version: 'v2' }).spec.configMaps },
    });
    const { revision: second } = await nodesOnOneRevision(world, 'web', 21, first);
    assert.notEqual(second, first);
    await eventually('the unused revision is deleted', async () => {
      const names = (await listRevisions(world, 'web')).map((r) => r.metadata.name);
      return names.length === 1 && names[0] === second;
    });
    // One change, one revision: the broken spec made none, the fix exactly one, numbered next.
    const writes = await operatorWrites(world, 'controllerrevisions', since);
    assert.deepEqual(
      writes.map((e) => `${e.verb} ${e.objectRef?.name ?? ''}`),
      [`create ${second}`, `delete ${first}`],
    );
    const [only] = await listRevisions(world, 'web');
    assert.equal(only?.revision, 2);
  });

  it('F4 a change of only rollout or suspend (a new generation), and an operator restart, make no revision and write no node', async () => {
    const { revision } = await nodesOnOneRevision(world, 'web', 21);
    const since = Date.now();
    await mergePatch(world, 'lynqforms', 'web', {
      spec: { rollout: { progressDeadlineSeconds: 900 }, suspend: true },
    });
    const suspended = await formObserved(world, 'web');
    assert.equal(suspended.status?.phase, 'Suspended');
    await mergePatch(world, 'lynqforms', 'web', { spec: { suspend: false } });
    const resumed = await formObserved(world, 'web');
    assert.equal(resumed.status?.phase, 'Ready');
    assert.equal(resumed.metadata.generation, suspended.metadata.generation + 1);

    // A new operator sees the same spec afresh. A new row proves its form actor has synced:
    // the new node gets the current revision, and nothing else is written.
    await world.restartOperator();
    await insertRows(world, 1, 'restart');
    const { nodes } = await nodesOnOneRevision(world, 'web', 22);
    const fresh = nodes.find((n) => n.spec.uid === 'restart0');
    assert.ok(fresh);
    assert.deepEqual(
      (await listRevisions(world, 'web')).map((r) => r.metadata.name),
      [revision],
    );
    assert.deepEqual(
      (await listNodes(world, 'web')).map((n) => n.spec.revision),
      nodes.map(() => revision),
    );
    const writes = await operatorWrites(world, 'lynqnodes', since);
    assert.deepEqual(
      writes.filter((w) => w.objectRef?.name !== fresh.metadata.name).map((w) => w.verb),
      [],
      'no write to any node but the new one',
    );
    assert.deepEqual(
      await operatorWrites(world, 'controllerrevisions', since),
      [],
      'no revision made or deleted',
    );
    await world.db.connection.query("DELETE FROM `rows` WHERE id = 'restart0'");
    await nodesOnOneRevision(world, 'web', 21);
  });

  it('§1 F4 a suspended form keeps its nodes on their revision while its resources change, a new node starts at the newest revision, and unsuspending rolls out', async () => {
    const { revision: before } = await nodesOnOneRevision(world, 'web', 21);
    await mergePatch(world, 'lynqforms', 'web', {
      spec: {
        suspend: true,
        configMaps: formBody(world, 'web', 'hub', { version: 'v3' }).spec.configMaps,
      },
    });
    const form = await formObserved(world, 'web');
    const after = await eventually('the new revision is current', async () => {
      const f = await getForm(world, 'web');
      const current = f?.status?.currentRevision;
      return current !== undefined && current !== before ? current : undefined;
    });
    assert.equal(form.status?.phase, 'Suspended');
    const paused = await eventually('rollout Paused', async () => {
      const f = await getForm(world, 'web');
      return f?.status?.rollout?.phase === 'Paused' ? f.status.rollout : undefined;
    });
    assert.match(
      paused.message ?? '',
      /Suspended \(spec\.suspend\): 21 of 21 nodes keep an older revision/,
    );
    assert.deepEqual(
      (await listRevisions(world, 'web')).map((r) => r.metadata.name).sort(),
      [before, after].sort(),
      'the new revision is made, the old one kept while nodes name it',
    );

    await insertRows(world, 1, 'sus');
    await eventually('the new node starts at the newest revision and renders it', async () => {
      const fresh = (await listNodes(world, 'web')).find((n) => n.spec.uid === 'sus0');
      return fresh?.spec.revision === after && (await versionOf(world, 'sus0')) === 'v3';
    });
    const kept = (await listNodes(world, 'web')).filter((n) => n.spec.uid !== 'sus0');
    assert.equal(kept.length, 21);
    assert.ok(kept.every((n) => n.spec.revision === before));
    assert.equal(await versionOf(world, 'r0'), 'v2', 'an old node is not re-applied');

    await mergePatch(world, 'lynqforms', 'web', { spec: { suspend: false } });
    const { revision: rolled } = await nodesOnOneRevision(world, 'web', 22, before);
    assert.equal(rolled, after);
    await eventually(
      'r0 renders the new revision',
      async () => (await versionOf(world, 'r0')) === 'v3',
    );
    await eventually('the old revision goes once no node names it', async () => {
      const names = (await listRevisions(world, 'web')).map((r) => r.metadata.name);
      return names.length === 1 && names[0] === after;
    });
    await world.db.connection.query("DELETE FROM `rows` WHERE id = 'sus0'");
    await nodesOnOneRevision(world, 'web', 21);
  });

  it('F4 an old revision stays while a node being deleted still names it, and goes once that node is gone', async () => {
    const { revision: before } = await nodesOnOneRevision(world, 'web', 21);
    const held = (await listNodes(world, 'web')).find((n) => n.spec.uid === 'r0');
    assert.ok(held);
    const hold = 'example.com/hold';
    const jsonPatch = async (ops: unknown[]) => {
      const res = await world.request({
        method: 'PATCH',
        path: lynqPath('lynqnodes', world.ns, held.metadata.name),
        contentType: 'application/json-patch+json',
        body: ops,
      });
      assert.equal(res.status, 200, res.text);
    };
    await jsonPatch([{ op: 'add', path: '/metadata/finalizers/-', value: hold }]);
    await world.db.connection.query("DELETE FROM `rows` WHERE id = 'r0'");
    // The node cleans up and drops its own finalizer; the foreign one keeps it, naming `before`.
    await eventually('r0 node held in deletion by the foreign finalizer alone', async () => {
      const res = await world.request({
        method: 'GET',
        path: lynqPath('lynqnodes', world.ns, held.metadata.name),
      });
      const node = res.body as {
        metadata: { deletionTimestamp?: string; finalizers?: string[] };
        spec: { revision?: string };
      };
      return (
        node.metadata.deletionTimestamp !== undefined &&
        node.metadata.finalizers?.join(',') === hold &&
        node.spec.revision === before
      );
    });

    await mergePatch(world, 'lynqforms', 'web', {
      spec: { configMaps: formBody(world, 'web', 'hub', { version: 'v4' }).spec.configMaps },
    });
    const after = await eventually('the 20 live nodes moved and are ready', async () => {
      const f = await getForm(world, 'web');
      const current = f?.status?.currentRevision;
      const live = (await listNodes(world, 'web')).filter(
        (n) => n.metadata.deletionTimestamp === undefined,
      );
      return current !== undefined &&
        current !== before &&
        live.length === 20 &&
        live.every((n) => n.spec.revision === current) &&
        f?.status?.rollout?.phase === 'Complete' &&
        f.status.rollout.updatedNodes === 20
        ? current
        : undefined;
    });
    // Every pass since the moves (they and the node actors' reports wake the form) kept it.
    assert.deepEqual(
      (await listRevisions(world, 'web')).map((r) => r.metadata.name).sort(),
      [before, after].sort(),
      'the old revision stays: a node still names it',
    );

    await jsonPatch([
      { op: 'test', path: '/metadata/finalizers/0', value: hold },
      { op: 'remove', path: '/metadata/finalizers/0' },
    ]);
    await eventually('the old revision goes once that node is gone', async () => {
      const names = (await listRevisions(world, 'web')).map((r) => r.metadata.name);
      return names.length === 1 && names[0] === after;
    });
    await world.db.connection.query("INSERT INTO `rows` VALUES ('r0', 1, 'pro')");
    await nodesOnOneRevision(world, 'web', 21);
  });

  it('F3 the form counts total, ready and failed nodes, and Applied follows them', async () => {
    // The node actors apply each node's ConfigMap and report Ready; the form counts them.
    const ready = await eventually('all nodes counted ready', async () => {
      const f = await getForm(world, 'web');
      return f?.status?.readyNodes === 21 && f.status.failedNodes === 0 ? f : undefined;
    });
    assert.equal(ready.status?.totalNodes, 21);
    assert.equal(conditionOf(ready, 'Applied')?.status, 'True');
    // A node that really fails: its ConfigMap already exists, held by nobody (Stuck, SPEC N6).
    const clash = await world.request({
      method: 'POST',
      path: `/api/v1/namespaces/${world.ns}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clash-web-settings' } },
    });
    assert.equal(clash.status, 201, JSON.stringify(clash.body));
    await world.db.connection.query("INSERT INTO `rows` VALUES ('clash', 1, 'pro')");
    const form = await eventually('a failed node counted', async () => {
      const f = await getForm(world, 'web');
      return f?.status?.failedNodes === 1 && f.status.totalNodes === 22 ? f : undefined;
    });
    const applied = conditionOf(form, 'Applied');
    assert.equal(applied?.status, 'False');
    assert.match(applied.message, /1 failed/);
    await world.db.connection.query("DELETE FROM `rows` WHERE id = 'clash'");
    await eventually('back to 21 nodes', async () => (await listNodes(world, 'web')).length === 21);
  });

  it('F6 H9 deleting a form with 21 nodes deletes only its nodes, unguarded; its revisions go', async () => {
    await create(world, 'lynqforms', formBody(world, 'other', 'hub'));
    await nodesOnOneRevision(world, 'other', 21);
    const res = await world.request({
      method: 'DELETE',
      path: lynqPath('lynqforms', world.ns, 'web'),
    });
    assert.equal(res.status, 200, res.text);
    await eventually('web nodes gone', async () => (await listNodes(world, 'web')).length === 0);
    const other = await listNodes(world, 'other');
    assert.equal(other.length, 21);
    assert.ok(other.every((n) => n.metadata.deletionTimestamp === undefined));
    const hub = await getHub(world, 'hub');
    assert.notEqual(conditionOf(hub, 'DeletionGuarded')?.status, 'True');
    await eventually(
      'web revisions gone',
      async () => (await listRevisions(world, 'web')).length === 0,
    );
  });
});
