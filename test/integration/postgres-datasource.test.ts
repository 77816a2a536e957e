// The PostgreSQL datasource against the real server: H2 activation, H3 typing, H7 error classes (the same codes as MySQL's), quoting, pooling and abort.

// Set before any date is touched in this process: H3 must not depend on the process time zone.
process.env['TZ'] = 'Asia/Kolkata';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { RowQuery, RowSet } from '../../src/datasource/datasource.js';
import type { PostgresConnectionConfig } from '../../src/datasource/postgres-connection-config.js';
import { PostgresDatasource } from '../../src/datasource/postgres-datasource.js';
import { LynqError } from '../../src/errors.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/free-port.js';
import { createMatrixDatabase, type MatrixDatabase } from '../harness/matrix-database.js';
import { testEnv } from '../harness/test-env.js';

/** The harness server as a connection config (the URL's user and database, no TLS). */
const serverConfig = async (
  patch: Partial<PostgresConnectionConfig> = {},
): Promise<PostgresConnectionConfig> => {
  const url = new URL((await testEnv()).postgresUrl);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname,
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username) || 'postgres',
    ...(password === '' ? {} : { password }),
    database: url.pathname.slice(1) || 'postgres',
    sslMode: 'disable',
    ...patch,
  };
};

const datasources: PostgresDatasource[] = [];
/** A datasource closed after the file's tests, whatever happens. */
const datasource = (
  config: PostgresConnectionConfig,
  queryTimeoutMs?: number,
): PostgresDatasource => {
  const ds = new PostgresDatasource(
    config,
    queryTimeoutMs === undefined ? {} : { limits: { queryTimeoutMs } },
  );
  datasources.push(ds);
  return ds;
};

after(async () => {
  await Promise.all(datasources.map((ds) => ds.close()));
});

/** Asserts that `promise` rejects with a LynqError of `code`; returns it. */
const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<LynqError> => {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LynqError, `expected a LynqError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
};

/** A schema of its own with `tenants(id, active, region)` and three rows. */
const tenantsSchema = async (label: string): Promise<MatrixDatabase> => {
  const db = await createMatrixDatabase('postgresql', label);
  await db.exec('CREATE TABLE tenants (id VARCHAR(80) PRIMARY KEY, active TEXT, region TEXT)');
  await db.exec(
    "INSERT INTO tenants VALUES ('a', '1', 'eu'), ('b', '0', 'us'), ('c', 'yes', NULL)",
  );
  return db;
};

const tenantsQuery = (
  db: MatrixDatabase,
  extra: Record<string, string> = {},
  table = 'tenants',
): RowQuery => ({
  table,
  schema: db.name,
  columns: { uid: 'id', activate: 'active', extra },
});

const byUid = (set: RowSet): Map<string, RowSet['rows'][number]> =>
  new Map(set.rows.map((row) => [row.uid, row]));

/** A login role of this test's own, dropped with everything granted to it by the returned function. */
const createRole = async (
  db: MatrixDatabase,
): Promise<{ role: string; drop: () => Promise<void> }> => {
  const role = `lynq_ds_${randomBytes(5).toString('hex')}`;
  await db.exec(`CREATE ROLE "${role}" LOGIN`);
  await db.exec(`GRANT USAGE ON SCHEMA "${db.name}" TO "${role}"`);
  return {
    role,
    drop: async () => {
      await db.exec(`DROP OWNED BY "${role}"`);
      await db.exec(`DROP ROLE IF EXISTS "${role}"`);
    },
  };
};

describe('PostgreSQL datasource (real server)', () => {
  it('H3 types come through exactly with the process TZ and the inserting session not in UTC', async () => {
    assert.notEqual(new Date(0).getTimezoneOffset(), 0, 'the process TZ is not UTC');
    const db = await createMatrixDatabase('postgresql', 'pg-types');
    try {
      // The inserting session is at -07:00 (Phoenix keeps no DST): the timestamptz below is the
      // instant 10:04:05Z.
      await db.exec("SET TimeZone = 'America/Phoenix'");
      await db.exec(`CREATE TABLE typed (
        id BIGINT PRIMARY KEY,
        active BOOLEAN,
        big BIGINT,
        small SMALLINT,
        n INTEGER,
        price NUMERIC(30,9),
        ratio DOUBLE PRECISION,
        ts TIMESTAMP(3),
        tstz TIMESTAMPTZ,
        d DATE,
        doc JSON,
        docb JSONB,
        tags TEXT[],
        counts BIGINT[],
        flag BIT(1),
        id2 UUID,
        nothing VARCHAR(10),
        tmpl TEXT,
        url VARCHAR(100)
      )`);
      await db.exec(
        `INSERT INTO typed VALUES (9223372036854775807, TRUE, 9007199254740993, -7, -42,
          12345678901234567890.000000001, 0.25, '2024-01-02 03:04:05.678',
          '2024-01-02 03:04:05', '2024-02-29',
          '{"b":[1,2,{"z":null}],"a":"x","big":12345678901234567890}',
          '{"b":[1,2,{"z":null}],"a":"x","big":12345678901234567890}',
          ARRAY['a b', NULL, 'c"d'], ARRAY[1, 99999999999999999]::BIGINT[], B'1',
          '0e9c7c3e-0000-4000-8000-000000000000', NULL, '{{ uid }} {% raw %}',
          'https://t1.example.com:8443/app')`,
      );
      await db.exec('RESET TimeZone');
      // Reports the session's time zone as the datasource's connection sees it.
      await db.exec(
        "CREATE VIEW typed_view AS SELECT typed.*, current_setting('TimeZone') AS zone FROM typed",
      );
      const extra = Object.fromEntries(
        [
          'big',
          'small',
          'n',
          'price',
          'ratio',
          'ts',
          'tstz',
          'd',
          'doc',
          'docb',
          'tags',
          'counts',
          'flag',
          'id2',
          'nothing',
          'tmpl',
          'zone',
        ].map((c) => [c, c]),
      );
      const set = await datasource(await serverConfig()).readRows({
        table: 'typed_view',
        schema: db.name,
        columns: { uid: 'id', activate: 'active', hostOrUrl: 'url', extra },
      });

      assert.equal(set.total, 1);
      const [row] = set.rows;
      assert.ok(row);
      assert.equal(row.uid, '9223372036854775807');
      assert.equal(row.active, true);
      const doc = { a: 'x', b: [1, 2, { z: null }], big: '12345678901234567890' };
      assert.deepEqual(row.variables, {
        uid: '9223372036854775807',
        activate: true,
        hostOrUrl: 'https://t1.example.com:8443/app',
        host: 't1.example.com',
        big: '9007199254740993',
        small: -7,
        n: -42,
        price: '12345678901234567890.000000001',
        ratio: '0.25',
        ts: '2024-01-02T03:04:05.678Z',
        tstz: '2024-01-02T10:04:05Z',
        d: '2024-02-29T00:00:00Z',
        doc,
        docb: doc,
        tags: ['a b', '', 'c"d'],
        counts: [1, '99999999999999999'],
        flag: true,
        id2: '0e9c7c3e-0000-4000-8000-000000000000',
        nothing: '',
        tmpl: '{{ uid }} {% raw %}',
        zone: 'UTC',
      });
      // json keeps the server's key order and jsonb sorts them; canonical JSON makes them equal.
      assert.match(row.canonical, /"doc":\{"a":"x","b":\[1,2,\{"z":null\}\],"big":"1234/);
      assert.match(row.canonical, /"docb":\{"a":"x","b":\[1,2,\{"z":null\}\],"big":"1234/);
    } finally {
      await db.drop();
    }
  });

  it('H2 activates exactly 1/true/TRUE/True/yes/YES/Yes, numeric 1, boolean true, BIT(1) 1; NULL and the rest are inactive', async () => {
    const db = await createMatrixDatabase('postgresql', 'pg-activate');
    try {
      await db.exec('CREATE TABLE flags (id TEXT, t TEXT, b BOOLEAN, n SMALLINT, bit BIT(1))');
      await db.exec(`INSERT INTO flags VALUES
        ('1', '1', TRUE, 1, B'1'), ('2', 'true', FALSE, 0, B'0'), ('3', 'TRUE', NULL, NULL, NULL),
        ('4', 'True', TRUE, 2, B'1'), ('5', 'yes', TRUE, 1, B'1'), ('6', 'YES', TRUE, 1, B'1'),
        ('7', 'Yes', TRUE, 1, B'1'), ('8', 'y', TRUE, 1, B'1'), ('9', 'on', TRUE, 1, B'1'),
        ('10', NULL, TRUE, 1, B'1'), ('11', ' 1', TRUE, 1, B'1'), ('12', 'false', TRUE, 1, B'1')`);
      const ds = datasource(await serverConfig());
      const activeBy = async (column: string): Promise<string> => {
        const set = await ds.readRows({
          table: 'flags',
          schema: db.name,
          columns: { uid: 'id', activate: column, extra: {} },
        });
        return set.rows
          .filter((r) => r.active)
          .map((r) => r.uid)
          .sort((a, b) => Number(a) - Number(b))
          .join(',');
      };
      assert.equal(await activeBy('t'), '1,2,3,4,5,6,7');
      assert.equal(await activeBy('b'), '1,4,5,6,7,8,9,10,11,12');
      assert.equal(await activeBy('n'), '1,5,6,7,8,9,10,11,12');
      assert.equal(await activeBy('bit'), '1,4,5,6,7,8,9,10,11,12');
    } finally {
      await db.drop();
    }
  });

  it('H1 selects only the mapped columns (a role granted only those columns can read), and quotes identifiers exactly', async () => {
    const db = await tenantsSchema('pg-columns');
    const { role, drop } = await createRole(db);
    try {
      await db.exec(`GRANT SELECT (id, active) ON "${db.name}".tenants TO "${role}"`);
      const set = await datasource(await serverConfig({ user: role })).readRows(tenantsQuery(db));
      assert.equal(set.total, 3);
      assert.deepEqual(byUid(set).get('c')?.variables, { uid: 'c', activate: 'yes' });
      await rejectsWith(
        datasource(await serverConfig({ user: role })).readRows(
          tenantsQuery(db, { region: 'region' }),
        ),
        'DatasourcePermissionDenied',
      );

      // Quoted, so `Tenants` is another table than `tenants`, as PostgreSQL itself says.
      await db.exec('CREATE TABLE "Tenants" (id TEXT, active INT)');
      await db.exec('INSERT INTO "Tenants" VALUES (\'upper\', 1)');
      const upper = await datasource(await serverConfig()).readRows(
        tenantsQuery(db, {}, 'Tenants'),
      );
      assert.deepEqual(
        upper.rows.map((r) => r.uid),
        ['upper'],
      );
    } finally {
      await drop();
      await db.drop();
    }
  });

  it('H1 rejects identifiers with quotes or injection attempts before any SQL runs', async () => {
    const db = await tenantsSchema('pg-injection');
    try {
      const ds = datasource(await serverConfig());
      const attempts: RowQuery[] = [
        tenantsQuery(db, {}, 'tenants"; DROP TABLE tenants; --'),
        tenantsQuery(db, {}, 'pg_catalog.pg_authid'),
        { ...tenantsQuery(db), schema: 'x"; DROP SCHEMA public; --' },
        {
          table: 'tenants',
          schema: db.name,
          columns: { uid: 'id", "region', activate: 'active', extra: {} },
        },
      ];
      for (const query of attempts) await rejectsWith(ds.readRows(query), 'InvalidIdentifier');
      assert.equal(ds.poolsCreated, 0);
      const [count] = await db.query('SELECT COUNT(*)::int AS n FROM tenants');
      assert.equal(count?.['n'], 3);
    } finally {
      await db.drop();
    }
  });

  it('H1 reuses one pooled connection between reads', async () => {
    const db = await tenantsSchema('pg-pool');
    try {
      const ds = datasource(await serverConfig());
      const pids = new Set<number>();
      await db.exec('CREATE VIEW whoami AS SELECT pg_backend_pid()::text AS id, 1 AS active');
      for (let i = 0; i < 5; i += 1) {
        const set = await ds.readRows(tenantsQuery(db, {}, 'whoami'));
        pids.add(Number(set.rows[0]?.uid));
      }
      assert.equal(pids.size, 1, 'one server session served every read');
      assert.equal(ds.poolsCreated, 1);
    } finally {
      await db.drop();
    }
  });

  it('H7 a uid mapped to a missing column → DatasourceColumnMissing with the server message', async () => {
    const db = await tenantsSchema('pg-column');
    try {
      const err = await rejectsWith(
        datasource(await serverConfig()).readRows({
          table: 'tenants',
          schema: db.name,
          columns: { uid: 'nope', activate: 'active', extra: {} },
        }),
        'DatasourceColumnMissing',
      );
      assert.match(err.message, /column "nope" does not exist/);
      assert.equal(err.details['sqlState'], '42703');
    } finally {
      await db.drop();
    }
  });

  it('H7 a missing table or schema → DatasourceTableMissing; a missing database → DatasourceDatabaseMissing', async () => {
    const db = await tenantsSchema('pg-table');
    try {
      const ds = datasource(await serverConfig());
      const err = await rejectsWith(
        ds.readRows(tenantsQuery(db, {}, 'no_such_table')),
        'DatasourceTableMissing',
      );
      assert.match(err.message, /no_such_table/);
      await rejectsWith(
        ds.readRows({ ...tenantsQuery(db), schema: 'no_such_schema' }),
        'DatasourceTableMissing',
      );
      const gone = datasource(await serverConfig({ database: `${db.name}_absent` }));
      await rejectsWith(gone.readRows(tenantsQuery(db)), 'DatasourceDatabaseMissing');
    } finally {
      await db.drop();
    }
  });

  it('H7 a closed port → DatasourceUnreachable', async () => {
    const port = await freePort();
    const ds = datasource(await serverConfig({ host: '127.0.0.1', port }));
    const err = await rejectsWith(
      ds.readRows({
        table: 't',
        schema: 'public',
        columns: { uid: 'id', activate: 'a', extra: {} },
      }),
      'DatasourceUnreachable',
    );
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.details['port'], port);
  });

  it('H7 a role the server refuses → DatasourceAuthFailed, and the pool is rebuilt so a fix is picked up', async () => {
    // The harness server trusts 127.0.0.1 and never asks for a password, so a wrong password
    // cannot be produced here: a role without LOGIN and an unknown role are refused in the same
    // SQLSTATE class (28), which is what the datasource classifies.
    const db = await tenantsSchema('pg-auth');
    const { role, drop } = await createRole(db);
    try {
      await db.exec(`GRANT SELECT ON "${db.name}".tenants TO "${role}"`);
      await db.exec(`ALTER ROLE "${role}" NOLOGIN`);
      const ds = datasource(await serverConfig({ user: role }));
      const refused = await rejectsWith(ds.readRows(tenantsQuery(db)), 'DatasourceAuthFailed');
      assert.match(refused.message, /not permitted to log in/);
      assert.equal(refused.details['sqlState'], '28000');
      await db.exec(`ALTER ROLE "${role}" LOGIN`);
      assert.equal((await ds.readRows(tenantsQuery(db))).total, 3);
      assert.equal(ds.poolsCreated, 2, 'a new pool after the auth failure');

      const unknown = datasource(await serverConfig({ user: `${role}_absent` }));
      await rejectsWith(unknown.readRows(tenantsQuery(db)), 'DatasourceAuthFailed');
    } finally {
      await drop();
      await db.drop();
    }
  });

  it('H7 a revoked table grant → DatasourcePermissionDenied on the open session', async () => {
    const db = await tenantsSchema('pg-revoke');
    const { role, drop } = await createRole(db);
    try {
      await db.exec(`GRANT SELECT ON "${db.name}".tenants TO "${role}"`);
      const ds = datasource(await serverConfig({ user: role }));
      assert.equal((await ds.readRows(tenantsQuery(db))).total, 3);
      await db.exec(`REVOKE SELECT ON "${db.name}".tenants FROM "${role}"`);
      const err = await rejectsWith(ds.readRows(tenantsQuery(db)), 'DatasourcePermissionDenied');
      assert.equal(err.details['sqlState'], '42501');
      assert.equal(ds.poolsCreated, 1, 'a refused query keeps the pool');
    } finally {
      await drop();
      await db.drop();
    }
  });

  it('H7 a query slower than the query timeout → DatasourceTimeout (statement_timeout on the server)', async () => {
    const db = await tenantsSchema('pg-timeout');
    try {
      await db.exec(
        'CREATE VIEW slow AS SELECT id, active, pg_sleep(3)::text AS nap FROM tenants LIMIT 1',
      );
      const ds = datasource(await serverConfig(), 300);
      const err = await rejectsWith(
        ds.readRows(tenantsQuery(db, { nap: 'nap' }, 'slow')),
        'DatasourceTimeout',
      );
      assert.equal(err.details['sqlState'], '57014');
      // The server cancelled the statement; the session is healthy and the next read works.
      assert.equal((await ds.readRows(tenantsQuery(db))).total, 3);
    } finally {
      await db.drop();
    }
  });

  it('an aborted read rejects with the abort reason and leaves the datasource usable', async () => {
    const db = await tenantsSchema('pg-abort');
    try {
      await db.exec(
        'CREATE VIEW slow AS SELECT id, active, pg_sleep(3)::text AS nap FROM tenants LIMIT 1',
      );
      const ds = datasource(await serverConfig());
      const controller = new AbortController();
      const reason = new Error('hub stopped');
      const reading = ds.readRows(tenantsQuery(db, { nap: 'nap' }, 'slow'), controller.signal);
      // Abort while the SELECT runs on the server, not before it was sent.
      await eventually('the slow SELECT runs', async () => {
        const rows = await db.query(
          "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lynq' AND query LIKE ?",
          [`%"${db.name}"."slow"%`],
        );
        return Number(rows[0]?.['n']) > 0;
      });
      controller.abort(reason);
      await assert.rejects(reading, (err: unknown) => err === reason);
      assert.equal((await ds.readRows(tenantsQuery(db))).total, 3);
      await assert.rejects(
        ds.readRows(tenantsQuery(db), AbortSignal.abort(reason)),
        (err: unknown) => err === reason,
      );
    } finally {
      await db.drop();
    }
  });
});
