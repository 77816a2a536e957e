// The pool lifecycle every datasource shares: made on first use, replaced after an authentication failure, ended on close; and reads that stop on abort.

import type { Logger } from 'pino';
import { transientError, type LynqError } from '../errors.js';
import type { DatasourceErrorContext } from './datasource-error.js';
import { datasourceErrorCodes } from './datasource.js';

/** What `DatasourcePool` needs of one driver's pool type `P`. */
export interface PoolDriver<P> {
  /** Makes a pool; connections are opened by the driver on first use, not here. */
  create(): P;
  /** Ends a pool, waiting for its connections to quit. May reject; the rejection is logged. */
  end(pool: P): Promise<void>;
  /** Converts anything the driver throws into a `LynqError` with a `Datasource*` code. */
  toError(err: unknown, context: DatasourceErrorContext): LynqError;
}

/**
 * Holds at most one pool of a datasource. The pool is reused by every read, dropped after an
 * authentication failure (so a fixed password, user or grant gets fresh connections), and ended
 * once on `close()`.
 */
export class DatasourcePool<P> {
  readonly #driver: PoolDriver<P>;
  readonly #logger: Logger | undefined;
  readonly #where: Readonly<Record<string, unknown>>;
  #pool: P | undefined;
  #poolsCreated = 0;
  #closed = false;

  /** `where` names the server in log lines (host, port, database). */
  constructor(
    driver: PoolDriver<P>,
    where: Readonly<Record<string, unknown>>,
    logger: Logger | undefined,
  ) {
    this.#driver = driver;
    this.#where = where;
    this.#logger = logger;
  }

  /** How many pools were made (1 after the first read; more after auth failures). */
  get poolsCreated(): number {
    return this.#poolsCreated;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The pool to read with, made now if there is none. Throws `DatasourceClosed` after `close()`. */
  current(): P {
    if (this.#closed) {
      throw transientError(datasourceErrorCodes.closed, 'the datasource was closed');
    }
    if (this.#pool === undefined) {
      this.#pool = this.#driver.create();
      this.#poolsCreated += 1;
      this.#logger?.debug(this.#where, 'Created database pool');
    }
    return this.#pool;
  }

  /**
   * What a failed read on `pool` rejects with: `signal.reason` after an abort, else the driver's
   * error as a `LynqError`. An authentication failure drops `pool` so the next read starts afresh.
   */
  failure(
    err: unknown,
    pool: P,
    context: DatasourceErrorContext,
    signal: AbortSignal | undefined,
  ): unknown {
    if (signal?.aborted === true) return signal.reason;
    const error = this.#driver.toError(err, context);
    if (error.code === datasourceErrorCodes.authFailed && this.#pool === pool) {
      this.#pool = undefined;
      // Debug: the hub warns once per distinct error already (O5); this repeats on every retry.
      this.#logger?.debug(
        { host: context.host, code: error.code },
        'Dropped database pool after auth failure',
      );
      void this.#end(pool);
    }
    return error;
  }

  /** Ends the pool. Idempotent; never throws; later `current()` calls throw `DatasourceClosed`. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await this.#end(pool);
  }

  async #end(pool: P): Promise<void> {
    try {
      await this.#driver.end(pool);
    } catch (err) {
      this.#logger?.debug({ err }, 'Database pool ended with an error');
    }
  }
}

/**
 * Settles as `work` does, unless `signal` aborts first: then `onAbort` runs (to drop whatever
 * `work` holds) and the promise rejects with `signal.reason`, passed through untouched.
 */
export const untilAborted = async <T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): Promise<T> => {
  if (signal === undefined) return work;
  if (signal.aborted) {
    onAbort();
    // The abandoned work must not surface as an unhandled rejection.
    work.catch(() => undefined);
    throw signal.reason;
  }
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (listener !== undefined) signal.removeEventListener('abort', listener);
    work.catch(() => undefined);
  }
};
