// Converting pg and network failures into the same LynqErrors with Datasource* codes as MySQL's (SPEC H7).

import { LynqError, transientError } from '../errors.js';
import {
  datasourceCodeOf,
  toDatasourceError,
  type DatasourceErrorContext,
} from './datasource-error.js';
import { datasourceErrorCodes, type DatasourceErrorCode } from './datasource.js';

/** SQLSTATE → our code (PostgreSQL Appendix A). Class 08 and 57P0x are handled below. */
const sqlStateTable: Readonly<Record<string, DatasourceErrorCode>> = {
  '28P01': datasourceErrorCodes.authFailed, // invalid_password
  '28000': datasourceErrorCodes.authFailed, // invalid_authorization_specification (pg_hba, no role)
  '3D000': datasourceErrorCodes.databaseMissing, // invalid_catalog_name
  '3F000': datasourceErrorCodes.tableMissing, // invalid_schema_name: the table's schema is gone
  '42P01': datasourceErrorCodes.tableMissing, // undefined_table
  '42703': datasourceErrorCodes.columnMissing, // undefined_column
  '42501': datasourceErrorCodes.permissionDenied, // insufficient_privilege
  '57014': datasourceErrorCodes.timeout, // query_canceled (statement_timeout)
  '55P03': datasourceErrorCodes.timeout, // lock_not_available
  '53300': datasourceErrorCodes.unreachable, // too_many_connections
  '57P01': datasourceErrorCodes.unreachable, // admin_shutdown
  '57P02': datasourceErrorCodes.unreachable, // crash_shutdown
  '57P03': datasourceErrorCodes.unreachable, // cannot_connect_now (starting up)
};

/*
 * pg reports some failures only in words (no code): a dropped connection, its own timeouts, a
 * server without TLS. Matched on pg 8's fixed messages; anything unmatched stays DatasourceFailed.
 */
const messageTable: readonly (readonly [RegExp, DatasourceErrorCode])[] = [
  [
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i,
    datasourceErrorCodes.unreachable,
  ],
  [/Query read timeout/i, datasourceErrorCodes.timeout],
  [
    /does not support SSL|self[- ]signed certificate|unable to verify|certificate/i,
    datasourceErrorCodes.tlsFailed,
  ],
  [/Client was closed|Cannot use a pool after calling end/i, datasourceErrorCodes.closed],
];

const field = (err: object, key: string): string | undefined => {
  const value: unknown = (err as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
};

/** Our code for anything pg throws; `DatasourceFailed` when nothing says more. */
export const pgDatasourceCodeOf = (err: object): DatasourceErrorCode => {
  const code = field(err, 'code');
  if (code !== undefined) {
    const bySqlState = sqlStateTable[code];
    if (bySqlState !== undefined) return bySqlState;
    if (/^08[0-9A-Z]{3}$/.test(code)) return datasourceErrorCodes.unreachable;
    const byDriver = datasourceCodeOf(code);
    if (byDriver !== datasourceErrorCodes.failed) return byDriver;
  }
  const message = field(err, 'message') ?? '';
  return (
    messageTable.find(([pattern]) => pattern.test(message))?.[1] ?? datasourceErrorCodes.failed
  );
};

/**
 * Converts anything thrown by pg (or the network under it) into a transient `LynqError` with a
 * `Datasource*` code, the server's message, and `details` with the SQLSTATE (as `sqlState`) and
 * `context`. A `LynqError` is returned unchanged. Never throws.
 */
export const toPgDatasourceError = (err: unknown, context: DatasourceErrorContext): LynqError => {
  if (err instanceof LynqError) return err;
  if (err === null || typeof err !== 'object') return toDatasourceError(err, context);
  const base = toDatasourceError(err, context);
  const code = pgDatasourceCodeOf(err);
  const sqlState = field(err, 'code');
  const details: Record<string, unknown> = { ...base.details };
  if (sqlState !== undefined && /^[0-9A-Z]{5}$/.test(sqlState)) details['sqlState'] = sqlState;
  return transientError(code, base.message, err, details);
};
