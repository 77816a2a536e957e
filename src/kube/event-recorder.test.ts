// Events are de-duplicated per object and reason: a repeat raises the count instead of writing a new Event.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import type { ApiClient } from './api-client.js';
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

it('O1 a repeated event on one object and reason raises the count instead of writing a new one', async () => {
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
    message: 'second',
  });
  await events.record({
    object: hub,
    type: 'Warning',
    reason: 'DatasourceAuthFailed',
    message: 'other',
  });
  assert.equal(calls.length, 3);
  assert.match(calls[0] ?? '', /^create \/api\/v1\/namespaces\/ns\/events$/);
  assert.match(calls[1] ?? '', /^patch \/api\/v1\/namespaces\/ns\/events\/hub\.[0-9a-f]{16}$/);
  assert.match(calls[2] ?? '', /^create /);
  assert.deepEqual(
    {
      count: (bodies[1] as { count: number }).count,
      message: (bodies[1] as { message: string }).message,
    },
    { count: 2, message: 'second' },
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

it('O1 two events of one reason fired together make one Event with count 2', async () => {
  const { client, calls, bodies } = recordingClient();
  const events = createEventRecorder(client, pino({ level: 'silent' }));
  await Promise.all([
    events.record({ object: hub, type: 'Normal', reason: 'DependencySkipped', message: 'a' }),
    events.record({ object: hub, type: 'Normal', reason: 'DependencySkipped', message: 'b' }),
  ]);
  assert.deepEqual(
    calls.map((c) => c.split(' ')[0]),
    ['create', 'patch'],
  );
  assert.equal((bodies[1] as { count: number }).count, 2);
});
