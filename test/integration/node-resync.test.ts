// The resync backstop on the real API server and MariaDB: with the child watches delivering nothing, changes made behind Lynq's back are repaired by the periodic verification alone (SPEC N12).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { create, openWorld, type World } from './forms-world.js';
import {
  configMapEntry as cm,
  formOf,
  insertRow,
  scenarioHub,
  stopOperator,
} from './node-scenarios.js';
import {
  configMapPath,
  getNode,
  getObject,
  isReadyAtGeneration,
  nodeOf,
  type NodeObject,
} from './node-world.js';

/** Resync every 4 s (jittered to 3–5 s): well inside `eventually`'s minute. */
const resyncPeriod = '4s';

/** Lines of the operator's log with message `msg` about node `name`. */
const logLines = (operator: OperatorProcess, msg: string, name: string): number =>
  operator
    .output()
    .split('\n')
    .filter((line) => line.includes(`"msg":"${msg}"`) && line.includes(`"name":"${name}"`)).length;

const readyNode = async (world: World, form: string, uid: string): Promise<NodeObject> => {
  const { metadata } = await nodeOf(world, form, uid);
  return eventually(`${metadata.name} Ready`, async () => {
    const node = await getNode(world, metadata.name);
    return node !== undefined && isReadyAtGeneration(node) ? node : undefined;
  });
};

describe('node resync: the backstop for a watch that stopped delivering (N12)', () => {
  let world: World;
  let operator: OperatorProcess;
  before(async () => {
    world = await openWorld('node-resync');
    await world.operator.stop();
    // The explicit fault: every child watch event is dropped before it reaches a node.
    operator = await startOperator({
      namespace: world.ns,
      extraArgs: ['--resync-period', resyncPeriod],
      env: { LYNQ_FAULT_DROP_CHILD_EVENTS: 'true' },
    });
  });
  after(async () => {
    await stopOperator(operator);
    await world.close();
  });

  it('N12 a dropped watch event is repaired by resync: a field changed and an object deleted behind Lynq’s back are restored without any event reaching the node', async () => {
    await scenarioHub(world, 'resync');
    await create(
      world,
      'lynqforms',
      formOf(world, 'resync', 'resync', {
        configMaps: [cm('edited', {}, { plan: '{{ plan }}' }), cm('deleted')],
      }),
    );
    await insertRow(world, 'resync', 'r0');
    const node = await readyNode(world, 'resync', 'r0');
    const editedPath = configMapPath(world.ns, 'r0-edited');
    const deletedPath = configMapPath(world.ns, 'r0-deleted');
    const edited = await getObject(world, editedPath);
    const deleted = await getObject(world, deletedPath);
    assert.ok(edited && deleted, 'both objects exist');

    // Another field manager changes a field Lynq set, and removes the other object.
    const patched = await world.request({
      method: 'PATCH',
      path: `${editedPath}?fieldManager=intruder`,
      contentType: 'application/merge-patch+json',
      body: { data: { plan: 'hacked' } },
    });
    assert.equal(patched.status, 200, patched.text);
    const removed = await world.request({ method: 'DELETE', path: deletedPath });
    assert.equal(removed.status, 200, removed.text);
    const verifiedBefore = logLines(operator, 'Node verified', node.metadata.name);

    const restored = await eventually('the edited field restored', async () => {
      const o = await getObject(world, editedPath);
      return o?.data?.['plan'] === 'pro' ? o : undefined;
    });
    assert.equal(restored.metadata.uid, edited.metadata.uid, 'restored in place');
    const recreated = await eventually('the deleted object re-created', async () => {
      const o = await getObject(world, deletedPath);
      return o !== undefined && o.metadata.uid !== deleted.metadata.uid ? o : undefined;
    });
    assert.equal(recreated.data?.['id'], 'deleted');
    assert.ok(
      logLines(operator, 'Node verified', node.metadata.name) > verifiedBefore,
      'a verification pass ran',
    );
    assert.equal(
      logLines(operator, 'Resource drifted', node.metadata.name),
      0,
      'no watch event reached the node: the resync alone repaired it',
    );
  });
});
