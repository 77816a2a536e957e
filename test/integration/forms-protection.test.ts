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

const nodeCount = async (world: World, n: number) =>
  eventually(`${String(n)} nodes`, async () =>
    (await listNodes(world)).filter((x) => x.spec.revision !== undefined).length === n
      ? true
      : undefined,
  );

describe('deletion protection and namespace deletion', () => {
  it('H8 F6 a protected form and a protected hub are not deleted by a plain, a foreground or a namespace deletion, and say why', async () => {
    const world = await openWorld('protection');
    try {
      await insertRows(world, 3);
      await create(world, 'lynqhubs', await hubBody(world, 'hub', { annotations: protection }));
      await create(world, 'lynqforms', formBody(world, 'web', 'hub', { annotations: protection }));
      await nodeCount(world, 3);

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

      // Namespace deletion: the namespace controller's DELETEs of the hub and form are denied too.
      const res = await world.request({ method: 'DELETE', path: `/api/v1/namespaces/${world.ns}` });
      assert.equal(res.status, 200, res.text);
      await eventually('the namespace controller tried and was denied', async () => {
        const ns = await world.request({ method: 'GET', path: `/api/v1/namespaces/${world.ns}` });
        const conditions =
          (
            ns.body as {
              status?: { conditions?: { type: string; status: string; message: string }[] };
            }
          ).status?.conditions ?? [];
        return conditions.some((c) => c.status === 'True' && /deletion-protection/.test(c.message));
      });
      const [hub, form] = await Promise.all([getHub(world, 'hub'), getForm(world, 'web')]);
      assert.ok(hub, 'the protected hub survives namespace deletion');
      assert.ok(form, 'the protected form survives namespace deletion');

      // Lifting the protection lets the namespace go, with everything in it.
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
