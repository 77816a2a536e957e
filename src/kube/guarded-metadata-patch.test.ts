// Guarded metadata patches: the finalizer patch tests what it was computed from, one add per object is under way at a time, and a failed precondition is a no-op.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { invalidSpecError, transientError } from '../errors.js';
import { apiErrorCodes, type ApiClient } from './api-client.js';
import {
  addFinalizerPatch,
  createFinalizerAdder,
  removeAnnotationIfUnchanged,
} from './guarded-metadata-patch.js';

const silent = pino({ level: 'silent' });

/** A client whose patches wait until `release()`, and answer with `outcome`. */
const patchingClient = (outcome: () => Promise<unknown> = () => Promise.resolve({})) => {
  const patches: { path: string; body: unknown }[] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const client: ApiClient = {
    get: () => Promise.resolve(undefined),
    create: (_path, body) => Promise.resolve(body),
    patch: async (path, _type, body) => {
      patches.push({ path, body });
      await gate;
      return outcome();
    },
    remove: () => Promise.resolve(true),
  };
  return {
    client,
    patches,
    release: () => {
      release();
      gate = Promise.resolve();
    },
  };
};

const testFailed = () =>
  Promise.reject(
    invalidSpecError(apiErrorCodes.invalid, 'PATCH x: testing value /metadata/finalizers failed'),
  );

describe('addFinalizerPatch', () => {
  it('H8 tests the uid and the whole list, then writes the list with the finalizer appended', () => {
    assert.deepEqual(
      addFinalizerPatch({ uid: 'u1', finalizers: ['other'] }, 'lynq.sh/hub-cleanup'),
      [
        { op: 'test', path: '/metadata/uid', value: 'u1' },
        { op: 'test', path: '/metadata/finalizers', value: ['other'] },
        { op: 'add', path: '/metadata/finalizers', value: ['other', 'lynq.sh/hub-cleanup'] },
      ],
    );
  });

  it('H8 tests for no list at all (null) when the object has no finalizers', () => {
    assert.deepEqual(addFinalizerPatch({ uid: 'u1' }, 'lynq.sh/hub-cleanup')?.[1], {
      op: 'test',
      path: '/metadata/finalizers',
      value: null,
    });
  });

  it('H8 is nothing to send when the finalizer is already there', () => {
    assert.equal(
      addFinalizerPatch({ uid: 'u1', finalizers: ['lynq.sh/hub-cleanup'] }, 'lynq.sh/hub-cleanup'),
      undefined,
    );
  });
});

describe('createFinalizerAdder', () => {
  it('H8 two close observations of one object send one patch while it is under way', async () => {
    const fake = patchingClient();
    const adder = createFinalizerAdder(fake.client, silent, 'lynq.sh/hub-cleanup');
    const seen = { uid: 'u1', finalizers: ['other'] };
    adder.ensure('/hubs/a', seen);
    adder.ensure('/hubs/a', seen);
    adder.ensure('/hubs/b', { uid: 'u2' });
    fake.release();
    await adder.settled();
    assert.deepEqual(
      fake.patches.map((p) => p.path),
      ['/hubs/a', '/hubs/b'],
    );
  });

  it('H8 a stale observation after the add sends a patch whose failed test is only logged', async () => {
    const fake = patchingClient(testFailed);
    fake.release();
    const adder = createFinalizerAdder(fake.client, silent, 'lynq.sh/hub-cleanup');
    adder.ensure('/hubs/a', { uid: 'u1', finalizers: ['other'] });
    await adder.settled();
    adder.ensure('/hubs/a', { uid: 'u1', finalizers: ['other'] });
    await adder.settled();
    assert.equal(fake.patches.length, 2, 'the guard is lifted once the first add settled');
  });

  it('H8 sends nothing for an object that already has the finalizer', async () => {
    const fake = patchingClient();
    fake.release();
    const adder = createFinalizerAdder(fake.client, silent, 'lynq.sh/hub-cleanup');
    adder.ensure('/hubs/a', { uid: 'u1', finalizers: ['lynq.sh/hub-cleanup'] });
    await adder.settled();
    assert.equal(fake.patches.length, 0);
  });
});

describe('removeAnnotationIfUnchanged', () => {
  const expected = { uid: 'u1', key: 'lynq.sh/allow-deletions', value: 'tok1' };

  it('H9 tests uid and value before it removes the annotation (the key escaped as a pointer)', async () => {
    const fake = patchingClient();
    fake.release();
    assert.equal(await removeAnnotationIfUnchanged(fake.client, '/hubs/a', expected), true);
    assert.deepEqual(fake.patches[0]?.body, [
      { op: 'test', path: '/metadata/uid', value: 'u1' },
      { op: 'test', path: '/metadata/annotations/lynq.sh~1allow-deletions', value: 'tok1' },
      { op: 'remove', path: '/metadata/annotations/lynq.sh~1allow-deletions' },
    ]);
  });

  it('H9 a token changed meanwhile (failed test) or a hub gone is a no-op, not an error', async () => {
    const changed = patchingClient(testFailed);
    changed.release();
    assert.equal(await removeAnnotationIfUnchanged(changed.client, '/hubs/a', expected), false);
    const gone = patchingClient(() =>
      Promise.reject(invalidSpecError(apiErrorCodes.notFound, 'PATCH x: not found')),
    );
    gone.release();
    assert.equal(await removeAnnotationIfUnchanged(gone.client, '/hubs/a', expected), false);
  });

  it('H9 other failures are still errors', async () => {
    const down = patchingClient(() =>
      Promise.reject(transientError(apiErrorCodes.unavailable, 'PATCH x: 503')),
    );
    down.release();
    await assert.rejects(removeAnnotationIfUnchanged(down.client, '/hubs/a', expected), {
      code: apiErrorCodes.unavailable,
    });
  });
});
