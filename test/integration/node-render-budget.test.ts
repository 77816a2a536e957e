// A node over its render budget on the real API server and MariaDB: it fails alone with RenderBudgetExceeded, and renders again when its row changes (T5, N14).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { kubectl } from '../harness/test-env.js';
import { create, hubBody, openWorld, type World } from './forms-world.js';
import { formOf } from './node-scenarios.js';
import { getConfigMap, kubectlWaitReady, nodeOf, nodeStatus } from './node-world.js';

/**
 * One ConfigMap and a dependant. Plan `huge` renders 5 MB, over the 4 MiB output budget per
 * node; any other plan renders a few bytes.
 */
const budgetForm = (world: World) =>
  formOf(world, 'budget', 'hub', {
    configMaps: [
      {
        id: 'config',
        nameTemplate: '{{ uid }}-config',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: {
            v: `{% if plan == "huge" %}{% for i in range(0, 5000) %}${'x'.repeat(1000)}{% endfor %}{% else %}{{ plan }}{% endif %}`,
          },
        },
      },
      {
        id: 'after',
        nameTemplate: '{{ uid }}-after',
        dependIds: ['config'],
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } },
      },
    ],
  });

describe('node render budget', () => {
  let world: World;
  before(async () => {
    world = await openWorld('budget');
    await world.db.connection.query(
      "INSERT INTO `rows` (id, active, plan) VALUES ('small', 1, 'pro'), ('big', 1, 'huge')",
    );
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', budgetForm(world));
  });
  after(async () => {
    await world.close();
  });

  it('T5 N14 a node over its output budget fails every resource with RenderBudgetExceeded naming the limit; the other node is Ready', async () => {
    const small = await nodeOf(world, 'budget', 'small');
    const wait = await kubectlWaitReady(world, small.metadata.name);
    assert.equal(wait.code, 0, wait.stderr);
    assert.equal((await getConfigMap(world, 'small-config'))?.data?.['v'], 'pro');

    const big = await nodeOf(world, 'budget', 'big');
    const status = await eventually('big node Degraded', async () => {
      const s = await nodeStatus(world, big.metadata.name);
      return s?.phase === 'Degraded' ? s : undefined;
    });
    assert.deepEqual(
      status.resources?.map((r) => [r.id, r.state, r.reason]),
      [
        ['config', 'Failed', 'RenderBudgetExceeded'],
        ['after', 'Failed', 'RenderBudgetExceeded'],
      ],
    );
    assert.match(status.resources[0]?.message ?? '', /exceeds 4194304 bytes/);
    const degraded = status.conditions?.find((c) => c.type === 'Degraded');
    assert.equal(degraded?.status, 'True');
    assert.equal(degraded.reason, 'RenderBudgetExceeded');
    assert.equal(await getConfigMap(world, 'big-config'), undefined, 'nothing was applied');

    const described = await kubectl(['describe', 'lynqnode', '-n', world.ns, big.metadata.name]);
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /RenderBudgetExceeded/);
  });

  it('T5 N1 the node renders again once its row changes, and becomes Ready', async () => {
    const big = await nodeOf(world, 'budget', 'big');
    await world.db.connection.query("UPDATE `rows` SET plan = 'lite' WHERE id = 'big'");
    const wait = await eventually('big config applied', async () =>
      (await getConfigMap(world, 'big-config'))?.data?.['v'] === 'lite' ? true : undefined,
    );
    assert.equal(wait, true);
    const ready = await kubectlWaitReady(world, big.metadata.name);
    assert.equal(ready.code, 0, ready.stderr);
    const status = await nodeStatus(world, big.metadata.name);
    assert.deepEqual(
      status?.resources?.map((r) => [r.id, r.state]),
      [
        ['config', 'Ready'],
        ['after', 'Ready'],
      ],
    );
  });
});
