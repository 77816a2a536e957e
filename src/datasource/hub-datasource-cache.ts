// One datasource per hub, of the hub's type (MySQL or PostgreSQL), kept while its connection config is unchanged (SPEC H1, H1b).

import type { Logger } from 'pino';
import type { Datasource } from './datasource.js';
import { defaultMysqlPoolLimits, mysqlConfigHash } from './mysql-connection-config.js';
import type { MysqlConnectionConfig } from './mysql-connection-config.js';
import { MysqlDatasource } from './mysql-datasource.js';
import { defaultPostgresPoolLimits, postgresConfigHash } from './postgres-connection-config.js';
import type { PostgresConnectionConfig } from './postgres-connection-config.js';
import { PostgresDatasource } from './postgres-datasource.js';

/** A hub's connection, tagged with its `spec.source.type`. */
export type HubConnectionConfig =
  | { readonly type: 'mysql'; readonly mysql: MysqlConnectionConfig }
  | { readonly type: 'postgresql'; readonly postgresql: PostgresConnectionConfig };

/** A datasource the cache can compare and close. */
export interface CachedDatasource extends Datasource {
  readonly configHash: string;
  readonly closed: boolean;
}

const hashOf = (config: HubConnectionConfig): string => {
  switch (config.type) {
    case 'mysql':
      return `mysql:${mysqlConfigHash(config.mysql, defaultMysqlPoolLimits)}`;
    case 'postgresql':
      return `postgresql:${postgresConfigHash(config.postgresql, defaultPostgresPoolLimits)}`;
  }
};

/** Builds the datasource of a connection config (one pool, created on its first read). */
export const openDatasource = (config: HubConnectionConfig, logger?: Logger): CachedDatasource => {
  const options = logger === undefined ? {} : { logger };
  switch (config.type) {
    case 'mysql':
      return new MysqlDatasource(config.mysql, options);
    case 'postgresql':
      return new PostgresDatasource(config.postgresql, options);
  }
};

/**
 * Datasources keyed by owner (a hub's `namespace/name`), built once by the composition root.
 * The same object (and pool) as long as the type and config (password and CA included) hash
 * the same; on any change the previous one is closed before the new one is returned.
 */
export class HubDatasourceCache {
  readonly #logger: Logger | undefined;
  readonly #byOwner = new Map<string, { hash: string; datasource: CachedDatasource }>();

  constructor(options: { readonly logger?: Logger } = {}) {
    this.#logger = options.logger;
  }

  /** The datasource for `owner` with `config`. Never throws (the config is checked by the first read). */
  async datasourceFor(owner: string, config: HubConnectionConfig): Promise<Datasource> {
    const hash = hashOf(config);
    const current = this.#byOwner.get(owner);
    if (current !== undefined && current.hash === hash && !current.datasource.closed) {
      return current.datasource;
    }
    const datasource = openDatasource(config, this.#logger);
    this.#byOwner.set(owner, { hash, datasource });
    if (current !== undefined) {
      this.#logger?.info({ owner }, 'Replacing database pool: connection settings changed');
      await current.datasource.close();
    }
    return datasource;
  }

  /** Closes and forgets the datasource of `owner` (a deleted hub). Never throws. */
  async release(owner: string): Promise<void> {
    const current = this.#byOwner.get(owner);
    this.#byOwner.delete(owner);
    await current?.datasource.close();
  }

  /** Closes every datasource. Never throws. */
  async close(): Promise<void> {
    const all = [...this.#byOwner.values()];
    this.#byOwner.clear();
    await Promise.all(all.map((d) => d.datasource.close()));
  }
}
