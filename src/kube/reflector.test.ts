// The reflector against scripted API responses and streams, on a fake clock: no network, no waiting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import type { KubeRequest, KubeStreamRequest, KubeTransport } from './http-transport.js';
import type { KubeObject } from './kube-object.js';
import { keepManagedFieldsOf } from './managed-fields.transform.js';
import { createReflector, type ReflectorOptions } from './reflector.js';
import type { ReflectorClock } from './reflector-clock.js';

const silent = pino({ level: 'silent' });

/** One request the reflector made, waiting for the test to answer it. */
interface ListCall {
  readonly kind: 'list';
  readonly query: URLSearchParams;
  reply(status: number, body: unknown): void;
}
interface WatchCall {
  readonly kind: 'watch';
  readonly query: URLSearchParams;
  /** Answers 200 and hands over the stream to script. */
  open(): PassThrough;
  reply(status: number, body: unknown): void;
}
type Call = ListCall | WatchCall;

const queryOf = (path: string): URLSearchParams => new URL(path, 'https://kube').searchParams;

/** A transport whose every request waits for the test, in order. */
const scriptedTransport = () => {
  const queued: Call[] = [];
  const waiting: ((call: Call) => void)[] = [];
  const opened: PassThrough[] = [];
  const push = (call: Call): void => {
    const waiter = waiting.shift();
    if (waiter === undefined) queued.push(call);
    else waiter(call);
  };
  const transport: Pick<KubeTransport, 'request' | 'stream'> = {
    request: (req: KubeRequest) =>
      new Promise((resolve, reject) => {
        const onAbort = (): void => {
          reject(req.signal?.reason as Error);
        };
        req.signal?.addEventListener('abort', onAbort);
        push({
          kind: 'list',
          query: queryOf(req.path),
          reply: (status, body) => {
            req.signal?.removeEventListener('abort', onAbort);
            resolve({ status, body, headers: {} });
          },
        });
      }),
    stream: (req: KubeStreamRequest) =>
      new Promise((resolve, reject) => {
        const onAbort = (): void => {
          reject(req.signal.reason as Error);
        };
        req.signal.addEventListener('abort', onAbort);
        push({
          kind: 'watch',
          query: queryOf(req.path),
          open: () => {
            req.signal.removeEventListener('abort', onAbort);
            const body = new PassThrough();
            const destroy = (): void => {
              body.destroy(req.signal.reason as Error);
            };
            req.signal.addEventListener('abort', destroy);
            body.once('close', () => {
              req.signal.removeEventListener('abort', destroy);
            });
            opened.push(body);
            resolve({ ok: true, status: 200, body });
            return body;
          },
          reply: (status, body) => {
            req.signal.removeEventListener('abort', onAbort);
            resolve({ ok: false, status, body });
          },
        });
      }),
  };
  const next = (): Promise<Call> => {
    const call = queued.shift();
    return call === undefined
      ? new Promise((resolve) => waiting.push(resolve))
      : Promise.resolve(call);
  };
  return {
    transport,
    opened,
    /** No request is waiting for an answer. */
    idle: () => queued.length === 0,
    nextList: async (): Promise<ListCall> => {
      const call = await next();
      if (call.kind !== 'list') assert.fail(`expected a list request, got a ${call.kind}`);
      return call;
    },
    nextWatch: async (): Promise<WatchCall> => {
      const call = await next();
      if (call.kind !== 'watch') assert.fail(`expected a watch request, got a ${call.kind}`);
      return call;
    },
  };
};

interface Sleep {
  readonly ms: number;
  wake(): void;
}

/** Time moves only when the test says so; sleeps are handed to the test to end. */
const fakeClock = () => {
  let now = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  const sleeps: Sleep[] = [];
  const sleepWaiters: ((sleep: Sleep) => void)[] = [];
  const clock: ReflectorClock = {
    now: () => now,
    setTimer: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.add(timer);
      return () => {
        timers.delete(timer);
      };
    },
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const onAbort = (): void => {
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort);
        const sleep: Sleep = {
          ms,
          wake: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const waiter = sleepWaiters.shift();
        if (waiter === undefined) sleeps.push(sleep);
        else waiter(sleep);
      }),
  };
  return {
    clock,
    /** Moves time forward and fires the timers that come due, in order. */
    advance: (ms: number): void => {
      now += ms;
      for (;;) {
        const due = [...timers].filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) return;
        timers.delete(due);
        due.fn();
      }
    },
    nextSleep: (): Promise<Sleep> => {
      const sleep = sleeps.shift();
      return sleep === undefined
        ? new Promise((resolve) => sleepWaiters.push(resolve))
        : Promise.resolve(sleep);
    },
    pendingSleeps: () => sleeps.length,
    /** Timers armed and not yet fired or cancelled (a running watch arms its idle timer). */
    pendingTimers: () => timers.size,
  };
};

/**
 * Waits until `check` holds — the evidence that the reflector got as far as the test needs —
 * letting I/O callbacks and promise jobs run in between (no timers: time is the fake clock's).
 * Fails the test, rather than hanging it, when the evidence never comes.
 */
const evidence = async (what: string, check: () => boolean): Promise<void> => {
  for (let turn = 0; !check(); turn += 1) {
    if (turn > 10_000) assert.fail(`no evidence that ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
};

const cm = (name: string, rv: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data,
});

const listBody = (rv: string, items: KubeObject[], continueToken?: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMapList',
  metadata: {
    resourceVersion: rv,
    ...(continueToken === undefined ? {} : { continue: continueToken }),
  },
  // Lists leave out each item's apiVersion and kind.
  items: items.map((o) => ({ metadata: o.metadata, data: o['data'] })),
});

const send = (body: PassThrough, type: string, object: unknown): void => {
  body.write(`${JSON.stringify({ type, object })}\n`);
};

/** Handler calls as `added ns/a@1`, `updated ns/a@2<1`, `deleted ns/a@2`. */
const recorder = () => {
  const calls: string[] = [];
  const id = (o: KubeObject) =>
    `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`;
  return {
    calls,
    handler: {
      added: (o: KubeObject) => calls.push(`added ${id(o)}`),
      updated: (o: KubeObject, p: KubeObject) =>
        calls.push(`updated ${id(o)}<${p.metadata.resourceVersion ?? ''}`),
      deleted: (o: KubeObject) => calls.push(`deleted ${id(o)}`),
    },
  };
};

const setup = (extra: Partial<ReflectorOptions<KubeObject>> = {}) => {
  const api = scriptedTransport();
  const time = fakeClock();
  const rec = recorder();
  const reflector = createReflector({
    transport: api.transport,
    path: '/api/v1/namespaces/ns/configmaps',
    labelSelector: 'app=x',
    handler: rec.handler,
    logger: silent,
    clock: time.clock,
    random: () => 0,
    watchTimeoutSeconds: 10,
    idleGraceMs: 5_000,
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2 },
    ...extra,
  });
  return { api, time, rec, reflector };
};

describe('reflector', () => {
  it('lists, reports every object as added, then watches from the list resourceVersion with bookmarks', async () => {
    const { api, rec, reflector } = setup();
    reflector.start();
    const list = await api.nextList();
    assert.equal(list.query.get('labelSelector'), 'app=x');
    assert.equal(list.query.get('limit'), '500');
    list.reply(200, listBody('10', [cm('a', '5'), cm('b', '6')]));
    await reflector.synced();
    assert.deepEqual(rec.calls, ['added ns/a@5', 'added ns/b@6']);
    assert.equal(reflector.get('ns/a')?.kind, 'ConfigMap', 'list items get their kind back');

    const watch = await api.nextWatch();
    assert.equal(watch.query.get('watch'), '1');
    assert.equal(watch.query.get('resourceVersion'), '10');
    assert.equal(watch.query.get('allowWatchBookmarks'), 'true');
    assert.equal(watch.query.get('timeoutSeconds'), '10');
    assert.equal(watch.query.get('labelSelector'), 'app=x');
    const body = watch.open();
    send(body, 'ADDED', cm('c', '11'));
    send(body, 'MODIFIED', cm('a', '12', { k: 'v' }));
    send(body, 'DELETED', cm('b', '13'));
    await evidence('three events were reported', () => rec.calls.length === 5);
    assert.deepEqual(rec.calls.slice(2), ['added ns/c@11', 'updated ns/a@12<5', 'deleted ns/b@13']);
    assert.deepEqual(
      reflector
        .list()
        .map((o) => o.metadata.name)
        .sort(),
      ['a', 'c'],
    );
    assert.equal(reflector.metrics.events, 3);
    await reflector.stop();
  });

  it('reports with a deletion the object as stored: one that left the label selector still shows the labels it had', async () => {
    const deletions: [string | undefined, string | undefined][] = [];
    const labelled = (rv: string, app: string | undefined): KubeObject => ({
      ...cm('a', rv),
      metadata: { ...cm('a', rv).metadata, ...(app === undefined ? {} : { labels: { app } }) },
    });
    const { api, reflector } = setup({
      handler: {
        added: () => undefined,
        updated: () => undefined,
        deleted: (o, stored) =>
          deletions.push([o.metadata.labels?.['app'], stored.metadata.labels?.['app']]),
      },
    });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [labelled('5', 'x')]));
    await reflector.synced();
    const body = (await api.nextWatch()).open();
    // The server reports an object whose labels no longer match as DELETED, with its new labels.
    send(body, 'DELETED', labelled('11', undefined));
    await evidence('the deletion was reported', () => deletions.length === 1);
    assert.deepEqual(deletions, [[undefined, 'x']]);
    await reflector.stop();
  });

  it('relists on an in-stream 410 ERROR and reports deletes for objects that vanished meanwhile', async () => {
    const { api, rec, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '5'), cm('b', '6'), cm('c', '7')]));
    const body = (await api.nextWatch()).open();
    send(body, 'ERROR', {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 410,
      reason: 'Expired',
    });

    const relist = await api.nextList();
    assert.equal(relist.query.get('continue'), null);
    // Meanwhile: b deleted, c changed, d created, a unchanged.
    relist.reply(200, listBody('20', [cm('a', '5'), cm('c', '15'), cm('d', '16')]));
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '20');
    assert.deepEqual(rec.calls.slice(3), ['deleted ns/b@6', 'updated ns/c@15<7', 'added ns/d@16']);
    assert.equal(reflector.metrics.relists, 1);
    assert.equal(reflector.metrics.lists, 2);
    assert.ok(body.destroyed, 'the old stream is closed');
    await reflector.stop();
  });

  it('relists when the watch itself answers HTTP 410 Gone', async () => {
    const { api, rec, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '5')]));
    (await api.nextWatch()).reply(410, { kind: 'Status', code: 410, reason: 'Expired' });
    (await api.nextList()).reply(200, listBody('30', []));
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '30');
    assert.deepEqual(rec.calls, ['added ns/a@5', 'deleted ns/a@5']);
    assert.equal(reflector.metrics.relists, 1);
    assert.equal(reflector.metrics.errors, 0);
    await reflector.stop();
  });

  it('reconnects from the last resourceVersion after a dropped connection, without relisting', async () => {
    const { api, time, rec, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const body = (await api.nextWatch()).open();
    send(body, 'ADDED', cm('a', '11'));
    await evidence('the event was reported', () => rec.calls.length === 1);
    body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    const sleep = await time.nextSleep();
    assert.equal(sleep.ms, 50, 'first backoff: initialMs, jittered down by half with random 0');
    sleep.wake();
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '11');
    assert.equal(reflector.metrics.reconnects, 1);
    assert.equal(reflector.metrics.relists, 0);
    assert.equal(reflector.metrics.errors, 1);
    assert.deepEqual(rec.calls, ['added ns/a@11']);
    await reflector.stop();
  });

  it('re-watches at once from the last resourceVersion when the server ends a watch normally', async () => {
    const { api, time, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const body = (await api.nextWatch()).open();
    send(body, 'ADDED', cm('a', '11'));
    body.end();
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '11');
    assert.equal(time.pendingSleeps(), 0, 'no backoff after a normal end');
    assert.equal(reflector.metrics.reconnects, 1);
    assert.equal(reflector.metrics.errors, 0);
    await reflector.stop();
  });

  it('tears down a silent watch after its idle timeout (server timeout + grace) and reconnects', async () => {
    const { api, time, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const first = (await api.nextWatch()).open();
    await evidence('the watch armed its idle timer', () => time.pendingTimers() === 1);
    // Idle limit: 10 s server timeout + 5 s grace. Activity in between pushes it back.
    time.advance(14_000);
    send(first, 'BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '12' } });
    await evidence('the bookmark was read', () => reflector.metrics.bookmarks === 1);
    // The fake clock fires due timers within advance(): the teardown, if any, has happened.
    time.advance(14_000);
    assert.ok(!first.destroyed, 'a watch with recent traffic stays open');
    time.advance(1_000);
    assert.ok(first.destroyed, 'silent for 15 s: torn down');

    (await time.nextSleep()).wake();
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '12');
    assert.equal(reflector.metrics.reconnects, 1);
    assert.equal(reflector.metrics.errors, 1);
    await reflector.stop();
  });

  it('restarts a paginated list from scratch when its continue token expired', async () => {
    const { api, rec, reflector } = setup({ pageSize: 2 });
    reflector.start();
    const first = await api.nextList();
    assert.equal(first.query.get('limit'), '2');
    first.reply(200, listBody('10', [cm('a', '1'), cm('b', '2')], 'token-1'));
    const second = await api.nextList();
    assert.equal(second.query.get('continue'), 'token-1');
    second.reply(410, {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'The provided continue parameter is too old',
    });

    const again = await api.nextList();
    assert.equal(again.query.get('continue'), null, 'starts over');
    again.reply(200, listBody('40', [cm('a', '1'), cm('c', '3')], 'token-2'));
    const last = await api.nextList();
    assert.equal(last.query.get('continue'), 'token-2');
    last.reply(200, listBody('40', [cm('d', '4')]));
    await reflector.synced();

    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '40');
    // Only the completed list is reported: b from the abandoned pages never appears.
    assert.deepEqual(rec.calls, ['added ns/a@1', 'added ns/c@3', 'added ns/d@4']);
    assert.equal(reflector.metrics.listRestarts, 1);
    assert.equal(reflector.metrics.errors, 0);
    await reflector.stop();
  });

  it('advances the resourceVersion on bookmarks without reporting anything', async () => {
    const { api, rec, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '5')]));
    const body = (await api.nextWatch()).open();
    send(body, 'BOOKMARK', {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: '99' },
    });
    await evidence('the bookmark was read', () => reflector.metrics.bookmarks === 1);
    assert.equal(reflector.resourceVersion(), '99');
    body.end();
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '99');
    assert.deepEqual(rec.calls, ['added ns/a@5']);
    assert.equal(reflector.metrics.bookmarks, 1);
    assert.equal(reflector.metrics.events, 0);
    await reflector.stop();
  });

  it('backs off exponentially with a cap on repeated 500s, and resets after a success', async () => {
    const { api, time, reflector } = setup({ random: () => 0.999 });
    reflector.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      (await api.nextList()).reply(500, { kind: 'Status', code: 500, message: 'etcd down' });
      const sleep = await time.nextSleep();
      delays.push(sleep.ms);
      sleep.wake();
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(reflector.metrics.errors, 6);
    (await api.nextList()).reply(200, listBody('10', []));
    await reflector.synced();
    (await api.nextWatch()).reply(500, { kind: 'Status', code: 500 });
    const sleep = await time.nextSleep();
    assert.equal(sleep.ms, 100, 'a completed list resets the backoff');
    await reflector.stop();
  });

  it('backs off on an in-stream ERROR other than 410 and re-watches from the last resourceVersion', async () => {
    const { api, time, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const body = (await api.nextWatch()).open();
    send(body, 'ERROR', { kind: 'Status', code: 500, message: 'internal error' });
    (await time.nextSleep()).wake();
    const watch = await api.nextWatch();
    assert.equal(watch.query.get('resourceVersion'), '10');
    assert.equal(reflector.metrics.relists, 0);
    await reflector.stop();
  });

  it('backs off when every watch after a relist answers 410 at once, instead of relisting in a loop', async () => {
    const { api, time, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const gone = { kind: 'Status', code: 410, reason: 'Expired' };
    send((await api.nextWatch()).open(), 'ERROR', gone);
    (await api.nextList()).reply(200, listBody('10', []));
    send((await api.nextWatch()).open(), 'ERROR', gone);
    const sleep = await time.nextSleep();
    assert.equal(sleep.ms, 50);
    sleep.wake();
    (await api.nextList()).reply(200, listBody('10', []));
    await api.nextWatch();
    assert.equal(reflector.metrics.relists, 2);
    await reflector.stop();
  });

  it('keeps going when a handler throws, counting the error', async () => {
    const { api, reflector } = setup({
      handler: {
        added: () => {
          throw new Error('boom');
        },
        updated: () => undefined,
        deleted: () => undefined,
      },
    });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '1'), cm('b', '2')]));
    await reflector.synced();
    assert.equal(reflector.list().length, 2);
    assert.equal(reflector.metrics.errors, 2);
    await api.nextWatch();
    await reflector.stop();
  });

  it('stores transformed objects (only chosen managedFields entries)', async () => {
    const { api, reflector } = setup({ transform: keepManagedFieldsOf(['lynq']) });
    reflector.start();
    const obj = {
      ...cm('a', '1'),
      metadata: {
        name: 'a',
        namespace: 'ns',
        resourceVersion: '1',
        managedFields: [
          { manager: 'lynq', operation: 'Apply' },
          { manager: 'kubectl', operation: 'Update' },
        ],
      },
    };
    (await api.nextList()).reply(200, listBody('10', [obj]));
    await reflector.synced();
    assert.deepEqual(
      reflector.get('ns/a')?.metadata.managedFields?.map((f) => f.manager),
      ['lynq'],
    );
    await reflector.stop();
  });

  it('keeps in its store only what retain keeps, while the handler gets whole objects and the previous record', async () => {
    const seen: string[] = [];
    const api = scriptedTransport();
    const reflector = createReflector({
      transport: api.transport,
      path: '/api/v1/namespaces/ns/configmaps',
      logger: silent,
      clock: fakeClock().clock,
      retain: (o: KubeObject) => ({
        metadata: { resourceVersion: o.metadata.resourceVersion, name: o.metadata.name },
      }),
      handler: {
        added: (o) => seen.push(`added ${JSON.stringify(o['data'])}`),
        updated: (o, previous) =>
          seen.push(`updated ${JSON.stringify(o['data'])} < ${JSON.stringify(previous)}`),
        deleted: (_lastKnown, stored) => seen.push(`deleted ${JSON.stringify(stored)}`),
      },
    });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '5', { k: 'v' })]));
    await reflector.synced();
    assert.deepEqual(reflector.get('ns/a'), { metadata: { resourceVersion: '5', name: 'a' } });
    const body = (await api.nextWatch()).open();
    send(body, 'MODIFIED', cm('a', '6', { k: 'w' }));
    send(body, 'DELETED', cm('a', '7', { k: 'w' }));
    await evidence('both events were reported', () => seen.length === 3);
    assert.deepEqual(seen, [
      'added {"k":"v"}',
      'updated {"k":"w"} < {"metadata":{"resourceVersion":"5","name":"a"}}',
      'deleted {"metadata":{"resourceVersion":"6","name":"a"}}',
    ]);
    assert.equal(reflector.list().length, 0);
    await reflector.stop();
  });

  it('stop() ends an open watch and resolves; nothing is requested afterwards', async () => {
    const { api, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const body = (await api.nextWatch()).open();
    await reflector.stop();
    assert.ok(body.destroyed);
    // stop() resolved after the loop ended: nothing can ask for more.
    assert.ok(api.idle(), 'no request after stop');
  });

  it('stop() during a backoff resolves, and synced() of a run stopped before listing rejects', async () => {
    const { api, time, reflector } = setup();
    reflector.start();
    const synced = reflector.synced();
    (await api.nextList()).reply(503, { kind: 'Status', code: 503 });
    await time.nextSleep();
    await reflector.stop();
    await assert.rejects(synced, { code: 'ReflectorStopped' });
    assert.ok(api.idle());
  });

  it('after stop and start, relists against the kept store and reports what changed meanwhile', async () => {
    const { api, rec, reflector } = setup();
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', [cm('a', '1'), cm('b', '2')]));
    (await api.nextWatch()).open();
    await reflector.stop();

    reflector.start();
    (await api.nextList()).reply(200, listBody('20', [cm('b', '2'), cm('c', '3')]));
    await reflector.synced();
    assert.deepEqual(rec.calls, ['added ns/a@1', 'added ns/b@2', 'deleted ns/a@1', 'added ns/c@3']);
    assert.equal(reflector.metrics.relists, 1);
    await api.nextWatch();
    await reflector.stop();
  });
});

describe('reflector backoff after an API server outage', () => {
  const unavailable = { kind: 'Status', code: 503, message: 'connection refused' };

  /** Lets the watch run past the reflector's "ended at once" bound on the fake clock. */
  const runFor = async (time: ReturnType<typeof fakeClock>, ms: number): Promise<void> => {
    await evidence('the watch is open (its idle timer armed)', () => time.pendingTimers() === 1);
    time.advance(ms);
  };

  it('waits at most 1.6 s between attempts by default, however long the outage lasts', async () => {
    const { api, time, reflector } = setup({ backoff: {}, random: () => 0.9999 });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    (await api.nextWatch()).open().destroy(new Error('socket hang up'));
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const sleep = await time.nextSleep();
      delays.push(sleep.ms);
      sleep.wake();
      (await api.nextWatch()).reply(503, unavailable);
    }
    assert.deepEqual(delays.slice(0, 5), [200, 400, 800, 1600, 1600]);
    assert.ok(delays.every((ms) => ms <= 1_600));
    await reflector.stop();
  });

  it('spreads the retries of reflectors failing together (equal jitter: half to all of the step)', async () => {
    const delayWith = async (random: number): Promise<number> => {
      const { api, time, reflector } = setup({ backoff: {}, random: () => random });
      reflector.start();
      (await api.nextList()).reply(503, unavailable);
      const sleep = await time.nextSleep();
      await reflector.stop();
      return sleep.ms;
    };
    assert.deepEqual(
      [await delayWith(0), await delayWith(0.5), await delayWith(0.999)],
      [100, 150, 200],
    );
  });

  it('starts the backoff again from the first delay once a watch is answered 2xx', async () => {
    const { api, time, reflector } = setup({ random: () => 0.999 });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    (await api.nextWatch()).reply(503, unavailable);
    for (const expected of [100, 200, 400]) {
      const sleep = await time.nextSleep();
      assert.equal(sleep.ms, expected);
      sleep.wake();
      if (expected < 400) (await api.nextWatch()).reply(503, unavailable);
    }
    // The server is back: the watch opens and runs, with no event yet, then breaks again.
    const body = (await api.nextWatch()).open();
    await runFor(time, 2_000);
    body.destroy(new Error('socket hang up'));
    const sleep = await time.nextSleep();
    assert.equal(sleep.ms, 100, 'the next outage starts from the first delay');
    await reflector.stop();
  });

  it('keeps the backoff growing when every watch opens and breaks at once, empty', async () => {
    const { api, time, reflector } = setup({ random: () => 0.999 });
    reflector.start();
    (await api.nextList()).reply(200, listBody('10', []));
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      (await api.nextWatch()).open().destroy(new Error('proxy closed the stream'));
      const sleep = await time.nextSleep();
      delays.push(sleep.ms);
      sleep.wake();
    }
    assert.deepEqual(delays, [100, 200, 400, 800]);
    await reflector.stop();
  });
});
