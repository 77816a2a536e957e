// One MySQL datasource per hub, kept while its connection config is unchanged and replaced when it changes (SPEC H1).

import type { Logger } from 'pino';
import { mysqlConfigHash, defaultMysqlPoolLimits } from './mysql-connection-config.js';
import type { MysqlConnectionConfig, MysqlPoolLimits } from './mysql-connection-config.js';
import { MysqlDatasource } from './mysql-datasource.js';

export interface MysqlDatasourceCacheOptions {
  readonly limits?: Partial<MysqlPoolLimits>;
  readonly logger?: Logger;
}

/**
 * Datasources keyed by owner (a hub's `namespace/name`). Built once by the composition root and
 * shared by the hub actors; `close()` on shutdown.
 */
export class MysqlDatasourceCache {
  readonly #limits: MysqlPoolLimits;
  readonly #logger: Logger | undefined;
  readonly #byOwner = new Map<string, MysqlDatasource>();

  constructor(options: MysqlDatasourceCacheOptions = {}) {
    this.#limits = { ...defaultMysqlPoolLimits, ...options.limits };
    this.#logger = options.logger;
  }

  /**
   * The datasource for `owner` with `config`. Guarantees: the same object (and pool) as long as
   * the config (password and CA included) hashes the same; on any change, the previous
   * datasource of that owner is closed before the new one is returned. Never throws (the
   * config is only checked by the first read).
   */
  async datasourceFor(owner: string, config: MysqlConnectionConfig): Promise<MysqlDatasource> {
    const hash = mysqlConfigHash(config, this.#limits);
    const current = this.#byOwner.get(owner);
    if (current !== undefined && current.configHash === hash && !current.closed) return current;
    const next = new MysqlDatasource(config, {
      limits: this.#limits,
      ...(this.#logger === undefined ? {} : { logger: this.#logger }),
    });
    this.#byOwner.set(owner, next);
    if (current !== undefined) {
      this.#logger?.info({ owner }, 'Replacing database pool: connection settings changed');
      await current.close();
    }
    return next;
  }

  /** Closes and forgets the datasource of `owner` (a deleted hub). Never throws. */
  async release(owner: string): Promise<void> {
    const current = this.#byOwner.get(owner);
    this.#byOwner.delete(owner);
    await current?.close();
  }

  /** Closes every datasource. Never throws. */
  async close(): Promise<void> {
    const all = [...this.#byOwner.values()];
    this.#byOwner.clear();
    await Promise.all(all.map((d) => d.close()));
  }
}
