// `lynq hub sql --trigger <hub.yaml>`: prints the SQL that makes the hub's database report row changes (SPEC H1b).

import { mysqlTriggerSql, postgresTriggerSql } from '../datasource/change-trigger-sql.js';
import { messageOf } from '../errors.js';
import { readHubFile, type HubFile } from './hub-file.js';

export const hubHelp = `usage: lynq hub sql --trigger <hub.yaml>

Prints the SQL to run once, as a user allowed to create triggers, so that the hub's table reports
its changes and spec.source.changeDetection.enabled can sync within seconds:
  PostgreSQL  a statement-level trigger that sends NOTIFY lynq_changes '<schema>.<table>'
  MySQL       a lynq_changes counter table and three row triggers that raise it
Nothing is sent to any database.
`;

/** The change-detection SQL of a parsed hub file. Throws `InvalidIdentifier` for names Lynq would not read. */
export const triggerSqlOf = (hub: HubFile): string =>
  hub.type === 'postgresql'
    ? postgresTriggerSql(hub.postgresql.schema, hub.postgresql.table)
    : mysqlTriggerSql(hub.mysql.table);

/** Runs `lynq hub`; resolves to the exit code (2 for usage errors, 1 for an unreadable hub). */
export const hubCommand = async (args: readonly string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(hubHelp);
    return 0;
  }
  const [sub, ...rest] = args;
  const files = rest.filter((a) => a !== '--trigger');
  const file = files[0];
  if (sub !== 'sql' || !rest.includes('--trigger') || file === undefined || files.length !== 1) {
    process.stderr.write(hubHelp);
    return 2;
  }
  try {
    process.stdout.write(triggerSqlOf(await readHubFile(file)));
    return 0;
  } catch (err) {
    process.stderr.write(`lynq hub sql: ${messageOf(err)}\n`);
    return 1;
  }
};
