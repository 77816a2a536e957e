// The PostgreSQL datasource: one bounded pg pool, reused between reads, UTC sessions and per-client type parsers (SPEC H1–H3, H1b, H7).

import pg from 'pg';
import type { Logger } from 'pino';
import { transientError, type LynqError } from '../errors.js';
import type { ColumnInfo } from './column-value.js';
import type { DatasourceErrorContext } from './datasource-error.js';
import { datasourceErrorCodes, type Datasource, type RowQuery, type RowSet } from './datasource.js';
import {
  defaultPostgresPoolLimits,
  postgresConfigHash,
  postgresPoolOptions,
  type PostgresConnectionConfig,
  type PostgresPoolLimits,
} from './postgres-connection-config.js';
import { toPgDatasourceError } from './postgres-error.js';
import { buildRowSet } from './row-builder.js';
import { planRowQuery, postgresDialect } from './row-query-plan.js';

export interface PostgresDatasourceOptions {
  readonly limits?: Partial<PostgresPoolLimits>;
  readonly logger?: Logger;
}

/** Values arrive already typed by the pool's parsers (postgres-value.ts); only NULL is left (H3). */
const pgVariableValue = (_column: ColumnInfo, raw: unknown): unknown =>
  raw === null || raw === undefined ? '' : raw;

/** Rejects with `signal.reason` when `signal` aborts first, after running `onAbort`. */
const untilAborted = async <T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort: () => void,
): Promise<T> => {
  if (signal === undefined) return work;
  signal.throwIfAborted();
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
    // The losing promise must not surface as an unhandled rejection.
    work.catch(() => undefined);
  }
};

/**
 * A `Datasource` on one PostgreSQL connection config. The pool is created on the first read,
 * reused by every later read, and replaced after an authentication failure. Every identifier is
 * double-quoted, so `Tenants` and `tenants` are different tables, as PostgreSQL itself says.
 */
export class PostgresDatasource implements Datasource {
  readonly configHash: string;
  readonly #config: PostgresConnectionConfig;
  readonly #limits: PostgresPoolLimits;
  readonly #logger: Logger | undefined;
  #pool: pg.Pool | undefined;
  #poolsCreated = 0;
  #closed = false;

  constructor(config: PostgresConnectionConfig, options: PostgresDatasourceOptions = {}) {
    this.#config = config;
    this.#limits = { ...defaultPostgresPoolLimits, ...options.limits };
    this.#logger = options.logger;
    this.configHash = postgresConfigHash(config, this.#limits);
  }

  get poolsCreated(): number {
    return this.#poolsCreated;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads every row of `query.schema`.`query.table` (SPEC H1–H3). Throws `LynqError`:
   * `InvalidIdentifier` / `InvalidMapping` before touching the database; a `Datasource*` code
   * (transient) for any database failure, with the server's message; `DatasourceClosed` after
   * `close()`. On abort the connection in use is destroyed and the promise rejects with
   * `signal.reason`.
   */
  async readRows(query: RowQuery, signal?: AbortSignal): Promise<RowSet> {
    const plan = planRowQuery({ ...query, schema: query.schema ?? 'public' }, postgresDialect);
    const context: DatasourceErrorContext = {
      host: this.#config.host,
      port: this.#config.port,
      database: this.#config.database,
      table: `${query.schema ?? 'public'}.${query.table}`,
    };
    const pool = this.#currentPool();
    let client: pg.PoolClient;
    try {
      const connecting = pool.connect();
      client = await untilAborted(connecting, signal, () => {
        // A connection that arrives after the abort goes straight back to the pool.
        connecting
          .then((c) => {
            c.release();
          })
          .catch(() => undefined);
      });
    } catch (err) {
      throw this.#failure(err, pool, context, signal);
    }
    let result: pg.QueryArrayResult;
    let released = false;
    const destroy = (): void => {
      if (released) return;
      released = true;
      client.release(true);
    };
    try {
      result = await untilAborted(
        client.query({ text: plan.sql, rowMode: 'array' }),
        signal,
        destroy,
      );
    } catch (err) {
      // A server error (it has a SQLSTATE) leaves the session healthy; anything else may not.
      const sqlState = (err as { code?: unknown }).code;
      if (
        signal?.aborted !== true &&
        typeof sqlState === 'string' &&
        /^[0-9A-Z]{5}$/.test(sqlState)
      ) {
        released = true;
        client.release();
      } else destroy();
      throw this.#failure(err, pool, context, signal);
    }
    released = true;
    client.release();
    try {
      const columns = result.fields.map((f): ColumnInfo => ({
        name: f.name,
        columnType: f.dataTypeID,
        columnLength: f.dataTypeSize,
      }));
      return buildRowSet(plan, columns, result.rows, pgVariableValue);
    } catch (err) {
      throw toPgDatasourceError(err, context);
    }
  }

  /** Ends the pool. Idempotent; never throws. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await this.#endPool(pool);
  }

  #currentPool(): pg.Pool {
    if (this.#closed) {
      throw transientError(datasourceErrorCodes.closed, 'the datasource was closed');
    }
    if (this.#pool === undefined) {
      const pool = new pg.Pool(postgresPoolOptions(this.#config, this.#limits));
      // An idle client losing its connection is reported here; without a listener Node would crash.
      pool.on('error', (err) => {
        this.#logger?.debug({ err }, 'Idle database connection failed');
      });
      this.#pool = pool;
      this.#poolsCreated += 1;
      this.#logger?.debug(
        { host: this.#config.host, port: this.#config.port, database: this.#config.database },
        'Created database pool',
      );
    }
    return this.#pool;
  }

  #failure(
    err: unknown,
    pool: pg.Pool,
    context: DatasourceErrorContext,
    signal: AbortSignal | undefined,
  ): unknown {
    if (signal?.aborted === true) return signal.reason;
    const error: LynqError = toPgDatasourceError(err, context);
    if (error.code === datasourceErrorCodes.authFailed && this.#pool === pool) {
      this.#pool = undefined;
      this.#logger?.info(
        { host: context.host, err: error },
        'Dropped database pool after auth failure',
      );
      void this.#endPool(pool);
    }
    return error;
  }

  async #endPool(pool: pg.Pool): Promise<void> {
    try {
      await pool.end();
    } catch (err) {
      this.#logger?.debug({ err }, 'Database pool ended with an error');
    }
  }
}
