// The MySQL datasource against the real MariaDB: selected columns, pooling, H2 activation, H3 typing, H7 errors.

// Set before any date is touched in this process: H3 must not depend on the process time zone.
process.env['TZ'] = 'Asia/Kolkata';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import type { RowQuery, RowSet } from '../../src/datasource/datasource.js';
import type { MysqlConnectionConfig } from '../../src/datasource/mysql-connection-config.js';
import { MysqlDatasourceCache } from '../../src/datasource/mysql-datasource-cache.js';
import { MysqlDatasource } from '../../src/datasource/mysql-datasource.js';
import { LynqError } from '../../src/errors.js';
import { freePort } from '../harness/free-port.js';
import { createTestDatabase, testEnv, type TestDatabase } from '../harness/test-env.js';

/** The harness server as a connection config for `database` (root, as the harness URL says). */
const serverConfig = async (database: string): Promise<MysqlConnectionConfig> => {
  const url = new URL((await testEnv()).mysqlUrl);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    user: decodeURIComponent(url.username) || 'root',
    ...(password === '' ? {} : { password }),
    database,
  };
};

/** A MySQL user of this test's own, dropped by the returned function. */
const createUser = async (
  db: TestDatabase,
  password: string,
): Promise<{ user: string; drop: () => Promise<void> }> => {
  const user = `lynq_ds_${randomBytes(5).toString('hex')}`;
  await db.connection.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
  return {
    user,
    drop: async () => {
      await db.connection.query('DROP USER IF EXISTS ?@?', [user, '%']);
    },
  };
};

/** Server-side connection ids of `user` (the pool's connections). */
const connectionIds = async (admin: Connection, user: string): Promise<number[]> => {
  const [rows] = await admin.query(
    'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? ORDER BY ID',
    [user],
  );
  return (rows as { id: unknown }[]).map((r) => Number(r.id));
};

const eventually = async (
  what: string,
  check: () => Promise<boolean>,
  deadlineMillis = 60_000,
): Promise<void> => {
  const deadline = Date.now() + deadlineMillis;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${deadlineMillis} ms`);
    await sleep(100);
  }
};

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

const tenantsQuery = (extra: Record<string, string> = {}, table = 'tenants'): RowQuery => ({
  table,
  columns: { uid: 'id', activate: 'active', extra },
});

const byUid = (set: RowSet): Map<string, RowSet['rows'][number]> =>
  new Map(set.rows.map((row) => [row.uid, row]));

const datasources: MysqlDatasource[] = [];
/** A datasource closed after the file's tests, whatever happens. */
const datasource = (config: MysqlConnectionConfig, queryTimeoutMs?: number): MysqlDatasource => {
  const ds = new MysqlDatasource(
    config,
    queryTimeoutMs === undefined ? {} : { limits: { queryTimeoutMs } },
  );
  datasources.push(ds);
  return ds;
};

after(async () => {
  await Promise.all(datasources.map((ds) => ds.close()));
});

/** A database with `tenants(id, active, region, secret)` and three rows. */
const tenantsDatabase = async (label: string): Promise<TestDatabase> => {
  const db = await createTestDatabase(label);
  await db.connection.query(
    'CREATE TABLE tenants (id VARCHAR(80) PRIMARY KEY, active VARCHAR(10), region VARCHAR(20), secret VARCHAR(40))',
  );
  await db.connection.query(
    "INSERT INTO tenants VALUES ('a', '1', 'eu', 's1'), ('b', '0', 'us', 's2'), ('c', 'yes', NULL, 's3')",
  );
  return db;
};

describe('MySQL datasource (real MariaDB)', () => {
  it('H1 selects only the mapped columns (a user granted only those columns can read)', async () => {
    const db = await tenantsDatabase('ds-columns');
    const account = await createUser(db, 'pw-columns');
    try {
      await db.connection.query(
        `GRANT SELECT (id, active, region) ON ${db.connection.escapeId(db.name)}.tenants TO ?@?`,
        [account.user, '%'],
      );
      const config = {
        ...(await serverConfig(db.name)),
        user: account.user,
        password: 'pw-columns',
      };
      const ds = datasource(config);
      const set = await ds.readRows(tenantsQuery({ region: 'region' }));
      assert.equal(set.total, 3);
      assert.equal(set.active, 2);
      assert.deepEqual(byUid(set).get('a')?.variables, { uid: 'a', activate: '1', region: 'eu' });
      // The unmapped column `secret` is never selected: mapping it is what the grant refuses.
      await rejectsWith(ds.readRows(tenantsQuery({ s: 'secret' })), 'DatasourcePermissionDenied');
    } finally {
      await account.drop();
      await db.drop();
    }
  });

  it('H1 reuses one pooled connection between reads', async () => {
    const db = await tenantsDatabase('ds-pool');
    const account = await createUser(db, 'pw-pool');
    try {
      await db.connection.query(`GRANT SELECT ON ${db.connection.escapeId(db.name)}.* TO ?@?`, [
        account.user,
        '%',
      ]);
      const ds = datasource({
        ...(await serverConfig(db.name)),
        user: account.user,
        password: 'pw-pool',
      });
      await ds.readRows(tenantsQuery());
      const first = await connectionIds(db.connection, account.user);
      assert.equal(first.length, 1);
      for (let i = 0; i < 5; i += 1) await ds.readRows(tenantsQuery());
      assert.deepEqual(await connectionIds(db.connection, account.user), first);
      assert.equal(ds.poolsCreated, 1);
      await ds.close();
      await eventually(
        'the pool connection ends on close',
        async () => (await connectionIds(db.connection, account.user)).length === 0,
      );
    } finally {
      await account.drop();
      await db.drop();
    }
  });

  it('H1 rebuilds the pool when the password changes, and keeps it while it does not', async () => {
    const db = await tenantsDatabase('ds-password');
    const account = await createUser(db, 'pw-old');
    const cache = new MysqlDatasourceCache();
    try {
      await db.connection.query(`GRANT SELECT ON ${db.connection.escapeId(db.name)}.* TO ?@?`, [
        account.user,
        '%',
      ]);
      const base = { ...(await serverConfig(db.name)), user: account.user };
      const old = await cache.datasourceFor('ns/hub', { ...base, password: 'pw-old' });
      assert.equal((await old.readRows(tenantsQuery())).total, 3);
      assert.equal(await cache.datasourceFor('ns/hub', { ...base, password: 'pw-old' }), old);
      const [oldId] = await connectionIds(db.connection, account.user);

      await db.connection.query('ALTER USER ?@? IDENTIFIED BY ?', [account.user, '%', 'pw-new']);
      const next = await cache.datasourceFor('ns/hub', { ...base, password: 'pw-new' });
      assert.notEqual(next, old);
      assert.equal(old.closed, true);
      await rejectsWith(old.readRows(tenantsQuery()), 'DatasourceClosed');
      assert.equal((await next.readRows(tenantsQuery())).total, 3);
      await eventually('only the new pool connection remains', async () => {
        const ids = await connectionIds(db.connection, account.user);
        return ids.length === 1 && ids[0] !== oldId;
      });
    } finally {
      await cache.close();
      await account.drop();
      await db.drop();
    }
  });

  it('H7 wrong password → DatasourceAuthFailed, and the pool is rebuilt so a fix is picked up', async () => {
    const db = await tenantsDatabase('ds-auth');
    const account = await createUser(db, 'pw-right');
    try {
      await db.connection.query(`GRANT SELECT ON ${db.connection.escapeId(db.name)}.* TO ?@?`, [
        account.user,
        '%',
      ]);
      const ds = datasource({
        ...(await serverConfig(db.name)),
        user: account.user,
        password: 'pw-wrong',
      });
      const err = await rejectsWith(ds.readRows(tenantsQuery()), 'DatasourceAuthFailed');
      assert.match(err.message, /Access denied for user/);
      assert.equal(err.kind, 'Transient');
      assert.equal(ds.poolsCreated, 1);
      await rejectsWith(ds.readRows(tenantsQuery()), 'DatasourceAuthFailed');
      assert.equal(ds.poolsCreated, 2);
      // The account now accepts what the datasource sends: the next read succeeds.
      await db.connection.query('ALTER USER ?@? IDENTIFIED BY ?', [account.user, '%', 'pw-wrong']);
      assert.equal((await ds.readRows(tenantsQuery())).total, 3);
    } finally {
      await account.drop();
      await db.drop();
    }
  });

  it('H7 a table-level REVOKE is detected → DatasourcePermissionDenied', async () => {
    const db = await tenantsDatabase('ds-revoke');
    const account = await createUser(db, 'pw-revoke');
    const table = `${db.connection.escapeId(db.name)}.tenants`;
    try {
      await db.connection.query(`GRANT SELECT ON ${table} TO ?@?`, [account.user, '%']);
      const ds = datasource({
        ...(await serverConfig(db.name)),
        user: account.user,
        password: 'pw-revoke',
      });
      assert.equal((await ds.readRows(tenantsQuery())).total, 3);
      await db.connection.query(`REVOKE SELECT ON ${table} FROM ?@?`, [account.user, '%']);
      const err = await rejectsWith(ds.readRows(tenantsQuery()), 'DatasourcePermissionDenied');
      assert.match(err.message, /denied/i);
      assert.equal(err.details['driverCode'], 'ER_TABLEACCESS_DENIED_ERROR');
    } finally {
      await account.drop();
      await db.drop();
    }
  });

  it('H2 activates exactly 1/true/TRUE/True/yes/YES/Yes, numeric 1, BIT(1) 1; NULL and the rest are inactive', async () => {
    const db = await createTestDatabase('ds-activation');
    try {
      const c = db.connection;
      await c.query('CREATE TABLE texts (id VARCHAR(20), active VARCHAR(10))');
      const active = ['1', 'true', 'TRUE', 'True', 'yes', 'YES', 'Yes'];
      const inactive = ['0', 'false', 'no', 'tRuE', 'on', 'y', ' 1', '1.0', '2', ''];
      await c.query('INSERT INTO texts VALUES ?', [
        [
          ...active.map((v) => [`on-${v}`, v]),
          ...inactive.map((v) => [`off-${JSON.stringify(v)}`, v]),
          ['off-null', null],
        ],
      ]);
      await c.query('CREATE TABLE ints (id VARCHAR(20), active TINYINT)');
      await c.query(
        "INSERT INTO ints VALUES ('on-1', 1), ('off-0', 0), ('off-2', 2), ('off-null', NULL)",
      );
      await c.query('CREATE TABLE bits (id VARCHAR(20), active BIT(1))');
      await c.query("INSERT INTO bits VALUES ('on-1', b'1'), ('off-0', b'0'), ('off-null', NULL)");
      await c.query('CREATE TABLE decimals (id VARCHAR(20), active DECIMAL(3,1))');
      await c.query("INSERT INTO decimals VALUES ('off-1.0', 1.0)");

      const ds = datasource(await serverConfig(db.name));
      for (const table of ['texts', 'ints', 'bits', 'decimals']) {
        const set = await ds.readRows(tenantsQuery({}, table));
        for (const row of set.rows) {
          assert.equal(row.active, row.uid.startsWith('on-'), `${table} ${row.uid}`);
        }
        assert.equal(set.active, set.rows.filter((r) => r.uid.startsWith('on-')).length);
      }
      const bits = byUid(await ds.readRows(tenantsQuery({}, 'bits')));
      assert.equal(bits.get('on-1')?.variables['activate'], true);
      assert.equal(bits.get('off-0')?.variables['activate'], false);
      assert.equal(bits.get('off-null')?.variables['activate'], '');
    } finally {
      await db.drop();
    }
  });

  it('H3 types come through exactly with the process TZ and the server time_zone not UTC', async () => {
    assert.notEqual(new Date(0).getTimezoneOffset(), 0, 'the process TZ is not UTC');
    const db = await createTestDatabase('ds-types');
    const c = db.connection;
    try {
      // The inserting session is at -07:00: the TIMESTAMP below is the instant 10:04:05Z.
      await c.query("SET time_zone = '-07:00'");
      await c.query(`CREATE TABLE typed (
        id BIGINT UNSIGNED PRIMARY KEY,
        active BIT(1),
        big BIGINT,
        dt DATETIME(3),
        ts TIMESTAMP NULL,
        d DATE,
        doc JSON,
        price DECIMAL(12,3),
        ratio DOUBLE,
        nothing VARCHAR(10),
        tmpl TEXT,
        n INT,
        url VARCHAR(100)
      )`);
      await c.query(
        `INSERT INTO typed VALUES (18446744073709551615, b'1', 9007199254740993,
          '2024-01-02 03:04:05.678', '2024-01-02 03:04:05', '2024-02-29',
          '{"b":[1,2,{"z":null}],"a":"x","big":12345678901234567890}', 1234.500, 0.25, NULL,
          '{{ uid }} {% raw %}', -42, 'https://t1.example.com:8443/app')`,
      );
      // Reports the session's offset from UTC as the datasource's connection sees it.
      await c.query(
        'CREATE VIEW typed_view AS SELECT typed.*, CAST(TIMEDIFF(NOW(), UTC_TIMESTAMP()) AS CHAR) AS session_offset FROM typed',
      );
      const query: RowQuery = {
        table: 'typed_view',
        columns: {
          uid: 'id',
          activate: 'active',
          hostOrUrl: 'url',
          extra: {
            big: 'big',
            dt: 'dt',
            ts: 'ts',
            d: 'd',
            doc: 'doc',
            price: 'price',
            ratio: 'ratio',
            nothing: 'nothing',
            tmpl: 'tmpl',
            n: 'n',
            offset: 'session_offset',
          },
        },
      };

      const [[global]] = (await c.query('SELECT @@GLOBAL.time_zone AS tz')) as unknown as [
        [{ tz: string }],
      ];
      let set: RowSet;
      /*
       * The server's default zone is set to -05:00 only while the datasource opens its
       * connection: it is a server-wide setting, and other test files run at the same time.
       */
      await c.query("SET GLOBAL time_zone = '-05:00'");
      try {
        const probe = await createConnection({ uri: (await testEnv()).mysqlUrl });
        const [[fresh]] = (await probe.query('SELECT @@SESSION.time_zone AS tz')) as unknown as [
          [{ tz: string }],
        ];
        await probe.end();
        assert.equal(fresh.tz, '-05:00', 'a new session starts outside UTC');
        set = await datasource(await serverConfig(db.name)).readRows(query);
      } finally {
        await c.query('SET GLOBAL time_zone = ?', [global.tz]);
      }

      assert.equal(set.total, 1);
      const [row] = set.rows;
      assert.ok(row);
      assert.equal(row.uid, '18446744073709551615');
      assert.equal(row.active, true);
      assert.deepEqual(row.variables, {
        uid: '18446744073709551615',
        activate: true,
        hostOrUrl: 'https://t1.example.com:8443/app',
        host: 't1.example.com',
        big: '9007199254740993',
        dt: '2024-01-02T03:04:05.678Z',
        ts: '2024-01-02T10:04:05Z',
        d: '2024-02-29T00:00:00Z',
        doc: { a: 'x', b: [1, 2, { z: null }], big: '12345678901234567890' },
        price: '1234.500',
        ratio: '0.25',
        nothing: '',
        tmpl: '{{ uid }} {% raw %}',
        n: -42,
        offset: '00:00:00',
      });
      assert.equal(
        row.canonical,
        '{"activate":true,"big":"9007199254740993","d":"2024-02-29T00:00:00Z",' +
          '"doc":{"a":"x","b":[1,2,{"z":null}],"big":"12345678901234567890"},' +
          '"dt":"2024-01-02T03:04:05.678Z","host":"t1.example.com",' +
          '"hostOrUrl":"https://t1.example.com:8443/app","n":-42,"nothing":"","offset":"00:00:00",' +
          '"price":"1234.500","ratio":"0.25","tmpl":"{{ uid }} {% raw %}","ts":"2024-01-02T10:04:05Z",' +
          '"uid":"18446744073709551615"}',
      );
    } finally {
      await db.drop();
    }
  });

  it('H3 reads a MariaDB JSON column (LONGTEXT with a CHECK) from the base table as an object', async () => {
    const db = await createTestDatabase('ds-json');
    try {
      await db.connection.query('CREATE TABLE docs (id INT, active INT, doc JSON)');
      await db.connection.query(
        'INSERT INTO docs VALUES (1, 1, \'{"k":"v","n":[1]}\'), (2, 1, NULL)',
      );
      const set = await datasource(await serverConfig(db.name)).readRows(
        tenantsQuery({ doc: 'doc' }, 'docs'),
      );
      const rows = byUid(set);
      assert.deepEqual(rows.get('1')?.variables['doc'], { k: 'v', n: [1] });
      assert.equal(rows.get('1')?.variables['uid'], 1);
      assert.equal(rows.get('2')?.variables['doc'], '');
    } finally {
      await db.drop();
    }
  });

  it('H7 a uid mapped to a missing column → DatasourceColumnMissing with the server message', async () => {
    const db = await tenantsDatabase('ds-column-missing');
    try {
      const ds = datasource(await serverConfig(db.name));
      const err = await rejectsWith(
        ds.readRows({ table: 'tenants', columns: { uid: 'nope', activate: 'active', extra: {} } }),
        'DatasourceColumnMissing',
      );
      assert.match(err.message, /Unknown column 'nope'/);
    } finally {
      await db.drop();
    }
  });

  it('H7 a missing table → DatasourceTableMissing; a missing database → DatasourceDatabaseMissing', async () => {
    const db = await tenantsDatabase('ds-table-missing');
    try {
      const ds = datasource(await serverConfig(db.name));
      const err = await rejectsWith(
        ds.readRows(tenantsQuery({}, 'no_such_table')),
        'DatasourceTableMissing',
      );
      assert.match(err.message, /no_such_table/);
      const gone = datasource(await serverConfig(`${db.name}_absent`));
      await rejectsWith(gone.readRows(tenantsQuery()), 'DatasourceDatabaseMissing');
    } finally {
      await db.drop();
    }
  });

  it('H7 a closed port → DatasourceUnreachable', async () => {
    const port = await freePort();
    const ds = datasource({ ...(await serverConfig('lynq')), host: '127.0.0.1', port });
    const err = await rejectsWith(ds.readRows(tenantsQuery()), 'DatasourceUnreachable');
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.details['port'], port);
  });

  it('H7 a query slower than the query timeout → DatasourceTimeout', async () => {
    const db = await tenantsDatabase('ds-timeout');
    try {
      await db.connection.query(
        'CREATE VIEW slow AS SELECT id, active, SLEEP(3) AS nap FROM tenants LIMIT 1',
      );
      const ds = datasource(await serverConfig(db.name), 300);
      await rejectsWith(ds.readRows(tenantsQuery({ nap: 'nap' }, 'slow')), 'DatasourceTimeout');
      // The timed-out connection was destroyed, not reused: the next read works.
      assert.equal((await ds.readRows(tenantsQuery())).total, 3);
    } finally {
      await db.drop();
    }
  });

  it('an aborted read rejects with the abort reason and leaves the datasource usable', async () => {
    const db = await tenantsDatabase('ds-abort');
    try {
      await db.connection.query(
        'CREATE VIEW slow AS SELECT id, active, SLEEP(3) AS nap FROM tenants LIMIT 1',
      );
      const ds = datasource(await serverConfig(db.name));
      const controller = new AbortController();
      const reason = new Error('hub stopped');
      const reading = ds.readRows(tenantsQuery({ nap: 'nap' }, 'slow'), controller.signal);
      // Abort while the SELECT runs on the server, not before it was sent.
      await eventually('the slow SELECT runs', async () => {
        const [rows] = await db.connection.query(
          'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO = ?',
          [db.name, 'SELECT `id`, `active`, `nap` FROM `slow`'],
        );
        return Number((rows as { n: number }[])[0]?.n) > 0;
      });
      controller.abort(reason);
      await assert.rejects(reading, (err: unknown) => err === reason);
      assert.equal((await ds.readRows(tenantsQuery())).total, 3);
      const aborted = AbortSignal.abort(reason);
      await assert.rejects(ds.readRows(tenantsQuery(), aborted), (err: unknown) => err === reason);
    } finally {
      await db.drop();
    }
  });

  it('H1 rejects identifiers with backticks or injection attempts before any SQL runs', async () => {
    const db = await tenantsDatabase('ds-injection');
    try {
      const ds = datasource(await serverConfig(db.name));
      const attempts: RowQuery[] = [
        tenantsQuery({}, 'tenants`; DROP TABLE tenants; -- '),
        tenantsQuery({}, 'tenants` WHERE 1=0 UNION SELECT user, password FROM mysql.user #'),
        { table: 'tenants', columns: { uid: 'id`, `secret', activate: 'active', extra: {} } },
        { table: 'tenants', columns: { uid: 'id', activate: 'active', extra: { x: 'a)' } } },
        tenantsQuery({}, 'mysql.user'),
      ];
      for (const query of attempts) {
        await rejectsWith(ds.readRows(query), 'InvalidIdentifier');
      }
      assert.equal(ds.poolsCreated, 0);
      const [rows] = await db.connection.query('SELECT COUNT(*) AS n FROM tenants');
      assert.equal(Number((rows as { n: number }[])[0]?.n), 3);
    } finally {
      await db.drop();
    }
  });
});
