// Unit tests for the shared pool lifecycle: one pool reused, dropped after an auth failure, ended once; reads that stop on abort (H1, H7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LynqError, transientError } from '../errors.js';
import { DatasourcePool, untilAborted, type PoolDriver } from './datasource-pool.js';
import { datasourceErrorCodes } from './datasource.js';

interface FakePool {
  readonly id: number;
  ended: boolean;
}

const context = { host: 'db', port: 1, database: 'app', table: 't' };

/** A driver whose pools are numbered and whose errors carry the code they are thrown with. */
const fakeDriver = (): PoolDriver<FakePool> & { made: FakePool[] } => {
  const made: FakePool[] = [];
  return {
    made,
    create: () => {
      const pool = { id: made.length + 1, ended: false };
      made.push(pool);
      return pool;
    },
    end: (pool) => {
      pool.ended = true;
      return Promise.resolve();
    },
    toError: (err) =>
      err instanceof LynqError ? err : transientError(datasourceErrorCodes.failed, String(err)),
  };
};

const authFailure = transientError(datasourceErrorCodes.authFailed, 'password wrong');
const missingTable = transientError(datasourceErrorCodes.tableMissing, 'no such table');

describe('DatasourcePool', () => {
  it('H1 makes one pool on first use and reuses it', () => {
    const driver = fakeDriver();
    const pools = new DatasourcePool(driver, {}, undefined);
    assert.equal(pools.poolsCreated, 0);
    const first = pools.current();
    assert.equal(pools.current(), first);
    assert.equal(pools.poolsCreated, 1);
  });

  it('H1 H7 drops and ends the pool after an authentication failure, and keeps it after any other', async () => {
    const driver = fakeDriver();
    const pools = new DatasourcePool(driver, {}, undefined);
    const first = pools.current();
    assert.equal(pools.failure(missingTable, first, context, undefined), missingTable);
    assert.equal(pools.current(), first);
    assert.equal(pools.failure(authFailure, first, context, undefined), authFailure);
    await Promise.resolve();
    assert.equal(first.ended, true);
    const second = pools.current();
    assert.notEqual(second, first);
    assert.equal(pools.poolsCreated, 2);
    // A late failure of the old pool does not drop the new one.
    pools.failure(authFailure, first, context, undefined);
    assert.equal(pools.current(), second);
  });

  it('returns the abort reason, not a datasource error, for a read that was aborted', () => {
    const pools = new DatasourcePool(fakeDriver(), {}, undefined);
    const pool = pools.current();
    const controller = new AbortController();
    const reason = new Error('hub stopped');
    controller.abort(reason);
    assert.equal(pools.failure(authFailure, pool, context, controller.signal), reason);
    assert.equal(pools.current(), pool, 'an aborted read drops nothing');
  });

  it('ends the pool once on close; later reads fail with DatasourceClosed', async () => {
    const driver = fakeDriver();
    const pools = new DatasourcePool(driver, {}, undefined);
    const pool = pools.current();
    await pools.close();
    await pools.close();
    assert.equal(pool.ended, true);
    assert.equal(pools.closed, true);
    assert.throws(
      () => pools.current(),
      (err: unknown) => err instanceof LynqError && err.code === datasourceErrorCodes.closed,
    );
  });

  it('close never throws when ending the pool fails', async () => {
    const driver = fakeDriver();
    const pools = new DatasourcePool(
      { ...driver, end: () => Promise.reject(new Error('socket gone')) },
      {},
      undefined,
    );
    pools.current();
    await pools.close();
    assert.equal(pools.closed, true);
  });
});

describe('untilAborted', () => {
  it('settles as the work does when nothing aborts', async () => {
    const controller = new AbortController();
    assert.equal(await untilAborted(Promise.resolve(7), controller.signal, () => undefined), 7);
    await assert.rejects(
      untilAborted(Promise.reject(new Error('boom')), controller.signal, () => undefined),
      /boom/,
    );
  });

  it('rejects with the abort reason and runs onAbort when the signal aborts first', async () => {
    const controller = new AbortController();
    let dropped = 0;
    const pending = untilAborted(new Promise<never>(() => undefined), controller.signal, () => {
      dropped += 1;
    });
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    assert.equal(dropped, 1);
  });

  it('drops the work at once when the signal was aborted before', async () => {
    const controller = new AbortController();
    const reason = new Error('already');
    controller.abort(reason);
    let dropped = 0;
    await assert.rejects(
      untilAborted(Promise.reject(new Error('late')), controller.signal, () => {
        dropped += 1;
      }),
      (err) => err === reason,
    );
    assert.equal(dropped, 1);
  });
});
