// How a hub's MySQL connection settings become mysql2 pool options, and the hash that tells when they changed.

import { createHash } from 'node:crypto';
import type { ConnectionOptions, PoolOptions, SslOptions } from 'mysql2';
import { canonicalJson } from '../api/canonical-json.js';
import type { TlsMode } from '../api/lynq-hub.schema.js';

/**
 * Where and as whom to connect. Built by the hub from `spec.source.mysql` and its Secrets.
 * `password` absent = connect without a password (the hub has no `passwordRef`). The hub never
 * passes an empty password for a missing Secret or key: that is an error condition on the hub
 * (SPEC §1), and the datasource is not called at all.
 */
export interface MysqlConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** Absent = `disabled`. `ca` is PEM text; without it the system's CAs verify the server. */
  readonly tls?: { readonly mode: TlsMode; readonly ca?: string };
}

/** Bounds of one datasource's pool and of each read. */
export interface MysqlPoolLimits {
  /** Connections at most; a hub reads serially, so one is used and a second covers overlap. */
  readonly connectionLimit: number;
  /** Connect (TCP + TLS + auth) and pool-acquire timeout. */
  readonly connectTimeoutMs: number;
  /** Inactivity timeout of the SELECT; the connection is destroyed when it fires. */
  readonly queryTimeoutMs: number;
  /** An idle connection is closed after this; longer than usual sync intervals, so it is reused. */
  readonly idleTimeoutMs: number;
}

export const defaultMysqlPoolLimits: MysqlPoolLimits = {
  connectionLimit: 2,
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
};

/** mysql2's `ssl` option for a TLS mode; undefined for `disabled`. */
export const sslOptionsFor = (tls: MysqlConnectionConfig['tls']): SslOptions | undefined => {
  if (tls === undefined) return undefined;
  const ca = tls.ca === undefined ? {} : { ca: tls.ca };
  switch (tls.mode) {
    case 'disabled':
      return undefined;
    case 'required':
      // Encrypted, server not verified (MySQL's REQUIRED): protects against sniffing only.
      return { ...ca, rejectUnauthorized: false, verifyIdentity: false };
    case 'verify-ca':
      return { ...ca, rejectUnauthorized: true, verifyIdentity: false };
    case 'verify-full':
      return { ...ca, rejectUnauthorized: true, verifyIdentity: true };
  }
};

/** Where and as whom to connect, with the TLS the config asks for: shared by the pool and the change probe. */
export const mysqlServerOptions = (config: MysqlConnectionConfig): ConnectionOptions => {
  const ssl = sslOptionsFor(config.tls);
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    database: config.database,
    ...(ssl === undefined ? {} : { ssl }),
  };
};

/**
 * The mysql2 pool options Lynq always uses. Guarantees the value shapes `toVariableValue`
 * expects (text protocol, `dateStrings`, exact big integers, JSON as text parsed by us, DECIMAL as
 * text), one statement per query, and no session reset on release (which would undo the session
 * `time_zone`).
 */
export const mysqlPoolOptions = (
  config: MysqlConnectionConfig,
  limits: MysqlPoolLimits,
): PoolOptions => ({
  ...mysqlServerOptions(config),
  connectionLimit: limits.connectionLimit,
  maxIdle: limits.connectionLimit,
  idleTimeout: limits.idleTimeoutMs,
  connectTimeout: limits.connectTimeoutMs,
  waitForConnections: true,
  queueLimit: 0,
  enableKeepAlive: true,
  keepAliveInitialDelay: 30_000,
  resetOnRelease: false,
  multipleStatements: false,
  supportBigNumbers: true,
  bigNumberStrings: false,
  decimalNumbers: false,
  dateStrings: true,
  jsonStrings: true,
  timezone: 'Z',
});

/**
 * sha256 of the connection config and limits (password and CA included, so a changed Secret
 * gives a new hash). Only the hash is kept for comparisons, never logged with the inputs.
 */
export const mysqlConfigHash = (config: MysqlConnectionConfig, limits: MysqlPoolLimits): string =>
  createHash('sha256').update(canonicalJson({ config, limits })).digest('hex');
