// Node actors and Jobs on the real API server and MariaDB (SPEC N7): a completed Job is recorded in status and never run again once deleted; an uncompleted one is.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { auditEvents } from '../harness/test-env.js';
import { create, mergePatch, openWorld, type World } from './forms-world.js';
import { formOf, insertRow, scenarioHub, stopOperator } from './node-scenarios.js';
import {
  getNode,
  getObject,
  isReadyAtGeneration,
  nodeOf,
  operatorWrote,
  resourceOf,
  type NodeObject,
  type ObjectView,
} from './node-world.js';

/** Resyncs this often, so that several verification passes run within the test (N12). */
const resyncArgs = ['--resync-period', '2s'];

const jobPath = (world: World, name = ''): string =>
  `/apis/batch/v1/namespaces/${world.ns}/jobs${name === '' ? '' : `/${name}`}`;

/**
 * A form's Job entry `id`, named `<uid>-<id>`; nothing runs it (no job controller, no kubelet),
 * so the node does not wait for it to complete (N8): these tests look at completion records.
 */
const jobEntry = (id: string, creationPolicy: 'Once' | 'WhenNeeded', version = '1') => ({
  id,
  nameTemplate: `{{ uid }}-${id}`,
  creationPolicy,
  waitForReady: false,
  spec: {
    apiVersion: 'batch/v1',
    kind: 'Job',
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'run',
              image: 'registry.invalid/migrate:1',
              env: [{ name: 'VERSION', value: version }],
            },
          ],
        },
      },
    },
  },
});

/**
 * Marks a Job Complete through its status subresource, as the job controller would: the API
 * server wants SuccessCriteriaMet with Complete, a start and completion time, and no active pod.
 */
const completeJob = async (world: World, name: string): Promise<void> => {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({
    type,
    status: 'True',
    reason: 'CompletionsReached',
    message: 'Reached expected number of succeeded pods',
    lastProbeTime: at,
    lastTransitionTime: at,
  });
  const res = await world.request({
    method: 'PATCH',
    path: `${jobPath(world, name)}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        startTime: at,
        completionTime: at,
        succeeded: 1,
        conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
      },
    },
  });
  assert.equal(res.status, 200, res.text);
};

const removeJob = async (world: World, name: string): Promise<void> => {
  const res = await world.request({
    method: 'DELETE',
    path: jobPath(world, name),
    body: { propagationPolicy: 'Background' },
  });
  assert.equal(res.status, 200, res.text);
};

/** The node of `form` for `uid` once Ready at its generation and `check` holds for its status. */
const readyNode = async (
  world: World,
  form: string,
  uid: string,
  what: string,
  check: (node: NodeObject) => boolean = () => true,
): Promise<NodeObject> => {
  const { metadata } = await nodeOf(world, form, uid);
  let last: NodeObject | undefined;
  try {
    return await eventually(`${metadata.name} ${what}`, async () => {
      last = await getNode(world, metadata.name);
      return last !== undefined && isReadyAtGeneration(last) && check(last) ? last : undefined;
    });
  } catch (err) {
    assert.fail(`${String(err)}; last status: ${JSON.stringify(last?.status)}`);
  }
};

const completedOf = (node: NodeObject, id: string): boolean | undefined =>
  (resourceOf(node.status, id) as { completed?: boolean } | undefined)?.completed;

/** The Job `name` once it exists as another object than `before`. */
const recreated = async (world: World, name: string, before: ObjectView): Promise<ObjectView> =>
  eventually(`${name} re-created`, async () => {
    const o = await getObject(world, jobPath(world, name));
    return o !== undefined && o.metadata.uid !== before.metadata.uid ? o : undefined;
  });

const jobOf = async (world: World, name: string): Promise<ObjectView> => {
  const job = await getObject(world, jobPath(world, name));
  assert.ok(job, `${name} exists`);
  return job;
};

/** How many verification passes (resyncs) of node `name` the operator logged so far. */
const verifications = (operator: OperatorProcess, name: string): number =>
  operator
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"Node verified"') && line.includes(`"name":"${name}"`))
    .length;

/** Waits until `operator` has verified node `name` `more` times more than `since`. */
const moreVerifications = async (
  operator: OperatorProcess,
  name: string,
  since: number,
  more: number,
): Promise<void> => {
  await eventually(`${String(more)} more verification passes of ${name}`, () =>
    Promise.resolve(verifications(operator, name) >= since + more ? true : undefined),
  );
};

/** The operator's creations of Job `name` (successful POSTs). */
const jobCreates = async (world: World, name: string): Promise<number> =>
  (
    await auditEvents(
      (e) =>
        operatorWrote(e) &&
        e.verb === 'create' &&
        e.objectRef?.resource === 'jobs' &&
        e.objectRef.namespace === world.ns &&
        e.objectRef.name === name,
    )
  ).length;

describe('node jobs: completed Jobs are never run again (N7)', () => {
  let world: World;
  let operator: OperatorProcess;
  before(async () => {
    world = await openWorld('node-jobs');
    await world.operator.stop();
    operator = await startOperator({ namespace: world.ns, extraArgs: resyncArgs });
  });
  after(async () => {
    await stopOperator(operator);
    await world.close();
  });

  it('N7 a completed Once Job is recorded and never re-run when deleted; an uncompleted one is created again', async () => {
    await scenarioHub(world, 'once');
    await create(
      world,
      'lynqforms',
      formOf(world, 'once', 'once', {
        jobs: [jobEntry('done', 'Once'), jobEntry('undone', 'Once'), jobEntry('quick', 'Once')],
      }),
    );
    await insertRow(world, 'once', 'j0');
    const node = await readyNode(world, 'once', 'j0', 'Ready');
    const name = node.metadata.name;
    await jobOf(world, 'j0-done');
    const undone = await jobOf(world, 'j0-undone');

    await completeJob(world, 'j0-done');
    await readyNode(
      world,
      'once',
      'j0',
      'shows done completed',
      (n) => completedOf(n, 'done') === true,
    );

    // Deleted the moment it completes, as by `ttlSecondsAfterFinished: 0`: the watch's last
    // state of the Job says it completed.
    await jobOf(world, 'j0-quick');
    await completeJob(world, 'j0-quick');
    await removeJob(world, 'j0-quick');
    await readyNode(
      world,
      'once',
      'j0',
      'shows quick completed',
      (n) => completedOf(n, 'quick') === true,
    );

    const seen = verifications(operator, name);
    await removeJob(world, 'j0-done');
    await removeJob(world, 'j0-undone');
    await recreated(world, 'j0-undone', undone);
    await moreVerifications(operator, name, seen, 3);

    assert.equal(await getObject(world, jobPath(world, 'j0-done')), undefined, 'not run again');
    assert.equal(await jobCreates(world, 'j0-done'), 1, 'created once, never again');
    assert.equal(await jobCreates(world, 'j0-undone'), 2, 'the uncompleted Job ran again');
    assert.equal(await getObject(world, jobPath(world, 'j0-quick')), undefined);
    assert.equal(
      await jobCreates(world, 'j0-quick'),
      1,
      'a Job deleted as it completes never runs again',
    );
    const after = await readyNode(world, 'once', 'j0', 'still Ready');
    assert.equal(completedOf(after, 'done'), true);
    assert.equal(resourceOf(after.status, 'done')?.state, 'Ready');
    assert.notEqual(completedOf(after, 'undone'), true);

    // A restarted operator knows it from the status alone.
    await stopOperator(operator);
    operator = await startOperator({ namespace: world.ns, extraArgs: resyncArgs });
    await moreVerifications(operator, name, 0, 3);
    assert.equal(await jobCreates(world, 'j0-done'), 1, 'not run again after a restart');
    assert.equal(completedOf(await readyNode(world, 'once', 'j0', 'Ready'), 'done'), true);
  });

  it('N7 a completed WhenNeeded Job deleted is not run again until its desired spec changes', async () => {
    await scenarioHub(world, 'needed');
    await create(
      world,
      'lynqforms',
      formOf(world, 'needed', 'needed', { jobs: [jobEntry('job', 'WhenNeeded')] }),
    );
    await insertRow(world, 'needed', 'w0');
    const node = await readyNode(world, 'needed', 'w0', 'Ready');
    const name = node.metadata.name;
    const first = await jobOf(world, 'w0-job');

    await completeJob(world, 'w0-job');
    await readyNode(
      world,
      'needed',
      'w0',
      'shows job completed',
      (n) => completedOf(n, 'job') === true,
    );
    const seen = verifications(operator, name);
    await removeJob(world, 'w0-job');
    await moreVerifications(operator, name, seen, 3);
    assert.equal(await getObject(world, jobPath(world, 'w0-job')), undefined, 'not run again');
    assert.equal(await jobCreates(world, 'w0-job'), 1);

    // Another spec: a new run, and the completion of the last one is forgotten.
    await mergePatch(world, 'lynqforms', 'needed', {
      spec: { jobs: [jobEntry('job', 'WhenNeeded', '2')] },
    });
    await recreated(world, 'w0-job', first);
    const rerun = await readyNode(
      world,
      'needed',
      'w0',
      'Ready with the new run',
      (n) => completedOf(n, 'job') !== true,
    );
    assert.equal(resourceOf(rerun.status, 'job')?.state, 'Ready');
    assert.equal(await jobCreates(world, 'w0-job'), 2);
  });
});
