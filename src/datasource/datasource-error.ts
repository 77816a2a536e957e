// Converting mysql2 and network failures into LynqErrors with stable Datasource* codes (SPEC H7).

import { LynqError, transientError } from '../errors.js';
import { datasourceErrorCodes, type DatasourceErrorCode } from './datasource.js';

/** Driver/server error code → our code. Anything not listed is `DatasourceFailed`. */
const codeTable: Readonly<Record<string, DatasourceErrorCode>> = {
  ECONNREFUSED: datasourceErrorCodes.unreachable,
  ETIMEDOUT: datasourceErrorCodes.unreachable,
  EHOSTUNREACH: datasourceErrorCodes.unreachable,
  ENETUNREACH: datasourceErrorCodes.unreachable,
  ENOTFOUND: datasourceErrorCodes.unreachable,
  EAI_AGAIN: datasourceErrorCodes.unreachable,
  ECONNRESET: datasourceErrorCodes.unreachable,
  EPIPE: datasourceErrorCodes.unreachable,
  PROTOCOL_CONNECTION_LOST: datasourceErrorCodes.unreachable,
  ER_CON_COUNT_ERROR: datasourceErrorCodes.unreachable,
  ER_SERVER_SHUTDOWN: datasourceErrorCodes.unreachable,
  ER_HOST_IS_BLOCKED: datasourceErrorCodes.unreachable,
  ER_ACCESS_DENIED_ERROR: datasourceErrorCodes.authFailed,
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: datasourceErrorCodes.authFailed,
  ER_NOT_SUPPORTED_AUTH_MODE: datasourceErrorCodes.authFailed,
  ER_MUST_CHANGE_PASSWORD_LOGIN: datasourceErrorCodes.authFailed,
  ER_ACCOUNT_HAS_BEEN_LOCKED: datasourceErrorCodes.authFailed,
  ER_HOST_NOT_PRIVILEGED: datasourceErrorCodes.authFailed,
  ER_BAD_DB_ERROR: datasourceErrorCodes.databaseMissing,
  ER_NO_SUCH_TABLE: datasourceErrorCodes.tableMissing,
  ER_BAD_FIELD_ERROR: datasourceErrorCodes.columnMissing,
  ER_DBACCESS_DENIED_ERROR: datasourceErrorCodes.permissionDenied,
  ER_TABLEACCESS_DENIED_ERROR: datasourceErrorCodes.permissionDenied,
  ER_COLUMNACCESS_DENIED_ERROR: datasourceErrorCodes.permissionDenied,
  ER_SPECIFIC_ACCESS_DENIED_ERROR: datasourceErrorCodes.permissionDenied,
  PROTOCOL_SEQUENCE_TIMEOUT: datasourceErrorCodes.timeout,
  ER_QUERY_TIMEOUT: datasourceErrorCodes.timeout,
  ER_STATEMENT_TIMEOUT: datasourceErrorCodes.timeout,
  ER_LOCK_WAIT_TIMEOUT: datasourceErrorCodes.timeout,
  HANDSHAKE_NO_SSL_SUPPORT: datasourceErrorCodes.tlsFailed,
  HANDSHAKE_SSL_ERROR: datasourceErrorCodes.tlsFailed,
  ERR_TLS_CERT_ALTNAME_INVALID: datasourceErrorCodes.tlsFailed,
  DEPTH_ZERO_SELF_SIGNED_CERT: datasourceErrorCodes.tlsFailed,
  SELF_SIGNED_CERT_IN_CHAIN: datasourceErrorCodes.tlsFailed,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: datasourceErrorCodes.tlsFailed,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: datasourceErrorCodes.tlsFailed,
  CERT_HAS_EXPIRED: datasourceErrorCodes.tlsFailed,
  ERR_SSL_WRONG_VERSION_NUMBER: datasourceErrorCodes.tlsFailed,
};

/**
 * Codes of a read the server answered and refused: the connection and login worked, the query
 * did not (a missing database, table or column, or no privilege on them). The datasource is
 * reachable; its rows were not read (SPEC H7, O2).
 */
const queryFailureCodes: ReadonlySet<string> = new Set<DatasourceErrorCode>([
  datasourceErrorCodes.databaseMissing,
  datasourceErrorCodes.tableMissing,
  datasourceErrorCodes.columnMissing,
  datasourceErrorCodes.permissionDenied,
]);

/** Whether `code` says the server answered and refused the query (see `queryFailureCodes`). */
export const isQueryFailure = (code: string): boolean => queryFailureCodes.has(code);

/** Where the failing read went, for the error's details (never the password). */
export interface DatasourceErrorContext {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly table?: string;
}

const stringField = (value: object, key: string): string | undefined => {
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
};

const numberField = (value: object, key: string): number | undefined => {
  const field: unknown = (value as Record<string, unknown>)[key];
  return typeof field === 'number' ? field : undefined;
};

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
const messageFor = (err: object, code: string | undefined): string => {
  const own = stringField(err, 'message') ?? '';
  if (own !== '') return own;
  if (err instanceof AggregateError) {
    const inner = err.errors
      .map((e: unknown) =>
        e !== null && typeof e === 'object' ? (stringField(e, 'message') ?? '') : '',
      )
      .filter((m) => m !== '');
    if (inner.length > 0) return inner.join('; ');
  }
  return code ?? 'unknown database error';
};

/** The stable code for a driver error code; `DatasourceFailed` for anything unknown. */
export const datasourceCodeOf = (driverCode: string | undefined): DatasourceErrorCode =>
  (driverCode === undefined ? undefined : codeTable[driverCode]) ?? datasourceErrorCodes.failed;

/**
 * Converts anything thrown by mysql2 (or the network under it) into a transient `LynqError`
 * whose `code` is one of `datasourceErrorCodes`, whose message is the server's (or the
 * system's) message, and whose `details` carry the driver code, errno, SQL state and
 * `context`. A `LynqError` is returned unchanged. Every datasource failure is transient: the
 * hub fails closed and retries (SPEC H7). Never throws.
 */
export const toDatasourceError = (err: unknown, context: DatasourceErrorContext): LynqError => {
  if (err instanceof LynqError) return err;
  if (err === null || typeof err !== 'object') {
    return transientError(datasourceErrorCodes.failed, String(err), err, { ...context });
  }
  const driverCode = stringField(err, 'code');
  const code = datasourceCodeOf(driverCode);
  const details: Record<string, unknown> = { ...context };
  if (driverCode !== undefined) details['driverCode'] = driverCode;
  const errno = numberField(err, 'errno');
  if (errno !== undefined) details['errno'] = errno;
  const sqlState = stringField(err, 'sqlState');
  if (sqlState !== undefined) details['sqlState'] = sqlState;
  return transientError(code, messageFor(err, driverCode), err, details);
};
