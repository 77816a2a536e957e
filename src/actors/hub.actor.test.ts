// The hub actor with in-memory ports: what it publishes in DatasourceReachable and RowsRead, and when it raises a DuplicateUids event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { hubObject, rowInput as row } from '../../test/fixtures/hub-objects.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { NodeObject } from '../api/node-object.js';
import { invalidSpecError, transientError } from '../errors.js';
import type { EventInput, EventRecorder } from '../kube/event-recorder.js';
import type { StatusWriter } from '../kube/status-writer.js';
import type { RowInput } from '../reconcile/plan-node-changes.js';
import type { HubSyncPorts } from './hub-sync.actor.js';
import { datasourceReachableCondition, rowsReadCondition } from './hub-conditions.js';
import { startHubActor, type HubActor } from './hub.actor.js';

/** No poll during a test: every sync here is asked for. */
const hubWithoutPoll = (passwordRef?: { name: string; key: string }): LynqHub =>
  hubObject({ syncInterval: '1h', suspend: false, ...(passwordRef ? { passwordRef } : {}) });

interface World {
  readonly actor: HubActor;
  readonly events: EventInput[];
  readonly published: Readonly<Record<string, unknown>>[];
  rows: readonly RowInput[] | Error;
  secretPresent: boolean;
  /** When set, reading a Secret fails with it (an API server outage). */
  secretError: Error | undefined;
  failNodeWrites: boolean;
}

const startWorld = (hub: LynqHub): World => {
  const nodes: LynqNode[] = [];
  const events: EventInput[] = [];
  const published: Readonly<Record<string, unknown>>[] = [];
  const world: Omit<World, 'actor'> = {
    events,
    published,
    rows: [],
    secretPresent: true,
    secretError: undefined,
    failNodeWrites: false,
  };
  const ports: HubSyncPorts = {
    getHub: () => hub,
    formsOfHub: () => [{ name: 'web', valid: true }],
    nodesOfHub: () => nodes,
    readSecretKey: (_ns, name) =>
      world.secretError !== undefined
        ? Promise.reject(world.secretError)
        : world.secretPresent
          ? Promise.resolve('s3cret')
          : Promise.reject(new Error(`secrets "${name}" not found`)),
    readRows: () =>
      world.rows instanceof Error ? Promise.reject(world.rows) : Promise.resolve(world.rows),
    createNode: (node: NodeObject) => {
      if (world.failNodeWrites)
        return Promise.reject(transientError('KubeUnavailable', 'POST lynqnodes: 503'));
      nodes.push({ ...node, metadata: { ...node.metadata } } as unknown as LynqNode);
      return Promise.resolve();
    },
    updateNodeVariables: () => Promise.resolve(),
    deleteNode: () => Promise.resolve(),
    clearAllowDeletions: () => Promise.resolve(),
    report: () => undefined,
  };
  const statusWriter: StatusWriter = {
    publish: (_path, status) => {
      published.push(status);
    },
    observe: () => undefined,
    forget: () => undefined,
    flush: () => Promise.resolve(),
    writes: () => published.length,
  };
  const recorder: EventRecorder = {
    record: (event) => {
      events.push(event);
      return Promise.resolve();
    },
    writes: () => events.length,
  };
  const actor = startHubActor(
    { namespace: 'ns', name: 'hub' },
    {
      ports,
      finalize: () => Promise.resolve(),
      statusWriter,
      events: recorder,
      logger: pino({ level: 'silent' }),
    },
  );
  actor.observe(hub);
  return Object.assign(world, { actor });
};

/** Waits for the sync under way to finish (it settles on the microtask and immediate queues). */
const synced = async (world: World): Promise<void> => {
  for (let i = 0; i < 200 && world.actor.snapshot().matches('syncing'); i += 1)
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(world.actor.snapshot().matches('syncing'), false, 'the sync finished');
};

/** One more sync, as a form change asks for it (SPEC H10). */
const syncAgain = async (world: World): Promise<void> => {
  world.actor.formsChanged();
  assert.equal(world.actor.snapshot().matches('syncing'), true, 'a sync started');
  await synced(world);
};

const conditionOf = (world: World, type: string) => {
  const status = world.published.at(-1) as
    | { conditions?: { type: string; status: string; reason: string; message: string }[] }
    | undefined;
  const c = status?.conditions?.find((x) => x.type === type);
  return c === undefined ? undefined : { status: c.status, reason: c.reason, message: c.message };
};

const reachable = (world: World) => conditionOf(world, 'DatasourceReachable');
const rowsRead = (world: World) => conditionOf(world, 'RowsRead');

describe('hub actor', () => {
  it('H7 a missing table or column is RowsRead=False with its reason; DatasourceReachable stays True: the server answered', async () => {
    const failures = [
      transientError('DatasourceColumnMissing', "Unknown column 'missing_column' in 'field list'"),
      transientError('DatasourceTableMissing', "Table 'app.absent' doesn't exist"),
      transientError('DatasourceDatabaseMissing', "Unknown database 'gone'"),
      transientError('DatasourcePermissionDenied', 'SELECT command denied to user'),
    ];
    for (const failure of failures) {
      const world = startWorld(hubWithoutPoll());
      world.rows = failure;
      await synced(world);
      assert.equal(world.actor.snapshot().value, 'degraded');
      assert.deepEqual(rowsRead(world), {
        status: 'False',
        reason: failure.code,
        message: failure.message,
      });
      const c = reachable(world);
      assert.equal(c?.status, 'True', failure.code);
      assert.equal(c.reason, 'Reachable');
      assert.ok(c.message.includes(failure.message), 'the message says what the server answered');
      assert.equal(world.events.at(-1)?.reason, failure.code, 'one Warning event with the reason');
      world.actor.stop();
    }
  });

  it('H7 RowsRead is True after a read, False with the reason when a read fails, True again after', async () => {
    const world = startWorld(hubWithoutPoll());
    world.rows = [row('acme')];
    await synced(world);
    assert.deepEqual(rowsRead(world)?.status, 'True');
    world.rows = transientError('DatasourceUnreachable', 'connect ECONNREFUSED 127.0.0.1:1');
    await syncAgain(world);
    assert.deepEqual(rowsRead(world), {
      status: 'False',
      reason: 'DatasourceUnreachable',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    assert.equal(reachable(world)?.status, 'False', 'no answer: unreachable');
    world.rows = [row('acme')];
    await syncAgain(world);
    assert.deepEqual([rowsRead(world)?.status, reachable(world)?.status], ['True', 'True']);
    world.actor.stop();
  });

  it('H7 RowsRead is Unknown before any sync finished and stays as it was while the API server is unreachable', () => {
    assert.equal(rowsReadCondition(false, undefined).status, 'Unknown');
    const outage = { code: 'KubernetesUnreachable', message: 'refused', rowsRead: false };
    assert.equal(rowsReadCondition(false, outage).status, 'Unknown');
    const before = { type: 'RowsRead', status: 'True', reason: 'Read', message: 'm' } as const;
    assert.deepEqual(rowsReadCondition(true, outage, before), before);
  });

  it('H7 DatasourceReachable is False with the reason and message when a sync gets no answer, whatever the code', async () => {
    const failures = [
      invalidSpecError('CaSecretUnavailable', 'tls.caSecretRef: Secret ca key ca.crt: not found'),
      invalidSpecError('InvalidIdentifier', 'spec.valueMappings.uid: "a b" is not a valid name'),
      transientError('DatasourceUnreachable', 'connect ECONNREFUSED 127.0.0.1:1'),
    ];
    for (const failure of failures) {
      const world = startWorld(hubWithoutPoll());
      world.rows = failure;
      await synced(world);
      assert.deepEqual(reachable(world), {
        status: 'False',
        reason: failure.code,
        message: failure.message,
      });
      world.actor.stop();
    }
  });

  it('H7 a password Secret gone after good reads: DatasourceReachable False (PasswordSecretUnavailable), True again when it returns', async () => {
    const world = startWorld(hubWithoutPoll({ name: 'db', key: 'password' }));
    world.rows = [row('acme')];
    await synced(world);
    assert.equal(reachable(world)?.status, 'True');
    world.secretPresent = false;
    await syncAgain(world);
    assert.equal(world.actor.snapshot().value, 'degraded');
    const c = reachable(world);
    assert.equal(c?.status, 'False');
    assert.equal(c.reason, 'PasswordSecretUnavailable');
    assert.match(c.message, /passwordRef: Secret db key password: secrets "db" not found/);
    world.secretPresent = true;
    await syncAgain(world);
    assert.equal(reachable(world)?.status, 'True');
    world.actor.stop();
  });

  it('H7 a node write failing after the rows were read leaves DatasourceReachable True', async () => {
    const world = startWorld(hubWithoutPoll());
    world.rows = [row('acme')];
    world.failNodeWrites = true;
    await synced(world);
    assert.equal(world.actor.snapshot().value, 'degraded');
    assert.equal(reachable(world)?.status, 'True');
    world.actor.stop();
  });

  it('H7 DatasourceReachable is Unknown before any sync finished', () => {
    assert.equal(datasourceReachableCondition(false, undefined).status, 'Unknown');
    assert.equal(
      datasourceReachableCondition(false, { code: 'X', message: 'm', rowsRead: false }).status,
      'False',
    );
  });

  it('H4 one DuplicateUids event per distinct set; a set that went away and comes back is reported again', async () => {
    const world = startWorld(hubWithoutPoll());
    const duplicateEvents = () => world.events.filter((e) => e.reason === 'DuplicateUids');
    world.rows = [row('a'), row('a'), row('b')];
    await synced(world);
    assert.equal(duplicateEvents().length, 1);
    assert.match(duplicateEvents()[0]?.message ?? '', /^1 uids .*: a$/);

    await syncAgain(world);
    assert.equal(duplicateEvents().length, 1, 'the same set on the next sync: no new event');

    world.rows = [row('a'), row('b')];
    await syncAgain(world);
    assert.equal(duplicateEvents().length, 1, 'no duplicates: nothing to report');

    world.rows = [row('a'), row('a'), row('b')];
    await syncAgain(world);
    assert.equal(duplicateEvents().length, 2, 'the same set back again is reported again');

    world.rows = [row('a'), row('a'), row('b'), row('b')];
    await syncAgain(world);
    assert.equal(duplicateEvents().length, 3, 'a different set is reported');
    assert.match(duplicateEvents()[2]?.message ?? '', /a, b$/);
    world.actor.stop();
  });

  it('H7 a hub whose first sync writes nothing successfully still publishes desired and rows', async () => {
    const world = startWorld(hubWithoutPoll());
    world.failNodeWrites = true;
    world.rows = [row('a'), row('b'), row('off', false)];
    await synced(world);
    assert.equal(world.actor.snapshot().value, 'degraded');
    const status = world.published.at(-1) as {
      desired?: number;
      rows?: unknown;
      referencingTemplates?: number;
      conditions?: { type: string; status: string; reason: string }[];
    };
    assert.equal(status.desired, 2);
    assert.deepEqual(status.rows, { total: 3, active: 2, rejected: 0 });
    assert.equal(status.referencingTemplates, 1);
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'NodeWriteFailed']);
    world.actor.stop();
  });

  it('H7 an unreachable API server is its own reason: Ready says KubernetesUnreachable and DatasourceReachable stays as it was', async () => {
    const hub = hubWithoutPoll({ name: 'db', key: 'password' });
    const world = startWorld(hub);
    world.rows = [row('a')];
    await synced(world);
    assert.deepEqual(reachable(world)?.status, 'True');
    // The hub as the API server holds it after that status write.
    world.actor.observe({ ...hub, status: world.published.at(-1) } as unknown as LynqHub);

    world.secretError = transientError(
      'KubeRequestFailed',
      'GET /api/v1/namespaces/ns/secrets/db: connect ECONNREFUSED 127.0.0.1:6443',
    );
    await syncAgain(world);
    assert.equal(world.actor.snapshot().value, 'degraded');
    const status = world.published.at(-1) as {
      conditions: { type: string; status: string; reason: string; message: string }[];
    };
    const ready = status.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'KubernetesUnreachable');
    assert.match(ready.message, /API server is unreachable \(reading Secret ns\/db\)/);
    assert.deepEqual(reachable(world), {
      status: 'True',
      reason: 'Reachable',
      message: 'The last read succeeded',
    });
    assert.equal(
      status.conditions.some((c) => c.reason === 'PasswordSecretUnavailable'),
      false,
      'nothing blames the Secret',
    );
    assert.deepEqual(
      world.events.map((e) => e.reason),
      ['KubernetesUnreachable'],
    );
    world.actor.stop();
  });

  it('H7 DatasourceReachable is Unknown, not False, when the API server was unreachable before any read', () => {
    const c = datasourceReachableCondition(false, {
      code: 'KubernetesUnreachable',
      message: 'The Kubernetes API server is unreachable',
      rowsRead: false,
    });
    assert.equal(c.status, 'Unknown');
  });
});
