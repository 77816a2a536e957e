// Rollouts on the real API server and MariaDB: maxSkew paces the nodes (F4), a node that misses its progress deadline fails the rollout and fixing it resumes (F5), a SIGKILL mid-rollout keeps the bound.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/eventually.js';
import { auditEvents, kubectl } from '../harness/test-env.js';
import {
  conditionOf,
  create,
  getForm,
  hubBody,
  insertRows,
  listNodes,
  mergePatch,
  openWorld,
  type FormView,
  type World,
} from './forms-world.js';
import {
  readyAtGeneration,
  recordNodeHistory,
  replayRollout,
  type NodeHistory,
} from './node-history.js';

const nodeCount = 6;

/** The form `web`: one ConfigMap per node saying `version`, plus `extra` ConfigMaps by id. */
const webSpec = (version: string, rollout: Record<string, unknown>, extras: string[] = []) => ({
  hubId: 'hub',
  rollout,
  configMaps: [
    {
      id: 'settings',
      nameTemplate: '{{ uid }}-web-settings',
      spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { version } },
    },
    ...extras.map((id) => ({
      id,
      nameTemplate: `{{ uid }}-web-${id}`,
      spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { version } },
    })),
  ],
});

const rolloutOf = (form: FormView | undefined) => form?.status?.rollout;

/** Waits for the form's status to show a rollout of a revision other than `previous`. */
const newTarget = async (world: World, previous: string | undefined): Promise<string> =>
  eventually('the form names a new target revision', async () => {
    const target = rolloutOf(await getForm(world, 'web'))?.targetRevision;
    return target !== undefined && target !== previous ? target : undefined;
  });

/** Waits until every node is Ready at its generation on `target`, as the watch shows them. */
const allReadyOn = async (history: NodeHistory, target: string) =>
  eventually(
    `${String(nodeCount)} nodes Ready on ${target}`,
    () => {
      const { latest } = replayRollout(history, target);
      const nodes = [...latest.values()];
      return Promise.resolve(
        nodes.length === nodeCount &&
          nodes.every((n) => n.spec.revision === target && readyAtGeneration(n)),
      );
    },
    120_000,
  );

/** A ConfigMap in the test's namespace that no node holds: a node rendering it is in conflict (N6). */
const blocker = async (world: World, name: string): Promise<void> => {
  const res = await world.request({
    method: 'POST',
    path: `/api/v1/namespaces/${world.ns}/configmaps`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { owner: 'someone' } },
  });
  assert.equal(res.status, 201, res.text);
};

const removeBlocker = async (world: World, name: string): Promise<void> => {
  const res = await world.request({
    method: 'DELETE',
    path: `/api/v1/namespaces/${world.ns}/configmaps/${name}`,
  });
  assert.equal(res.status, 200, res.text);
};

/** The node of row `uid` (names are `<uid>-web-<hash>`). */
const nodeOf = async (world: World, uid: string): Promise<string> => {
  const node = (await listNodes(world, 'web')).find((n) => n.spec.uid === uid);
  assert.ok(node !== undefined, `node of ${uid}`);
  return node.metadata.name;
};

describe('rollouts: pacing, progress deadline, restart', () => {
  let world: World;
  let target: string | undefined;
  before(async () => {
    world = await openWorld('rollout');
    await insertRows(world, nodeCount);
    await create(world, 'lynqhubs', await hubBody(world, 'hub'));
    await create(world, 'lynqforms', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'web', namespace: world.ns },
      spec: webSpec('v1', { maxSkew: 2 }),
    });
    target = await newTarget(world, undefined);
    await eventually('the first revision Ready on every node', async () => {
      const form = await getForm(world, 'web');
      return rolloutOf(form)?.phase === 'Complete' && form?.status?.readyNodes === nodeCount;
    });
  });
  after(async () => {
    await world.close();
  });

  it('F4 6 nodes with maxSkew 2 never have more than 2 updating (every node change replayed in server order), moved by name, one revision write each', async () => {
    const history = await recordNodeHistory(world.kc, world.ns);
    const since = Date.now();
    try {
      await mergePatch(world, 'lynqforms', 'web', { spec: webSpec('v2', { maxSkew: 2 }) });
      target = await newTarget(world, target);
      await allReadyOn(history, target);
      const replay = replayRollout(history, target);
      assert.ok(replay.maxUpdating <= 2, `at most 2 updating, saw ${String(replay.maxUpdating)}`);
      assert.ok(replay.maxUpdating >= 1);
      const names = [...replay.latest.keys()].sort();
      assert.equal(replay.moves.length, nodeCount, 'every node moved once');
      assert.deepEqual(
        [...replay.moves.slice(0, 2)].sort(),
        names.slice(0, 2),
        'the first two by name go first',
      );
      // The audit log agrees: one revision write per node by the form's field manager, no more.
      const writes = await auditEvents(
        (e) =>
          e.user.username === 'lynq-operator' &&
          e.verb === 'patch' &&
          e.objectRef?.namespace === world.ns &&
          e.objectRef.resource === 'lynqnodes' &&
          e.objectRef.subresource === undefined &&
          (e.responseStatus?.code ?? 0) < 300 &&
          Date.parse(e.requestReceivedTimestamp) >= since,
      );
      assert.equal(writes.length, nodeCount, 'one node write per node');
      const form = await eventually('the rollout Complete', async () => {
        const f = await getForm(world, 'web');
        return rolloutOf(f)?.phase === 'Complete' && rolloutOf(f)?.targetRevision === target
          ? f
          : undefined;
      });
      assert.equal(rolloutOf(form)?.updatedNodes, nodeCount);
      assert.equal(rolloutOf(form)?.readyUpdatedNodes, nodeCount);
      assert.equal(rolloutOf(form)?.updatingNodes, 0);
    } finally {
      history.stop();
    }
  });

  it('F5 a node that never gets Ready fails the rollout after its progress deadline and nothing else moves; fixing it resumes the rollout to Complete', async () => {
    const stuck = await nodeOf(world, 'r0');
    await blocker(world, 'r0-web-extra');
    const history = await recordNodeHistory(world.kc, world.ns);
    try {
      await mergePatch(world, 'lynqforms', 'web', {
        spec: webSpec('v3', { maxSkew: 1, progressDeadlineSeconds: 3 }, ['extra']),
      });
      target = await newTarget(world, target);
      const failed = await eventually('the rollout Failed', async () => {
        const f = await getForm(world, 'web');
        return rolloutOf(f)?.phase === 'Failed' ? f : undefined;
      });
      assert.deepEqual(rolloutOf(failed)?.failedNodeNames, [stuck]);
      assert.equal(rolloutOf(failed)?.failedNodes, 1);
      const progressing = conditionOf(failed, 'Progressing');
      assert.ok(progressing !== undefined, 'condition Progressing');
      assert.equal(progressing.status, 'False');
      assert.equal(progressing.reason, 'RolloutFailed');
      assert.match(progressing.message, new RegExp(`not Ready within 3s .*${stuck}`));
      // Nothing else moved: the failure was decided in the pass that would have moved the next.
      const onTarget = (await listNodes(world, 'web')).filter((n) => n.spec.revision === target);
      assert.deepEqual(
        onTarget.map((n) => n.metadata.name),
        [stuck],
      );
      const events = await world.request({
        method: 'GET',
        path: `/api/v1/namespaces/${world.ns}/events?fieldSelector=${encodeURIComponent('involvedObject.kind=LynqForm,reason=RolloutFailed')}`,
      });
      const warning = (events.body as { items: { type: string; message: string }[] }).items[0];
      assert.equal(warning?.type, 'Warning');
      assert.match(warning.message, new RegExp(stuck));
      const described = await kubectl(['describe', 'lynqform', 'web', '-n', world.ns]);
      assert.equal(described.code, 0, described.stderr);
      for (const field of [
        'Target Revision',
        'Updated Nodes',
        'Updating Nodes',
        'Failed Node Names',
      ])
        assert.match(described.stdout, new RegExp(field));
      assert.match(described.stdout, new RegExp(stuck));

      // The object goes away, the node recovers (N6), and the rollout goes on to the end.
      await removeBlocker(world, 'r0-web-extra');
      await allReadyOn(history, target);
      const replay = replayRollout(history, target);
      assert.ok(replay.maxUpdating <= 1, `at most 1 updating, saw ${String(replay.maxUpdating)}`);
      assert.equal(replay.moves[0], stuck);
      assert.equal(replay.moves.length, nodeCount);
      await eventually('the rollout Complete again', async () => {
        const f = await getForm(world, 'web');
        return (
          rolloutOf(f)?.phase === 'Complete' && conditionOf(f, 'Progressing')?.status === 'True'
        );
      });
    } finally {
      history.stop();
    }
  });

  it('F4 an operator SIGKILLed while 2 of 6 nodes are updating (maxSkew 2) moves none more on restart, and the rollout ends within the bound', async () => {
    const first = await nodeOf(world, 'r0');
    const second = await nodeOf(world, 'r1');
    await blocker(world, 'r0-web-late');
    await blocker(world, 'r1-web-late');
    const history = await recordNodeHistory(world.kc, world.ns);
    try {
      await mergePatch(world, 'lynqforms', 'web', {
        spec: webSpec('v4', { maxSkew: 2, progressDeadlineSeconds: 600 }, ['late']),
      });
      target = await newTarget(world, target);
      const current = target;
      await eventually('r0 and r1 moved and updating', async () => {
        const f = await getForm(world, 'web');
        const moved = replayRollout(history, current).moves;
        return moved.length === 2 && rolloutOf(f)?.updatingNodes === 2;
      });
      await world.crashOperator();
      // A new generation that cuts no revision: once its status shows it, the restarted
      // operator has made a whole pass over the nodes.
      await mergePatch(world, 'lynqforms', 'web', {
        spec: { rollout: { maxSkew: 2, progressDeadlineSeconds: 601 } },
      });
      const generation = (await getForm(world, 'web'))?.metadata.generation;
      await eventually('the restarted operator observed the new generation', async () => {
        const f = await getForm(world, 'web');
        return f?.status?.observedGeneration === generation;
      });
      const afterRestart = replayRollout(history, current);
      assert.deepEqual([...afterRestart.moves].sort(), [first, second].sort());
      assert.equal(afterRestart.maxUpdating, 2);

      await removeBlocker(world, 'r0-web-late');
      await removeBlocker(world, 'r1-web-late');
      await allReadyOn(history, current);
      const replay = replayRollout(history, current);
      assert.ok(replay.maxUpdating <= 2, `at most 2 updating, saw ${String(replay.maxUpdating)}`);
      assert.equal(replay.moves.length, nodeCount);
    } finally {
      history.stop();
    }
  });
});
