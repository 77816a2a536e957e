// `lynq hub sql --trigger`: the change-detection SQL for each datasource, from a hub file (SPEC H1b).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitStatements } from '../datasource/change-trigger-sql.js';
import { hubFromDocument } from './hub-file.js';
import { triggerSqlOf } from './hub.command.js';

const hub = (source: Record<string, unknown>) =>
  hubFromDocument({
    kind: 'LynqHub',
    metadata: { name: 'tenants' },
    spec: { source, valueMappings: { uid: 'id', activate: 'active' } },
  });

describe('lynq hub sql --trigger', () => {
  it('H1b PostgreSQL: a quoted, schema-qualified statement-level NOTIFY trigger, in three statements', () => {
    const sql = triggerSqlOf(
      hub({
        type: 'postgresql',
        postgresql: { host: 'db', username: 'u', database: 'app', schema: 'Crm', table: 'Tenants' },
      }),
    );
    assert.match(sql, /CREATE OR REPLACE FUNCTION "Crm"\."lynq_notify_change"\(\)/);
    assert.match(sql, /pg_notify\('lynq_changes', TG_TABLE_SCHEMA \|\| '\.' \|\| TG_TABLE_NAME\)/);
    assert.match(sql, /AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Crm"\."Tenants"/);
    assert.match(sql, /FOR EACH STATEMENT/);
    assert.equal(splitStatements(sql).length, 3);
  });

  it('H1b MySQL: a counter table, its row, and three row triggers, each its own statement', () => {
    const statements = splitStatements(
      triggerSqlOf(
        hub({
          type: 'mysql',
          mysql: { host: 'db', username: 'u', database: 'app', table: 'tenants' },
        }),
      ),
    );
    assert.equal(statements.length, 8);
    assert.match(statements[0] ?? '', /^CREATE TABLE IF NOT EXISTS `lynq_changes`/);
    assert.match(statements[1] ?? '', /INSERT IGNORE INTO `lynq_changes`.*'tenants'/);
    for (const [i, verb] of [
      [3, 'INSERT'],
      [5, 'UPDATE'],
      [7, 'DELETE'],
    ] as const) {
      assert.match(statements[i] ?? '', new RegExp(`AFTER ${verb} ON \`tenants\``));
    }
  });

  it('H1 refuses a table name Lynq would not read, instead of printing SQL around it', () => {
    assert.throws(
      () =>
        triggerSqlOf(
          hub({
            type: 'postgresql',
            postgresql: {
              host: 'db',
              username: 'u',
              database: 'app',
              table: 'x"; DROP TABLE y; --',
            },
          }),
        ),
      { code: 'InvalidIdentifier' },
    );
  });
});
