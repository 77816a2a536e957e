// How node tests set up a scenario: form resources and forms, a hub with a table of its own, an operator allowed one more namespace.
import { deploymentSpec } from '../fixtures/lynq-objects.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { createTestNamespace } from '../harness/test-env.js';
import { create, hubBody, openWorld, type World } from './forms-world.js';

/** A form's ConfigMap entry `id`, named `<uid>-<id>`, whose data says its id (and `data`). */
export const configMapEntry = (
  id: string,
  extra: Record<string, unknown> = {},
  data: Record<string, string> = {},
) => ({
  id,
  nameTemplate: `{{ uid }}-${id}`,
  ...extra,
  spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { id, ...data } },
});

/** A Deployment entry `app` after the resource `config`; nothing waits for it to be Ready. */
export const appDeploymentEntry = {
  id: 'app',
  nameTemplate: '{{ uid }}-app',
  dependIds: ['config'],
  waitForReady: false,
  spec: deploymentSpec('registry.invalid/app:1'),
};

/** A LynqForm `name` of hub `hubId` with the resources in `spec`. */
export const formOf = (
  world: World,
  name: string,
  hubId: string,
  spec: Record<string, unknown>,
) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name, namespace: world.ns },
  spec: { hubId, ...spec },
});

/** Inserts an active row `id` into `table` (the columns of `rows`). */
export const insertRow = async (
  world: World,
  table: string,
  id: string,
  plan = 'pro',
): Promise<void> => {
  await world.db.connection.query(`INSERT INTO \`${table}\` (id, active, plan) VALUES (?, 1, ?)`, [
    id,
    plan,
  ]);
};

/**
 * A hub `hub` reading a table of its own name (the columns of `rows`), so each scenario has its
 * own rows; the active rows `uids` are in the table before the hub reads it.
 */
export const scenarioHub = async (world: World, hub: string, ...uids: string[]): Promise<void> => {
  await world.db.connection.query(`CREATE TABLE \`${hub}\` LIKE \`rows\``);
  for (const uid of uids) await insertRow(world, hub, uid);
  await create(world, 'lynqhubs', await hubBody(world, hub, { table: hub }));
};

/** Replaces the world's operator by one that may also write into `namespace` (N16). */
export const startOperatorAllowing = async (
  world: World,
  namespace: string,
): Promise<OperatorProcess> => {
  await world.operator.stop();
  return startOperator({ namespace: world.ns, extraArgs: ['--allowed-namespaces', namespace] });
};

/** Stops an operator the test started itself, showing its last output when it did not exit cleanly. */
export const stopOperator = async (operator: OperatorProcess): Promise<void> => {
  const code = await operator.stop();
  if (code !== 0)
    process.stderr.write(`operator exited ${String(code)}:\n${operator.output().slice(-4000)}\n`);
};

export interface WorldWithExtraNamespace {
  readonly world: World;
  /** A namespace of its own that the operator may also write into. */
  readonly extra: { readonly name: string; remove(): Promise<void> };
  readonly operator: OperatorProcess;
  /** Stops the operator, then closes the world and removes the extra namespace. */
  close(): Promise<void>;
}

/** A world whose operator (started in place of the world's own) may also write into `extra` (N16). */
export const openWorldWithExtraNamespace = async (
  label: string,
  extraLabel: string,
): Promise<WorldWithExtraNamespace> => {
  const [world, extra] = await Promise.all([openWorld(label), createTestNamespace(extraLabel)]);
  const operator = await startOperatorAllowing(world, extra.name);
  return {
    world,
    extra,
    operator,
    close: async () => {
      await stopOperator(operator);
      await Promise.all([world.close(), extra.remove()]);
    },
  };
};
