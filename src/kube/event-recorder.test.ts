// Events are de-duplicated per object and reason: a repeat raises the count instead of writing a new Event.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { conflictError, invalidSpecError } from '../errors.js';
import { apiErrorCodes, type ApiClient } from './api-client.js';
import { createEventRecorder } from './event-recorder.js';

const recordingClient = () => {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const client: ApiClient = {
    get: () => Promise.resolve(undefined),
    create: (path, body) => {
      calls.push(`create ${path}`);
      bodies.push(body);
      return Promise.resolve(body);
    },
    patch: (path, _type, body) => {
      calls.push(`patch ${path}`);
      bodies.push(body);
      return Promise.resolve(body);
    },
    remove: () => Promise.resolve(true),
  };
  return { client, calls, bodies };
};

const hub = {
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqHub',
  namespace: 'ns',
  name: 'hub',
  uid: 'u1',
};

it('O1 a repeated event on one object, reason and message raises the count; a different message is its own Event, never overwritten', async () => {
  const { client, calls, bodies } = recordingClient();
  const events = createEventRecorder(client, pino({ level: 'silent' }));
  await events.record({
    object: hub,
    type: 'Warning',
    reason: 'DatasourceUnreachable',
    message: 'first',
  });
  await events.record({
    object: hub,
    type: 'Warning',
    reason: 'DatasourceUnreachable',
    message: 'first',
  });
  await events.record({
    object: hub,
    type: 'Warning',
    reason: 'DatasourceUnreachable',
    message: 'second',
  });
  await events.record({
    object: hub,
    type: 'Warning',
    reason: 'DatasourceAuthFailed',
    message: 'other',
  });
  assert.deepEqual(
    calls.map((c) => c.split(' ')[0]),
    ['create', 'patch', 'create', 'create'],
  );
  assert.match(calls[1] ?? '', /^patch \/api\/v1\/namespaces\/ns\/events\/hub\.[0-9a-f]{16}$/);
  assert.equal((bodies[1] as { count: number }).count, 2);
  assert.equal(
    (bodies[1] as { message?: string }).message,
    undefined,
    'the count-up keeps the message',
  );
  assert.deepEqual(
    [bodies[0], bodies[2], bodies[3]].map((b) => (b as { message: string }).message),
    ['first', 'second', 'other'],
  );
});

it('O1 a failed event write is logged, never thrown', async () => {
  const client: ApiClient = {
    get: () => Promise.resolve(undefined),
    create: () => Promise.reject(new Error('forbidden')),
    patch: () => Promise.reject(new Error('forbidden')),
    remove: () => Promise.resolve(true),
  };
  const events = createEventRecorder(client, pino({ level: 'silent' }));
  await events.record({ object: hub, type: 'Normal', reason: 'NodeDeleted', message: 'x' });
  assert.equal(events.writes(), 1);
});

it('O1 two identical events fired together make one Event with count 2', async () => {
  const { client, calls, bodies } = recordingClient();
  const events = createEventRecorder(client, pino({ level: 'silent' }));
  await Promise.all([
    events.record({ object: hub, type: 'Normal', reason: 'DependencySkipped', message: 'a' }),
    events.record({ object: hub, type: 'Normal', reason: 'DependencySkipped', message: 'a' }),
  ]);
  assert.deepEqual(
    calls.map((c) => c.split(' ')[0]),
    ['create', 'patch'],
  );
  assert.equal((bodies[1] as { count: number }).count, 2);
});

/** An in-memory Events collection that answers like the API server (409 on a taken name, 404 on a missing one). */
const storeClient = () => {
  const events = new Map<string, Record<string, unknown>>();
  const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  const client: ApiClient = {
    get: (path) => Promise.resolve(events.get(nameOf(path))),
    create: (path, body) => {
      const event = body as { metadata: { name: string } };
      if (events.has(event.metadata.name))
        return Promise.reject(
          conflictError(apiErrorCodes.alreadyExists, `POST ${path}: already exists`),
        );
      events.set(event.metadata.name, { ...(body as Record<string, unknown>) });
      return Promise.resolve(body);
    },
    patch: (path, _type, body) => {
      const stored = events.get(nameOf(path));
      if (stored === undefined)
        return Promise.reject(invalidSpecError(apiErrorCodes.notFound, `PATCH ${path}: not found`));
      Object.assign(stored, body);
      return Promise.resolve(stored);
    },
    remove: (path) => Promise.resolve(events.delete(nameOf(path))),
  };
  return { client, events };
};

const unreachable = {
  object: hub,
  type: 'Warning',
  reason: 'DatasourceUnreachable',
  message: 'connect ECONNREFUSED',
} as const;

it('O1 after a restart the Event still stored under the name is counted up from its count', async () => {
  const { client, events } = storeClient();
  const before = createEventRecorder(client, pino({ level: 'silent' }));
  await before.record(unreachable);
  await before.record(unreachable);
  assert.equal([...events.values()][0]?.['count'], 2);

  // A new process: same deterministic name, nothing remembered.
  const after = createEventRecorder(client, pino({ level: 'silent' }));
  await after.record(unreachable);
  assert.equal(events.size, 1);
  assert.deepEqual(
    { count: [...events.values()][0]?.['count'], message: [...events.values()][0]?.['message'] },
    { count: 3, message: 'connect ECONNREFUSED' },
  );
  await after.record(unreachable);
  assert.equal([...events.values()][0]?.['count'], 4, 'later repeats keep counting up');
});

it('O1 an Event that expired is created again, and later repeats count the new one up', async () => {
  const { client, events } = storeClient();
  const recorder = createEventRecorder(client, pino({ level: 'silent' }));
  await recorder.record(unreachable);
  await recorder.record(unreachable);
  events.clear(); // the Event's TTL ran out
  await recorder.record(unreachable);
  assert.equal(events.size, 1, 'written again, not only logged');
  assert.deepEqual(
    { count: [...events.values()][0]?.['count'], message: [...events.values()][0]?.['message'] },
    { count: 1, message: 'connect ECONNREFUSED' },
  );
  await recorder.record(unreachable);
  assert.equal([...events.values()][0]?.['count'], 2);
});
