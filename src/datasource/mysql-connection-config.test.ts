// Unit tests for the mysql2 pool options, the TLS modes and the config hash (H1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultMysqlPoolLimits,
  mysqlConfigHash,
  mysqlPoolOptions,
  sslOptionsFor,
  type MysqlConnectionConfig,
} from './mysql-connection-config.js';

const config: MysqlConnectionConfig = {
  host: 'db',
  port: 3306,
  user: 'lynq',
  password: 'p1',
  database: 'app',
};

describe('mysqlPoolOptions', () => {
  it('H1 bounds the pool and keeps big numbers, dates and JSON exact', () => {
    const options = mysqlPoolOptions(config, defaultMysqlPoolLimits);
    assert.equal(options.connectionLimit, defaultMysqlPoolLimits.connectionLimit);
    assert.equal(options.connectTimeout, defaultMysqlPoolLimits.connectTimeoutMs);
    assert.equal(options.supportBigNumbers, true);
    assert.equal(options.bigNumberStrings, false);
    assert.equal(options.dateStrings, true);
    assert.equal(options.jsonStrings, true);
    assert.equal(options.resetOnRelease, false);
    assert.equal(options.multipleStatements, false);
    assert.equal(options.password, 'p1');
    assert.equal(options.ssl, undefined);
  });

  it('sends no password when none is configured', () => {
    const withoutPassword: MysqlConnectionConfig = {
      host: config.host,
      port: config.port,
      user: config.user,
      database: config.database,
    };
    assert.equal('password' in mysqlPoolOptions(withoutPassword, defaultMysqlPoolLimits), false);
  });
});

describe('sslOptionsFor', () => {
  it('maps each TLS mode', () => {
    assert.equal(sslOptionsFor(undefined), undefined);
    assert.equal(sslOptionsFor({ mode: 'disabled', ca: 'x' }), undefined);
    assert.deepEqual(sslOptionsFor({ mode: 'required' }), {
      rejectUnauthorized: false,
      verifyIdentity: false,
    });
    assert.deepEqual(sslOptionsFor({ mode: 'verify-ca', ca: 'PEM' }), {
      ca: 'PEM',
      rejectUnauthorized: true,
      verifyIdentity: false,
    });
    assert.deepEqual(sslOptionsFor({ mode: 'verify-full', ca: 'PEM' }), {
      ca: 'PEM',
      rejectUnauthorized: true,
      verifyIdentity: true,
    });
  });
});

describe('mysqlConfigHash', () => {
  it('H1 changes when the password or CA changes and not otherwise', () => {
    const base = mysqlConfigHash(config, defaultMysqlPoolLimits);
    assert.equal(mysqlConfigHash({ ...config }, defaultMysqlPoolLimits), base);
    assert.notEqual(mysqlConfigHash({ ...config, password: 'p2' }, defaultMysqlPoolLimits), base);
    const tls = { ...config, tls: { mode: 'verify-ca' as const, ca: 'A' } };
    assert.notEqual(
      mysqlConfigHash(tls, defaultMysqlPoolLimits),
      mysqlConfigHash({ ...tls, tls: { mode: 'verify-ca', ca: 'B' } }, defaultMysqlPoolLimits),
    );
    assert.doesNotMatch(base, /p1/);
  });
});
