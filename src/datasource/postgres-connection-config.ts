// How a hub's PostgreSQL connection settings become pg pool options, and the hash that tells when they changed.

import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import type { ClientConfig, PoolConfig } from 'pg';
import { canonicalJson } from '../api/canonical-json.js';
import type { PostgresSslMode } from '../api/lynq-hub.schema.js';
import { lynqPgTypes } from './postgres-value.js';

/**
 * Where and as whom to connect, built from `spec.source.postgresql` and its Secrets. `password`
 * absent = none (no `passwordRef`); a missing Secret never becomes an empty password (SPEC §1).
 */
export interface PostgresConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  readonly sslMode: PostgresSslMode;
  /** PEM text; without it the system's CAs verify the server (verify-ca, verify-full). */
  readonly ca?: string;
}

/** Bounds of one datasource's pool and of each read (the same meaning as MySQL's). */
export interface PostgresPoolLimits {
  readonly connectionLimit: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

export const defaultPostgresPoolLimits: PostgresPoolLimits = {
  connectionLimit: 2,
  connectTimeoutMs: 10_000,
  queryTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
};

/** node's TLS options for an sslmode; false for `disable`. */
export const pgSslOptionsFor = (
  mode: PostgresSslMode,
  ca: string | undefined,
): false | ConnectionOptions => {
  const withCa = ca === undefined ? {} : { ca };
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      // Encrypted, server not verified (libpq's `require`): protects against sniffing only.
      return { ...withCa, rejectUnauthorized: false };
    case 'verify-ca':
      return { ...withCa, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...withCa, rejectUnauthorized: true };
  }
};

/**
 * Session settings every connection starts with: UTC, so timestamptz text needs no zone
 * arithmetic (H3), and a server-side statement timeout, so a stuck SELECT is cancelled by the
 * server rather than left running after we give up.
 */
export const pgSessionOptions = (limits: PostgresPoolLimits): string =>
  `-c TimeZone=UTC -c statement_timeout=${String(limits.queryTimeoutMs)}`;

/** Where and as whom to connect, with the TLS the config asks for: shared by the pool and the change listener. */
export const postgresServerOptions = (config: PostgresConnectionConfig): ClientConfig => ({
  host: config.host,
  port: config.port,
  user: config.user,
  ...(config.password === undefined ? {} : { password: config.password }),
  database: config.database,
  ssl: pgSslOptionsFor(config.sslMode, config.ca),
});

/**
 * The pg pool options Lynq always uses. Guarantees the value shapes `pgTextParserFor` expects:
 * text results, typed by this pool's own parsers (pg's global parser table is never touched, so
 * nothing else in the process is affected), UTC sessions.
 */
export const postgresPoolOptions = (
  config: PostgresConnectionConfig,
  limits: PostgresPoolLimits,
  applicationName = 'lynq',
): PoolConfig => ({
  ...postgresServerOptions(config),
  max: limits.connectionLimit,
  idleTimeoutMillis: limits.idleTimeoutMs,
  connectionTimeoutMillis: limits.connectTimeoutMs,
  query_timeout: limits.queryTimeoutMs + 5_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 30_000,
  application_name: applicationName,
  options: pgSessionOptions(limits),
  types: lynqPgTypes,
});

/** sha256 of the config and limits (password and CA included): a changed Secret gives a new hash. */
export const postgresConfigHash = (
  config: PostgresConnectionConfig,
  limits: PostgresPoolLimits,
): string =>
  createHash('sha256')
    .update(canonicalJson({ postgresql: config, limits }))
    .digest('hex');
