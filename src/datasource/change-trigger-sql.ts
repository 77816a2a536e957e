// The SQL a user runs once so the database reports row changes of a hub's table (SPEC H1b): a NOTIFY trigger (PostgreSQL) or a change counter (MySQL).

import { createHash } from 'node:crypto';
import { mysqlChangeTable, pgChangeChannel } from './change-feed.js';
import { checkIdentifier, mysqlDialect, postgresDialect } from './row-query-plan.js';

const pgId = postgresDialect.quoteId;
const myId = mysqlDialect.quoteId;

/** The trigger's name on the hub's table (PostgreSQL: per table; MySQL: per table and event). */
export const pgTriggerName = 'lynq_notify_change';
export const pgTriggerFunction = 'lynq_notify_change';

/** `lynq_<table>_<event>`, or a hashed name when the table's name is too long for MySQL's 64. */
export const mysqlTriggerName = (table: string, event: 'ai' | 'au' | 'ad'): string => {
  const plain = `lynq_${table}_${event}`;
  if (plain.length <= 64) return plain;
  return `lynq_${createHash('sha256').update(table).digest('hex').slice(0, 16)}_${event}`;
};

const sqlText = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * PostgreSQL: a statement-level trigger that sends `NOTIFY lynq_changes, '<schema>.<table>'`
 * after INSERT, UPDATE, DELETE and TRUNCATE. Statement-level, so a bulk UPDATE of 100,000 rows
 * sends one notification, and PostgreSQL folds identical notifications of one transaction into
 * one. Delivered only at COMMIT, so a rolled-back change never wakes the hub. Throws
 * `InvalidIdentifier` for names Lynq would not read either.
 */
export const postgresTriggerSql = (schema: string, table: string): string => {
  checkIdentifier(schema, 'spec.source.postgresql.schema');
  checkIdentifier(table, 'spec.source.postgresql.table');
  const fn = `${pgId(schema)}.${pgId(pgTriggerFunction)}`;
  return `-- Lynq change detection for ${schema}.${table}: NOTIFY ${pgChangeChannel} after every change.
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $lynq$
BEGIN
  PERFORM pg_notify(${sqlText(pgChangeChannel)}, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
  RETURN NULL;
END
$lynq$;
DROP TRIGGER IF EXISTS ${pgId(pgTriggerName)} ON ${pgId(schema)}.${pgId(table)};
CREATE TRIGGER ${pgId(pgTriggerName)}
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${pgId(schema)}.${pgId(table)}
  FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();
`;
};

/**
 * MySQL/MariaDB: a one-row-per-table counter in `lynq_changes`, raised by AFTER INSERT, UPDATE
 * and DELETE triggers (MySQL has only row-level triggers). The hub reads that one row by primary
 * key every `probeIntervalMillis`, which costs the same on 10 rows as on 10 million. Throws
 * `InvalidIdentifier` for names Lynq would not read either.
 */
export const mysqlTriggerSql = (table: string): string => {
  checkIdentifier(table, 'spec.source.mysql.table');
  const counter = myId(mysqlChangeTable);
  const bump = `UPDATE ${counter} SET version = version + 1 WHERE table_name = ${sqlText(table)}`;
  const trigger = (event: 'ai' | 'au' | 'ad', verb: string): string =>
    `DROP TRIGGER IF EXISTS ${myId(mysqlTriggerName(table, event))};
CREATE TRIGGER ${myId(mysqlTriggerName(table, event))} AFTER ${verb} ON ${myId(table)}
  FOR EACH ROW ${bump};`;
  return `-- Lynq change detection for ${table}: a change counter the hub probes cheaply.
CREATE TABLE IF NOT EXISTS ${counter} (
  table_name VARCHAR(64) NOT NULL PRIMARY KEY,
  version BIGINT UNSIGNED NOT NULL DEFAULT 0
);
INSERT IGNORE INTO ${counter} (table_name, version) VALUES (${sqlText(table)}, 0);
${trigger('ai', 'INSERT')}
${trigger('au', 'UPDATE')}
${trigger('ad', 'DELETE')}
`;
};

/** The statements of a script, for drivers that run one statement per call (split on `;` at line ends, outside `$lynq$` bodies). */
export const splitStatements = (script: string): string[] => {
  const out: string[] = [];
  let current = '';
  let inBody = false;
  for (const line of script.split('\n')) {
    if (line.startsWith('--') && current === '') continue;
    current += `${line}\n`;
    if ((line.match(/\$lynq\$/g)?.length ?? 0) % 2 === 1) inBody = !inBody;
    if (!inBody && line.trimEnd().endsWith(';')) {
      out.push(current.trim().replace(/;$/, ''));
      current = '';
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
};
