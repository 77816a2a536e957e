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

  it('F2 breaking a form with 20 nodes deletes and moves none; a new row gets no node; fixing it moves them all and adds the new one', async () => {
    const { revision: first } = await nodesOnOneRevision(world, 'web', 20);
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
  });

  it('F4 a change of only rollout or suspend makes no revision and writes no node', async () => {
    const { revision } = await nodesOnOneRevision(world, 'web', 21);
    const since = Date.now();
    await mergePatch(world, 'lynqforms', 'web', {
      spec: { rollout: { progressDeadlineSeconds: 900 }, suspend: true },
    });
    const generation = (await getForm(world, 'web'))?.metadata.generation;
    await eventually('the new generation is observed', async () => {
      const f = await getForm(world, 'web');
      return f?.status?.observedGeneration === generation;
    });
    // Re-applying the same resources: still the same revision.
    await mergePatch(world, 'lynqforms', 'web', {
      spec: { configMaps: formBody(world, 'web', 'hub', { version: 'v2' }).spec.configMaps },
    });
    const revisions = await listRevisions(world, 'web');
    assert.deepEqual(
      revisions.map((r) => r.metadata.name),
      [revision],
    );
    const nodeWrites = await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        e.objectRef.resource === 'lynqnodes' &&
        e.objectRef.subresource === undefined &&
        e.verb !== 'get' &&
        e.verb !== 'list' &&
        e.verb !== 'watch' &&
        Date.parse(e.requestReceivedTimestamp) >= since,
    );
    assert.deepEqual(
      nodeWrites.map((w) => `${w.verb} ${w.objectRef?.name ?? ''}`),
      [],
    );
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
