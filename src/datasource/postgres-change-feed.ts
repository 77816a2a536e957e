// PostgreSQL change detection: one LISTEN connection per hub; a notification for the hub's table asks for a read, never replaces it (SPEC H1b).

import type pg from 'pg';
import { pgModule } from './pg-module.js';
import type { Logger } from 'pino';
import { messageOf } from '../errors.js';
import {
  changeFeedBackoffMillis,
  changeFeedModes,
  changeFeedReasons,
  pgChangeChannel,
  type ChangeFeed,
  type ChangeFeedSink,
} from './change-feed.js';
import { pgTriggerName } from './change-trigger-sql.js';
import {
  defaultPostgresPoolLimits,
  pgSessionOptions,
  postgresServerOptions,
  type PostgresConnectionConfig,
} from './postgres-connection-config.js';

export interface PostgresChangeFeedOptions {
  /** Resolved at every (re)connect, so a rotated password Secret is picked up. */
  readonly config: (signal: AbortSignal) => Promise<PostgresConnectionConfig>;
  readonly schema: string;
  readonly table: string;
  readonly sink: ChangeFeedSink;
  readonly logger?: Logger;
  /** How often the trigger's presence is checked again while connected. Default 60 s. */
  readonly triggerCheckMillis?: number;
}

/** The `application_name` of listener connections (visible in `pg_stat_activity`). */
export const pgListenerApplicationName = 'lynq-changes';

const triggerExistsSql = `SELECT 1 FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2 AND t.tgname = $3 AND t.tgenabled <> 'D'`;

/**
 * Starts listening for `NOTIFY lynq_changes` with the payload `<schema>.<table>`. Guarantees:
 * every such notification calls `sink.changed()` (the hub coalesces); a (re)connect calls it
 * once too, since changes made while disconnected were not heard; the mode is reported as Push
 * only while connected, listening and with the trigger installed; a lost connection reports
 * Polling (`ConnectionLost`) at once and reconnects with backoff (1 s doubling to 30 s). The
 * payload is only compared, never parsed or trusted. Never throws.
 */
export const startPostgresChangeFeed = (options: PostgresChangeFeedOptions): ChangeFeed => {
  const { sink, logger } = options;
  const stopping = new AbortController();
  // A function, not a property read: it changes across awaits, which flow analysis cannot see.
  const stopped = (): boolean => stopping.signal.aborted;
  const expected = `${options.schema}.${options.table}`;
  let client: pg.Client | undefined;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let triggerTimer: NodeJS.Timeout | undefined;

  const checkTrigger = async (c: pg.Client): Promise<void> => {
    const found = await c.query(triggerExistsSql, [options.schema, options.table, pgTriggerName]);
    if (stopped() || client !== c) return;
    sink.state(
      (found.rowCount ?? 0) > 0
        ? {
            mode: changeFeedModes.push,
            reason: changeFeedReasons.listening,
            message: `Listening on ${pgChangeChannel} for changes of ${expected}; the poll is the backstop`,
          }
        : {
            mode: changeFeedModes.polling,
            reason: changeFeedReasons.triggerMissing,
            message: `Trigger ${pgTriggerName} is missing on ${expected}: changes are found by the poll only. Install it with the SQL of 'lynq hub sql --trigger'`,
          },
    );
  };

  const lost = (c: pg.Client, err: unknown): void => {
    if (client !== c) return;
    client = undefined;
    clearInterval(triggerTimer);
    c.removeAllListeners('notification');
    void c.end().catch(() => undefined);
    if (stopped()) return;
    failures += 1;
    const delay = changeFeedBackoffMillis(failures);
    logger?.warn({ err, retryInMs: delay }, 'Change listener connection lost; polling meanwhile');
    sink.state({
      mode: changeFeedModes.polling,
      reason: changeFeedReasons.connectionLost,
      message: `The change listener lost its connection (${messageOf(err)}); the poll finds changes meanwhile; reconnecting in ${String(Math.round(delay / 1000))} s`,
    });
    retry = setTimeout(() => void connect(), delay);
  };

  const connect = async (): Promise<void> => {
    if (stopped()) return;
    let config: PostgresConnectionConfig;
    try {
      config = await options.config(stopping.signal);
    } catch (err) {
      if (stopped()) return;
      // The config itself failed (a Secret): retry like a lost connection.
      failures += 1;
      sink.state({
        mode: changeFeedModes.polling,
        reason: changeFeedReasons.connectionLost,
        message: `The change listener cannot connect (${messageOf(err)}); the poll finds changes meanwhile`,
      });
      retry = setTimeout(() => void connect(), changeFeedBackoffMillis(failures));
      return;
    }
    const current = new (pgModule().Client)({
      ...postgresServerOptions(config),
      connectionTimeoutMillis: defaultPostgresPoolLimits.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: pgListenerApplicationName,
      options: pgSessionOptions(defaultPostgresPoolLimits),
    });
    client = current;
    current.on('error', (err) => {
      lost(current, err);
    });
    current.on('end', () => {
      lost(current, new Error('connection ended'));
    });
    current.on('notification', (msg) => {
      if (msg.channel === pgChangeChannel && msg.payload === expected) sink.changed();
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${pgChangeChannel}`);
      if (stopped() || client !== current) return;
      failures = 0;
      await checkTrigger(current);
      // Whatever changed while nobody listened is found by one read now.
      sink.changed();
      triggerTimer = setInterval(() => {
        checkTrigger(current).catch((err: unknown) => {
          lost(current, err);
        });
      }, options.triggerCheckMillis ?? 60_000);
    } catch (err) {
      lost(current, err);
    }
  };

  sink.state({
    mode: changeFeedModes.polling,
    reason: changeFeedReasons.connecting,
    message: `Connecting the change listener for ${expected}`,
  });
  void connect();

  return {
    stop: async () => {
      stopping.abort();
      clearTimeout(retry);
      clearInterval(triggerTimer);
      const c = client;
      client = undefined;
      if (c !== undefined) {
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
      }
    },
  };
};
