// Unit tests for converting driver failures into LynqErrors with stable Datasource* codes (H7).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LynqError } from '../errors.js';
import { isQueryFailure, toDatasourceError } from './datasource-error.js';

const context = { host: 'db', port: 3306, database: 'app', table: 'tenants' };

const driverError = (code: string, message: string, errno?: number): Error =>
  Object.assign(new Error(message), {
    code,
    ...(errno === undefined ? {} : { errno, sqlState: '42S02' }),
  });

describe('toDatasourceError (H7)', () => {
  const cases: [string, string][] = [
    ['ECONNREFUSED', 'DatasourceUnreachable'],
    ['ETIMEDOUT', 'DatasourceUnreachable'],
    ['EHOSTUNREACH', 'DatasourceUnreachable'],
    ['ENOTFOUND', 'DatasourceUnreachable'],
    ['PROTOCOL_CONNECTION_LOST', 'DatasourceUnreachable'],
    ['ER_ACCESS_DENIED_ERROR', 'DatasourceAuthFailed'],
    ['ER_BAD_DB_ERROR', 'DatasourceDatabaseMissing'],
    ['ER_NO_SUCH_TABLE', 'DatasourceTableMissing'],
    ['ER_BAD_FIELD_ERROR', 'DatasourceColumnMissing'],
    ['ER_TABLEACCESS_DENIED_ERROR', 'DatasourcePermissionDenied'],
    ['ER_COLUMNACCESS_DENIED_ERROR', 'DatasourcePermissionDenied'],
    ['ER_DBACCESS_DENIED_ERROR', 'DatasourcePermissionDenied'],
    ['PROTOCOL_SEQUENCE_TIMEOUT', 'DatasourceTimeout'],
    ['ER_STATEMENT_TIMEOUT', 'DatasourceTimeout'],
    ['HANDSHAKE_NO_SSL_SUPPORT', 'DatasourceTlsFailed'],
    ['ER_SOMETHING_NEW', 'DatasourceFailed'],
  ];
  for (const [driverCode, code] of cases) {
    it(`H7 maps ${driverCode} to ${code}, transient, with the server's message`, () => {
      const err = toDatasourceError(
        driverError(driverCode, `server says ${driverCode}`, 1146),
        context,
      );
      assert.equal(err.code, code);
      assert.equal(err.kind, 'Transient');
      assert.equal(err.message, `server says ${driverCode}`);
      assert.equal(err.details['driverCode'], driverCode);
      assert.equal(err.details['errno'], 1146);
      assert.equal(err.details['table'], 'tenants');
      assert.ok(err.cause instanceof Error);
    });
  }

  it('H7 reads the message of a dual-stack refusal (AggregateError with no message)', () => {
    const err = Object.assign(
      new AggregateError(
        [new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')],
        '',
      ),
      { code: 'ECONNREFUSED' },
    );
    const converted = toDatasourceError(err, context);
    assert.equal(converted.code, 'DatasourceUnreachable');
    assert.equal(converted.message, 'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1');
  });

  it('returns a LynqError unchanged and wraps non-errors', () => {
    const own = new LynqError('x', { kind: 'InvalidSpec', code: 'InvalidIdentifier' });
    assert.equal(toDatasourceError(own, context), own);
    assert.equal(toDatasourceError('boom', context).code, 'DatasourceFailed');
  });
});

describe('isQueryFailure (H7)', () => {
  it('H7 a missing database, table or column, or a denied privilege, is a query the server refused', () => {
    for (const code of [
      'DatasourceDatabaseMissing',
      'DatasourceTableMissing',
      'DatasourceColumnMissing',
      'DatasourcePermissionDenied',
    ]) {
      assert.equal(isQueryFailure(code), true, code);
    }
  });

  it('H7 no answer, a failed login or TLS, and errors that are not the datasource are not', () => {
    for (const code of [
      'DatasourceUnreachable',
      'DatasourceAuthFailed',
      'DatasourceTimeout',
      'DatasourceTlsFailed',
      'DatasourceClosed',
      'DatasourceFailed',
      'PasswordSecretUnavailable',
      'KubernetesUnreachable',
    ]) {
      assert.equal(isQueryFailure(code), false, code);
    }
  });
});
