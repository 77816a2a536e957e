// The supervisor starts one node actor per LynqNode, forwards later observations, and stops actors of nodes that vanish.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startNodeSupervisor, type NodeActorHandle } from './node-supervisor.js';

interface FakeNode {
  readonly generation: number;
}

const fakeFactory = () => {
  const log: string[] = [];
  const finishers = new Map<string, () => void>();
  const crashers = new Map<string, (error: unknown) => void>();
  const factory = (
    key: string,
    node: FakeNode,
    finished: () => void,
    crashed: (error: unknown) => void,
  ): NodeActorHandle<FakeNode, string> => {
    log.push(`start ${key}@${node.generation}`);
    finishers.set(key, finished);
    crashers.set(key, crashed);
    return {
      observe: (next) => log.push(`observe ${key}@${next.generation}`),
      childChanged: (change) => log.push(`child ${key} ${change}`),
      stop: () => log.push(`stop ${key}`),
    };
  };
  return { log, finishers, crashers, factory };
};

describe('node supervisor', () => {
  it('starts one actor per node and forwards later observations to it', () => {
    const fake = fakeFactory();
    const supervisor = startNodeSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.observe('ns/a', { generation: 2 });
    supervisor.observe('ns/b', { generation: 1 });
    assert.deepEqual(fake.log, ['start ns/a@1', 'observe ns/a@2', 'start ns/b@1']);
    assert.equal(supervisor.size(), 2);
    const counters = supervisor.actor.getSnapshot().context;
    assert.deepEqual(counters, { live: 2, started: 2, stopped: 0, forwarded: 1, crashed: 0 });
  });

  it('stops the actor of a node removed from the API, and ignores unknown removals', () => {
    const fake = fakeFactory();
    const supervisor = startNodeSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.remove('ns/a');
    supervisor.remove('ns/never');
    assert.deepEqual(fake.log, ['start ns/a@1', 'stop ns/a']);
    assert.equal(supervisor.size(), 0);
    assert.equal(supervisor.actor.getSnapshot().context.stopped, 1);
  });

  it('forgets an actor that finished by itself, and starts a new one for a later observation', () => {
    const fake = fakeFactory();
    const supervisor = startNodeSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    fake.finishers.get('ns/a')?.();
    assert.equal(supervisor.has('ns/a'), false);
    supervisor.observe('ns/a', { generation: 3 });
    assert.deepEqual(fake.log, ['start ns/a@1', 'start ns/a@3']);
    assert.deepEqual(supervisor.actor.getSnapshot().context, {
      live: 1,
      started: 2,
      stopped: 1,
      forwarded: 0,
      crashed: 0,
    });
  });

  it('N12 hands a child change to the running actor of the node, and drops one for a node without an actor', () => {
    const fake = fakeFactory();
    const supervisor = startNodeSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.childChanged('ns/a', 'deleted cm x');
    supervisor.childChanged('ns/never', 'deleted cm y');
    assert.deepEqual(fake.log, ['start ns/a@1', 'child ns/a deleted cm x']);
    assert.equal(supervisor.size(), 1, 'a change starts no actor');
  });

  it('stops every node actor when it stops', () => {
    const fake = fakeFactory();
    const supervisor = startNodeSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.observe('ns/b', { generation: 1 });
    supervisor.stop();
    assert.deepEqual(fake.log.filter((l) => l.startsWith('stop')).sort(), [
      'stop ns/a',
      'stop ns/b',
    ]);
    assert.equal(supervisor.size(), 0);
    assert.equal(supervisor.actor.getSnapshot().status, 'done');
  });

  it('N12 restarts a crashed node actor after a growing backoff, from the newest observation; a node removed meanwhile is not restarted', async () => {
    const fake = fakeFactory();
    const delays: number[] = [];
    const crashes: string[] = [];
    const supervisor = startNodeSupervisor(fake.factory, {
      restartDelay: (failures) => {
        delays.push(failures);
        return 1;
      },
      onCrash: (key, error, failures) => crashes.push(`${key} ${String(error)} ${failures}`),
    });
    supervisor.observe('ns/a', { generation: 1 });
    fake.crashers.get('ns/a')?.('boom');
    assert.equal(supervisor.has('ns/a'), false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(fake.log, ['start ns/a@1', 'start ns/a@1']);
    assert.equal(supervisor.has('ns/a'), true);
    // A second crash waits longer; an observation meanwhile is where the restart starts from.
    fake.crashers.get('ns/a')?.('boom');
    supervisor.observe('ns/a', { generation: 2 });
    assert.deepEqual(delays, [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.log.at(-1), 'start ns/a@2');
    assert.deepEqual(crashes, ['ns/a boom 1', 'ns/a boom 2']);
    // Gone while its restart waits: never started again.
    supervisor.observe('ns/b', { generation: 1 });
    fake.crashers.get('ns/b')?.('boom');
    supervisor.remove('ns/b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.log.filter((l) => l.startsWith('start ns/b')).length, 1);
    assert.equal(supervisor.actor.getSnapshot().context.crashed, 3);
    supervisor.stop();
  });
});
