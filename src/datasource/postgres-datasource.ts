// The PostgreSQL datasource: one bounded pg pool, reused between reads, UTC sessions and per-client type parsers (SPEC H1–H3, H1b, H7).

import type pg from 'pg';
import { pgModule } from './pg-module.js';
import type { Logger } from 'pino';
import type { ColumnInfo } from './column-value.js';
import type { DatasourceErrorContext } from './datasource-error.js';
import { DatasourcePool, untilAborted, type PoolDriver } from './datasource-pool.js';
import type { Datasource, RowQuery, RowSet } from './datasource.js';
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

/**
 * A `Datasource` on one PostgreSQL connection config. The pool is created on the first read,
 * reused by every later read, and replaced after an authentication failure. Every identifier is
 * double-quoted, so `Tenants` and `tenants` are different tables, as PostgreSQL itself says.
 */
export class PostgresDatasource implements Datasource {
  readonly configHash: string;
  readonly #config: PostgresConnectionConfig;
  readonly #pool: DatasourcePool<pg.Pool>;

  constructor(config: PostgresConnectionConfig, options: PostgresDatasourceOptions = {}) {
    const limits = { ...defaultPostgresPoolLimits, ...options.limits };
    this.#config = config;
    this.configHash = postgresConfigHash(config, limits);
    const logger = options.logger;
    const driver: PoolDriver<pg.Pool> = {
      create: () => {
        const pool = new (pgModule().Pool)(postgresPoolOptions(config, limits));
        // An idle client losing its connection is reported here; without a listener Node would crash.
        pool.on('error', (err) => {
          logger?.debug({ err }, 'Idle database connection failed');
        });
        return pool;
      },
      end: (pool) => pool.end(),
      toError: toPgDatasourceError,
    };
    this.#pool = new DatasourcePool(
      driver,
      { host: config.host, port: config.port, database: config.database },
      logger,
    );
  }

  get poolsCreated(): number {
    return this.#pool.poolsCreated;
  }

  get closed(): boolean {
    return this.#pool.closed;
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
    const pool = this.#pool.current();
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
      throw this.#pool.failure(err, pool, context, signal);
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
      throw this.#pool.failure(err, pool, context, signal);
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
  close(): Promise<void> {
    return this.#pool.close();
  }
}
