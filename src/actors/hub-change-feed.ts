// Starts the change feed a hub's spec.source asks for: PostgreSQL LISTEN/NOTIFY or the MySQL change-counter probe (SPEC H1b).

import type { Logger } from 'pino';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { ChangeFeed, ChangeFeedSink } from '../datasource/change-feed.js';
import { startMysqlChangeProbe } from '../datasource/mysql-change-probe.js';
import { startPostgresChangeFeed } from '../datasource/postgres-change-feed.js';
import type { HubConnectionConfig } from '../datasource/hub-datasource-cache.js';
import {
  caOf,
  connectionConfigOf,
  passwordRefOf,
  rowQueryOf,
  type SecretKeyReader,
} from './hub-source.js';

export interface HubChangeFeedDeps {
  readonly readSecretKey: SecretKeyReader;
  readonly logger: Logger;
}

/**
 * A `startChangeFeed` for hub actors. The connection is resolved again at every (re)connect
 * (password and CA from their Secrets), so a rotated Secret is picked up without a restart.
 */
export const hubChangeFeedFactory =
  (deps: HubChangeFeedDeps) =>
  (hub: LynqHub, sink: ChangeFeedSink): ChangeFeed => {
    const logger = deps.logger.child({
      kind: 'LynqHub',
      namespace: hub.metadata.namespace,
      name: hub.metadata.name,
      component: 'change-feed',
    });
    const resolve = async (signal: AbortSignal): Promise<HubConnectionConfig> => {
      const ref = passwordRefOf(hub);
      const password =
        ref === undefined
          ? undefined
          : await deps.readSecretKey(hub.metadata.namespace ?? '', ref.name, ref.key, signal);
      return connectionConfigOf(hub, password, await caOf(hub, deps.readSecretKey, signal));
    };
    const query = rowQueryOf(hub);
    if (hub.spec.source.type === 'postgresql') {
      return startPostgresChangeFeed({
        config: async (signal) => {
          const config = await resolve(signal);
          if (config.type !== 'postgresql') throw new Error('not a PostgreSQL source');
          return config.postgresql;
        },
        schema: query.schema ?? 'public',
        table: query.table,
        sink,
        logger,
      });
    }
    return startMysqlChangeProbe({
      config: async (signal) => {
        const config = await resolve(signal);
        if (config.type !== 'mysql') throw new Error('not a MySQL source');
        return config.mysql;
      },
      table: query.table,
      intervalMillis: hub.spec.source.changeDetection.probeIntervalMillis,
      sink,
      logger,
    });
  };
