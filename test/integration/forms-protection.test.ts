// Deletion protection of forms and hubs (SPEC H8, F6) and deleting a whole namespace with a hub, a form and its nodes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import {
  create,
  formBody,
  getForm,
  getHub,
  hubBody,
  insertRows,
  listNodes,
  mergePatch,
  openWorld,
  type World,
} from './forms-world.js';

const protection = { 'lynq.sh/deletion-protection': 'true' };

const messageOf = (body: unknown): string =>
  typeof body === 'object' && body !== null && 'message' in body
    ? String(body.message)
    : JSON.stringify(body);

/** DELETE, retried while the API server has not loaded the admission policy yet (a fresh server). */
const deleteDenied = async (
  world: World,
  plural: 'lynqhubs' | 'lynqforms',
  name: string,
  propagationPolicy?: 'Foreground' | 'Background',
): Promise<string> => {
  const res = await world.request({
    method: 'DELETE',
    path: lynqPath(
      plural,
      world.ns,
      name,
      propagationPolicy === undefined ? undefined : `propagationPolicy=${propagationPolicy}`,
    ),
  });
  assert.equal(res.status, 403, res.text);
  return messageOf(res.body);
};

const mark = 'lynq.sh/deletion-protection';

interface ObjectView {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
}

const configMapsOf = async (world: World): Promise<ObjectView[]> => {
  const res = await world.request({
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/configmaps?labelSelector=lynq.sh%2Fnode`,
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: ObjectView[] }).items;
};

const namespaceConditions = async (world: World): Promise<string> => {
  const ns = await world.request({ method: 'GET', path: `/api/v1/namespaces/${world.ns}` });
  const conditions =
    (ns.body as { status?: { conditions?: { status: string; message: string }[] } }).status
      ?.conditions ?? [];
  return conditions
    .filter((c) => c.status === 'True')
    .map((c) => c.message)
    .join('\n');
};

const nodeCount = async (world: World, n: number) =>
  eventually(`${String(n)} nodes`, async () =>
    (await listNodes(world)).filter((x) => x.spec.revision !== undefined).length === n
      ? true
      : undefined,
  );

describe('deletion protection and namespace deletion', () => {
  it("H8 F6 a protected form and a protected hub, their nodes and the nodes' objects are not deleted by a plain, a foreground, a collection or a namespace deletion, and say why", async () => {
    const world = await openWorld('protection');
    try {
      await insertRows(world, 3);
      await create(world, 'lynqhubs', await hubBody(world, 'hub', { annotations: protection }));
      await create(world, 'lynqforms', formBody(world, 'web', 'hub', { annotations: protection }));
      await nodeCount(world, 3);
      // Every node of the protected hub and form is marked, and so is every object it applied.
      await eventually('nodes and their ConfigMaps marked', async () => {
        const [nodes, maps] = await Promise.all([listNodes(world), configMapsOf(world)]);
        const unmarked = [...nodes, ...maps]
          .filter((o) => o.metadata.labels?.[mark] !== 'true')
          .map((o) => o.metadata.name);
        if (nodes.length === 3 && maps.length === 3 && unmarked.length === 0) return true;
        throw new Error(
          `${String(nodes.length)} nodes, ${String(maps.length)} ConfigMaps, unmarked: ${unmarked.join(', ')}`,
        );
      });

      // The policy may need a moment on a fresh API server: wait for its first denial.
      await eventually('the policy denies', async () => {
        const res = await world.request({
          method: 'DELETE',
          path: lynqPath('lynqforms', world.ns, 'web', 'dryRun=All'),
        });
        return res.status === 403;
      });
      assert.match(
        await deleteDenied(world, 'lynqforms', 'web'),
        /protected by annotation lynq\.sh\/deletion-protection=true; lift the protection with: kubectl annotate lynqforms web/,
      );
      assert.match(
        await deleteDenied(world, 'lynqforms', 'web', 'Foreground'),
        /lynq\.sh\/deletion-protection/,
      );
      assert.match(await deleteDenied(world, 'lynqhubs', 'hub'), /lynq\.sh\/deletion-protection/);
      assert.match(
        await deleteDenied(world, 'lynqhubs', 'hub', 'Foreground'),
        /lynq\.sh\/deletion-protection/,
      );
      assert.equal((await listNodes(world)).length, 3, 'no node deleted');
      // A marked node and a marked ConfigMap are denied too, with the way out in the message.
      const [someNode] = await listNodes(world);
      assert.ok(someNode);
      const nodeDelete = await world.request({
        method: 'DELETE',
        path: lynqPath('lynqnodes', world.ns, someNode.metadata.name),
      });
      assert.equal(nodeDelete.status, 403, nodeDelete.text);
      assert.match(
        messageOf(nodeDelete.body),
        /LynqNode .* belongs to a LynqHub or LynqForm protected by annotation lynq\.sh\/deletion-protection=true \(hub hub, form web\); lift the protection/,
      );
      const mapDelete = await world.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${world.ns}/configmaps/r0-web-settings`,
      });
      assert.equal(mapDelete.status, 403, mapDelete.text);
      assert.match(messageOf(mapDelete.body), /stays Terminating while protected objects remain/);
      // DELETECOLLECTION admits each object as a DELETE: none of the marked ones goes.
      const collection = await world.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${world.ns}/configmaps?labelSelector=lynq.sh%2Fnode`,
      });
      assert.notEqual(collection.status, 200, collection.text);
      assert.equal((await configMapsOf(world)).length, 3);

      // Namespace deletion: the namespace controller's DELETEs of the hub and form are denied too.
      const res = await world.request({ method: 'DELETE', path: `/api/v1/namespaces/${world.ns}` });
      assert.equal(res.status, 200, res.text);
      // Wait until the namespace controller has tried the hub, the form, the nodes and the
      // ConfigMaps, and was denied each time.
      await eventually(
        'the namespace controller tried and was denied',
        async () => {
          const text = await namespaceConditions(world);
          return /LynqHub .* is protected/.test(text) &&
            /LynqNode .* belongs to a LynqHub or LynqForm protected/.test(text) &&
            /ConfigMap .* belongs to a LynqHub or LynqForm protected/.test(text)
            ? true
            : undefined;
        },
        180_000,
      );
      const [hub, form] = await Promise.all([getHub(world, 'hub'), getForm(world, 'web')]);
      assert.ok(hub, 'the protected hub survives namespace deletion');
      assert.ok(form, 'the protected form survives namespace deletion');
      const [nodesLeft, mapsLeft] = await Promise.all([listNodes(world), configMapsOf(world)]);
      assert.equal(nodesLeft.length, 3, 'every node of the protected hub survives');
      assert.equal(mapsLeft.length, 3, 'and every object those nodes applied');
      for (const o of [...nodesLeft, ...mapsLeft]) {
        assert.equal(o.metadata.deletionTimestamp, undefined, `${o.metadata.name} not deleting`);
      }

      // Lifting the protection lets the namespace go, with everything in it.
      assert.ok((await namespaceConditions(world)).length > 0, 'still Terminating');
      await mergePatch(world, 'lynqforms', 'web', {
        metadata: { annotations: { 'lynq.sh/deletion-protection': null } },
      });
      await mergePatch(world, 'lynqhubs', 'hub', {
        metadata: { annotations: { 'lynq.sh/deletion-protection': null } },
      });
      await eventually(
        'namespace gone',
        async () =>
          (await world.request({ method: 'GET', path: `/api/v1/namespaces/${world.ns}` }))
            .status === 404,
        180_000,
      );
    } finally {
      await world.close({ keepNamespace: true });
    }
  });

  it('H8 protection added later marks the nodes and their objects, a row gone still deletes its node and objects, and lifting it unmarks them all', async () => {
    const world = await openWorld('protection-toggle');
    try {
      await insertRows(world, 3);
      await create(world, 'lynqhubs', await hubBody(world, 'hub'));
      // A second ConfigMap under creationPolicy Once: never updated, but its mark follows the node.
      const body = formBody(world, 'web', 'hub');
      await create(world, 'lynqforms', {
        ...body,
        spec: {
          ...body.spec,
          configMaps: [
            ...body.spec.configMaps,
            {
              id: 'once',
              nameTemplate: '{{ uid }}-web-once',
              creationPolicy: 'Once',
              spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
            },
          ],
        },
      });
      await nodeCount(world, 3);
      const markedCount = async (want: number, what: string) =>
        eventually(what, async () => {
          const [nodes, maps] = await Promise.all([listNodes(world), configMapsOf(world)]);
          const marked = [...nodes, ...maps].filter((o) => o.metadata.labels?.[mark] === 'true');
          if (marked.length === want && nodes.length + maps.length >= want) return true;
          throw new Error(
            `${String(nodes.length)} nodes, ${String(maps.length)} ConfigMaps, ${String(marked.length)} marked`,
          );
        });
      await eventually('6 ConfigMaps', async () => (await configMapsOf(world)).length === 6);
      assert.equal(
        [...(await listNodes(world)), ...(await configMapsOf(world))].filter(
          (o) => o.metadata.labels?.[mark] !== undefined,
        ).length,
        0,
        'nothing is marked while nothing is protected',
      );

      await mergePatch(world, 'lynqforms', 'web', { metadata: { annotations: protection } });
      await markedCount(9, 'the form’s 3 nodes and their 6 ConfigMaps (Once ones too) marked');
      const [first] = await listNodes(world);
      assert.ok(first);
      const denied = await world.request({
        method: 'DELETE',
        path: lynqPath('lynqnodes', world.ns, first.metadata.name),
      });
      assert.equal(denied.status, 403, denied.text);

      // A row that goes away is the operator's own decision: it unmarks, deletes the node, and
      // the node deletes its (marked) ConfigMap.
      await world.db.connection.query("DELETE FROM `rows` WHERE id = 'r0'");
      await eventually('r0 node and ConfigMap gone', async () => {
        const [nodes, maps] = await Promise.all([listNodes(world), configMapsOf(world)]);
        return nodes.length === 2 &&
          maps.length === 4 &&
          !maps.some((m) => m.metadata.name.startsWith('r0-'))
          ? true
          : undefined;
      });
      await markedCount(6, 'the other nodes and ConfigMaps stay marked');

      await mergePatch(world, 'lynqforms', 'web', {
        metadata: { annotations: { 'lynq.sh/deletion-protection': null } },
      });
      await markedCount(0, 'lifting the protection unmarks every node and ConfigMap');
      const [node] = await listNodes(world);
      assert.ok(node);
      const allowed = await world.request({
        method: 'DELETE',
        path: lynqPath('lynqnodes', world.ns, node.metadata.name),
      });
      assert.equal(allowed.status, 200, allowed.text);
    } finally {
      await world.close();
    }
  });

  it('H8 F6 deleting the namespace that holds a hub, a form and its nodes removes everything, nothing stuck in Terminating', async () => {
    const world = await openWorld('namespace-deletion');
    try {
      await insertRows(world, 5);
      await create(world, 'lynqhubs', await hubBody(world, 'hub'));
      await create(world, 'lynqforms', formBody(world, 'web', 'hub'));
      await nodeCount(world, 5);
      const res = await world.request({ method: 'DELETE', path: `/api/v1/namespaces/${world.ns}` });
      assert.equal(res.status, 200, res.text);
      await eventually(
        'namespace gone',
        async () =>
          (await world.request({ method: 'GET', path: `/api/v1/namespaces/${world.ns}` }))
            .status === 404,
        180_000,
      );
    } finally {
      await world.close({ keepNamespace: true });
    }
  });
});
