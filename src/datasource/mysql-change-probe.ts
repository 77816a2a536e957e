// MySQL/MariaDB change detection: a trigger-maintained change counter read by primary key every few hundred ms (SPEC H1b).

import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import { messageOf } from '../errors.js';
import {
  changeFeedBackoffMillis,
  changeFeedModes,
  changeFeedReasons,
  mysqlChangeTable,
  type ChangeFeed,
  type ChangeFeedSink,
} from './change-feed.js';
import { mysqlTriggerName } from './change-trigger-sql.js';
import { mysqlServerOptions, type MysqlConnectionConfig } from './mysql-connection-config.js';
import { mysqlDialect } from './row-query-plan.js';

export interface MysqlChangeProbeOptions {
  /** Resolved at every (re)connect, so a rotated password Secret is picked up. */
  readonly config: (signal: AbortSignal) => Promise<MysqlConnectionConfig>;
  readonly table: string;
  readonly intervalMillis: number;
  readonly sink: ChangeFeedSink;
  readonly logger?: Logger;
}

const probeSql = `SELECT version FROM ${mysqlDialect.quoteId(mysqlChangeTable)} WHERE table_name = ?`;
const triggersSql = `SELECT COUNT(*) AS n FROM information_schema.triggers
  WHERE event_object_schema = DATABASE() AND event_object_table = ? AND trigger_name IN (?, ?, ?)`;

/**
 * Probes the change counter of `table` every `intervalMillis` (one primary-key lookup on a
 * one-row-per-table table). Guarantees: a new counter value calls `sink.changed()`; a
 * (re)connect calls it once too (changes while disconnected were not seen); Push is reported
 * only while connected with all three triggers and the counter row present, Polling
 * (`TriggerMissing`, `ConnectionLost`) otherwise; a lost connection reconnects with backoff
 * (1 s doubling to 30 s). Never throws.
 */
export const startMysqlChangeProbe = (options: MysqlChangeProbeOptions): ChangeFeed => {
  const { sink, logger, table } = options;
  const stopping = new AbortController();
  // A function, not a property read: it changes across awaits, which flow analysis cannot see.
  const stopped = (): boolean => stopping.signal.aborted;
  let connection: Connection | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let last: string | undefined;
  let pushing = false;
  const isPushing = (): boolean => pushing;
  let reportedMissing = false;

  const schedule = (delay: number, run: () => Promise<void>): void => {
    if (stopped()) return;
    timer = setTimeout(() => void run(), delay);
  };

  const installed = async (c: Connection): Promise<boolean> => {
    const [rows] = await c.query<RowDataPacket[]>(triggersSql, [
      table,
      mysqlTriggerName(table, 'ai'),
      mysqlTriggerName(table, 'au'),
      mysqlTriggerName(table, 'ad'),
    ]);
    return Number(rows[0]?.['n'] ?? 0) === 3;
  };

  /** Reads the counter; reports Push when it and the triggers are there, TriggerMissing otherwise. */
  const readCounter = async (c: Connection): Promise<void> => {
    let version: string | undefined;
    try {
      const [rows] = await c.query<RowDataPacket[]>(probeSql, [table]);
      const value: unknown = rows[0]?.['version'];
      version =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
          ? String(value)
          : undefined;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ER_NO_SUCH_TABLE') throw err;
    }
    if (version !== undefined && last !== undefined && version !== last) sink.changed();
    last = version;
    const ok = version !== undefined && (pushing || (await installed(c)));
    if (ok && !pushing) {
      sink.state({
        mode: changeFeedModes.push,
        reason: changeFeedReasons.probing,
        message: `Probing the change counter of ${table} every ${String(options.intervalMillis)} ms; the poll is the backstop`,
      });
    } else if (!ok && (pushing || !reportedMissing)) missing();
    pushing = ok;
  };

  const probe = async (): Promise<void> => {
    const c = connection;
    if (c === undefined || stopped()) return;
    try {
      await readCounter(c);
      // While the triggers are missing, look for them every 10 s, not at the probe's pace.
      schedule(isPushing() ? options.intervalMillis : 10_000, probe);
    } catch (err) {
      lost(err);
    }
  };

  const missing = (): void => {
    reportedMissing = true;
    sink.state({
      mode: changeFeedModes.polling,
      reason: changeFeedReasons.triggerMissing,
      message: `The change triggers or the ${mysqlChangeTable} row of ${table} are missing: changes are found by the poll only. Install them with the SQL of 'lynq hub sql --trigger'`,
    });
  };

  const lost = (err: unknown): void => {
    const c = connection;
    connection = undefined;
    pushing = false;
    c?.destroy();
    if (stopped()) return;
    failures += 1;
    const delay = changeFeedBackoffMillis(failures);
    logger?.warn({ err, retryInMs: delay }, 'Change probe connection lost; polling meanwhile');
    sink.state({
      mode: changeFeedModes.polling,
      reason: changeFeedReasons.connectionLost,
      message: `The change probe lost its connection (${messageOf(err)}); the poll finds changes meanwhile; reconnecting in ${String(Math.round(delay / 1000))} s`,
    });
    schedule(delay, connect);
  };

  const connect = async (): Promise<void> => {
    if (stopped()) return;
    try {
      const config = await options.config(stopping.signal);
      const c = await createConnection({
        ...mysqlServerOptions(config),
        connectTimeout: 10_000,
        enableKeepAlive: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      c.on('error', (err) => {
        if (connection === c) lost(err);
      });
      if (stopped()) {
        c.destroy();
        return;
      }
      connection = c;
      failures = 0;
      pushing = false;
      reportedMissing = false;
      last = undefined;
      await readCounter(c);
      // Whatever changed while nobody probed is found by one read now.
      sink.changed();
      schedule(isPushing() ? options.intervalMillis : 10_000, probe);
    } catch (err) {
      lost(err);
    }
  };

  sink.state({
    mode: changeFeedModes.polling,
    reason: changeFeedReasons.connecting,
    message: `Connecting the change probe for ${table}`,
  });
  void connect();

  return {
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      const c = connection;
      connection = undefined;
      await c?.end().catch(() => undefined);
    },
  };
};
