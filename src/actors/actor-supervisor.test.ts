// The supervisor (one shape for hubs, forms and nodes) starts one actor per object, forwards later observations, stops actors of objects that vanish, and restarts crashed ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, setup } from 'xstate';
import { restartDelayMillis, startSupervisor, type SupervisedActor } from './actor-supervisor.js';

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
  ): SupervisedActor<FakeNode, string> => {
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

describe('actor supervisor', () => {
  it('starts one actor per node and forwards later observations to it', () => {
    const fake = fakeFactory();
    const supervisor = startSupervisor(fake.factory);
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
    const supervisor = startSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.remove('ns/a');
    supervisor.remove('ns/never');
    assert.deepEqual(fake.log, ['start ns/a@1', 'stop ns/a']);
    assert.equal(supervisor.size(), 0);
    assert.equal(supervisor.actor.getSnapshot().context.stopped, 1);
  });

  it('forgets an actor that finished by itself, and starts a new one for a later observation', () => {
    const fake = fakeFactory();
    const supervisor = startSupervisor(fake.factory);
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
    const supervisor = startSupervisor(fake.factory);
    supervisor.observe('ns/a', { generation: 1 });
    supervisor.childChanged('ns/a', 'deleted cm x');
    supervisor.childChanged('ns/never', 'deleted cm y');
    assert.deepEqual(fake.log, ['start ns/a@1', 'child ns/a deleted cm x']);
    assert.equal(supervisor.size(), 1, 'a change starts no actor');
  });

  it('stops every node actor when it stops', () => {
    const fake = fakeFactory();
    const supervisor = startSupervisor(fake.factory);
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

  it('N12 restarts a crashed node actor after a growing backoff, from the newest observation; a node removed meanwhile is not restarted', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const fake = fakeFactory();
    const delays: number[] = [];
    const crashes: string[] = [];
    const supervisor = startSupervisor(fake.factory, {
      restartDelay: (failures) => {
        delays.push(failures);
        return 1;
      },
      onCrash: (key, error, failures) => crashes.push(`${key} ${String(error)} ${failures}`),
    });
    supervisor.observe('ns/a', { generation: 1 });
    fake.crashers.get('ns/a')?.('boom');
    assert.equal(supervisor.has('ns/a'), false);
    t.mock.timers.tick(1);
    assert.deepEqual(fake.log, ['start ns/a@1', 'start ns/a@1']);
    assert.equal(supervisor.has('ns/a'), true);
    // A second crash waits longer; an observation meanwhile is where the restart starts from.
    fake.crashers.get('ns/a')?.('boom');
    supervisor.observe('ns/a', { generation: 2 });
    assert.deepEqual(delays, [1, 2]);
    t.mock.timers.tick(1);
    assert.equal(fake.log.at(-1), 'start ns/a@2');
    assert.deepEqual(crashes, ['ns/a boom 1', 'ns/a boom 2']);
    // Gone while its restart waits: never started again.
    supervisor.observe('ns/b', { generation: 1 });
    fake.crashers.get('ns/b')?.('boom');
    supervisor.remove('ns/b');
    t.mock.timers.tick(1);
    assert.equal(fake.log.filter((l) => l.startsWith('start ns/b')).length, 1);
    assert.equal(supervisor.actor.getSnapshot().context.crashed, 3);
    supervisor.stop();
  });

  it('O1 a hub or form actor whose machine fails is stopped, restarted after its backoff from the newest observation, and each crash is told once', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // A machine that fails on one observation: the injected failure.
    const failing = setup({
      types: { events: {} as { readonly type: 'observed'; readonly generation: number } },
      actions: {
        record: ({ event }) => {
          if (event.generation === 13) throw new Error('injected failure');
        },
      },
    }).createMachine({ on: { observed: { actions: 'record' } } });
    const log: string[] = [];
    const crashes: string[] = [];
    const supervisor = startSupervisor<FakeNode>(
      (key, first, _finished, crashed) => {
        const actor = createActor(failing);
        const handle: SupervisedActor<FakeNode> = {
          observe: (next) => {
            log.push(`observe ${key}@${String(next.generation)}`);
            actor.send({ type: 'observed', generation: next.generation });
          },
          stop: () => {
            log.push(`stop ${key}`);
            actor.stop();
          },
        };
        // As the form and hub actors do: their own resources go, then the supervisor hears.
        actor.subscribe({
          error: (error) => {
            handle.stop();
            crashed(error);
          },
        });
        actor.start();
        log.push(`start ${key}@${String(first.generation)}`);
        handle.observe(first);
        return handle;
      },
      {
        restartDelay: (failures) => 1_000 * failures,
        onCrash: (key, error, failures) =>
          crashes.push(`${key} ${error instanceof Error ? error.message : ''} ${String(failures)}`),
      },
    );
    supervisor.observe('ns/f', { generation: 1 });
    supervisor.observe('ns/f', { generation: 13 });
    assert.equal(supervisor.has('ns/f'), false, 'the failed actor is no longer running');
    assert.deepEqual(crashes, ['ns/f injected failure 1']);
    // Its object moved on meanwhile (status written by others, a new spec): the restart starts there.
    supervisor.observe('ns/f', { generation: 14 });
    assert.equal(supervisor.has('ns/f'), false, 'nothing starts before the backoff');
    t.mock.timers.tick(999);
    assert.equal(supervisor.has('ns/f'), false);
    t.mock.timers.tick(1);
    assert.equal(supervisor.has('ns/f'), true);
    assert.deepEqual(log, [
      'start ns/f@1',
      'observe ns/f@1',
      'observe ns/f@13',
      'stop ns/f',
      'start ns/f@14',
      'observe ns/f@14',
    ]);
    assert.equal(supervisor.actor.getSnapshot().context.crashed, 1);
    supervisor.stop();
  });

  it('O1 restart delays double from 1 s to 5 minutes, each drawn from 50–100 % (jitter)', () => {
    for (const [failures, full] of [
      [1, 1_000],
      [3, 4_000],
      [30, 300_000],
    ] as const) {
      const delay = restartDelayMillis(failures);
      assert.ok(delay >= full / 2 && delay <= full, `${String(failures)}: ${String(delay)}`);
    }
  });
});
