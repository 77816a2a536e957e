// The MySQL/MariaDB datasource: one bounded mysql2 pool, reused between reads, with UTC sessions (SPEC H1–H3, H7).

import { createPool, type FieldPacket, type Pool, type PoolConnection } from 'mysql2';
import type { Logger } from 'pino';
import type { ColumnInfo } from './column-value.js';
import { toDatasourceError, type DatasourceErrorContext } from './datasource-error.js';
import { DatasourcePool, untilAborted, type PoolDriver } from './datasource-pool.js';
import type { Datasource, RowQuery, RowSet } from './datasource.js';
import {
  defaultMysqlPoolLimits,
  mysqlConfigHash,
  mysqlPoolOptions,
  type MysqlConnectionConfig,
  type MysqlPoolLimits,
} from './mysql-connection-config.js';
import { buildRowSet } from './row-builder.js';
import { planRowQuery } from './row-query-plan.js';

export interface MysqlDatasourceOptions {
  readonly limits?: Partial<MysqlPoolLimits>;
  readonly logger?: Logger;
}

/*
 * TIMESTAMP values are converted to the session time zone by the server, so every connection is
 * put in UTC before its first SELECT; the server's global zone and the process TZ never matter.
 */
const utcSessionSql = "SET time_zone = '+00:00'";

/** An error the server reported for one statement (it has an SQL state and is not fatal). */
const isStatementError = (err: unknown): boolean =>
  err !== null &&
  typeof err === 'object' &&
  typeof (err as { sqlState?: unknown }).sqlState === 'string' &&
  (err as { fatal?: unknown }).fatal !== true;

/** Connections whose session is already in UTC (keyed by mysql2's connection object). */
type Initialised = WeakSet<PoolConnection>;

const columnInfoOf = (field: FieldPacket): ColumnInfo => ({
  name: field.name,
  columnType: field.columnType ?? field.type ?? -1,
  columnLength: field.columnLength ?? field.length ?? 0,
  extendedFormat: field.extendedFormat,
});

interface QueryResult {
  readonly records: readonly (readonly unknown[])[];
  readonly fields: readonly FieldPacket[];
}

/** One query on one connection (positional rows), with the driver's inactivity timeout. */
const runQuery = (
  connection: PoolConnection,
  sql: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ result: unknown; fields: readonly FieldPacket[] }> =>
  untilAborted(
    new Promise<{ result: unknown; fields: readonly FieldPacket[] }>((resolve, reject) => {
      connection.query({ sql, rowsAsArray: true, timeout: timeoutMs }, (err, result, fields) => {
        if (err !== null) reject(err);
        else resolve({ result, fields: Array.isArray(fields) ? fields : [] });
      });
    }),
    signal,
    () => {
      connection.destroy();
    },
  );

/** Runs a SELECT; rejects when the driver did not return one result set of positional rows. */
const runSelect = async (
  connection: PoolConnection,
  sql: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<QueryResult> => {
  const { result, fields } = await runQuery(connection, sql, timeoutMs, signal);
  if (!Array.isArray(result) || !result.every((r: unknown) => Array.isArray(r))) {
    throw new Error('mysql2 returned no result set for a SELECT');
  }
  return { records: result as unknown[][], fields };
};

/** A pool connection within `timeoutMs` (connect, or wait for a free one), or a timeout error. */
const acquire = (
  pool: Pool,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<PoolConnection> => {
  let gaveUp = false;
  let timer: NodeJS.Timeout | undefined;
  const acquiring = new Promise<PoolConnection>((resolve, reject) => {
    timer = setTimeout(() => {
      gaveUp = true;
      reject(
        Object.assign(new Error(`no connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      );
    }, timeoutMs);
    pool.getConnection((err, connection) => {
      clearTimeout(timer);
      if (gaveUp) {
        // Too late for this read; the connection goes back to the pool for the next one.
        if (err === null) connection.release();
        return;
      }
      if (err !== null) reject(err);
      else resolve(connection);
    });
  });
  return untilAborted(acquiring, signal, () => {
    gaveUp = true;
    clearTimeout(timer);
  });
};

/**
 * A `Datasource` on one MySQL/MariaDB connection config. The pool is created on the first read,
 * reused by every later read, and replaced after an authentication failure (so a fixed password
 * or user gets fresh connections). Build one per config; `MysqlDatasourceCache` does that per hub.
 */
export class MysqlDatasource implements Datasource {
  /** Identifies the config and limits this datasource was built for. */
  readonly configHash: string;
  readonly #config: MysqlConnectionConfig;
  readonly #limits: MysqlPoolLimits;
  readonly #pool: DatasourcePool<Pool>;
  #initialised: Initialised = new WeakSet();

  constructor(config: MysqlConnectionConfig, options: MysqlDatasourceOptions = {}) {
    this.#config = config;
    this.#limits = { ...defaultMysqlPoolLimits, ...options.limits };
    this.configHash = mysqlConfigHash(config, this.#limits);
    const driver: PoolDriver<Pool> = {
      create: () => {
        this.#initialised = new WeakSet();
        return createPool(mysqlPoolOptions(config, this.#limits));
      },
      end: (pool) =>
        new Promise<void>((resolve, reject) => {
          pool.end((err) => {
            if (err === null) resolve();
            else reject(err);
          });
        }),
      toError: toDatasourceError,
    };
    this.#pool = new DatasourcePool(
      driver,
      { host: config.host, port: config.port, database: config.database },
      options.logger,
    );
  }

  /** How many pools this datasource has created (1 after the first read; more after auth failures). */
  get poolsCreated(): number {
    return this.#pool.poolsCreated;
  }

  get closed(): boolean {
    return this.#pool.closed;
  }

  /**
   * Reads every row of `query.table` (SPEC H1–H3). Throws `LynqError`: `InvalidIdentifier` /
   * `InvalidMapping` before touching the database; a `Datasource*` code (transient) for any
   * database failure, with the server's message; `DatasourceClosed` after `close()`. On abort
   * the connection in use is destroyed and the promise rejects with `signal.reason`.
   */
  async readRows(query: RowQuery, signal?: AbortSignal): Promise<RowSet> {
    const plan = planRowQuery(query);
    const context: DatasourceErrorContext = {
      host: this.#config.host,
      port: this.#config.port,
      database: this.#config.database,
      table: query.table,
    };
    const pool = this.#pool.current();
    let connection: PoolConnection;
    try {
      connection = await acquire(pool, this.#limits.connectTimeoutMs, signal);
    } catch (err) {
      throw this.#pool.failure(err, pool, context, signal);
    }
    let result: QueryResult;
    try {
      if (!this.#initialised.has(connection)) {
        await runQuery(connection, utcSessionSql, this.#limits.queryTimeoutMs, signal);
        this.#initialised.add(connection);
      }
      result = await runSelect(connection, plan.sql, this.#limits.queryTimeoutMs, signal);
    } catch (err) {
      // After a timeout, an abort or a connection error the protocol state is unknown: never
      // hand that connection to the next read. A plain SQL error leaves it healthy.
      if (signal?.aborted === true || !isStatementError(err)) connection.destroy();
      else connection.release();
      throw this.#pool.failure(err, pool, context, signal);
    }
    connection.release();
    try {
      return buildRowSet(plan, result.fields.map(columnInfoOf), result.records);
    } catch (err) {
      throw toDatasourceError(err, context);
    }
  }

  /** Ends the pool (waiting for its connections to quit). Idempotent; never throws. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
