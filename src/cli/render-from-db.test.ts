// `lynq render --from-db` without a database or cluster: the hub file, the password, and which rows render.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../api/canonical-json.js';
import type { Datasource, Row, RowQuery, RowSet } from '../datasource/datasource.js';
import type { HubConnectionConfig } from '../datasource/hub-datasource-cache.js';
import type { MysqlConnectionConfig } from '../datasource/mysql-connection-config.js';
import { LynqError, transientError } from '../errors.js';
import { hubFromDocument, type HubFile } from './hub-file.js';
import {
  describeFailure,
  lazySecretReader,
  readRowsFromDb,
  type FromDbOptions,
  type FromDbPorts,
} from './render-from-db.js';

const hubDocument = (mysql: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqHub',
  metadata: { name: 'tenants', namespace: 'prod' },
  spec: {
    source: {
      type: 'mysql',
      mysql: { host: 'db', username: 'lynq', database: 'app', table: 'tenants', ...mysql },
    },
    valueMappings: { uid: 'id', activate: 'active' },
    extraValueMappings: { plan: 'plan_col' },
  },
});

const row = (uid: string, active: boolean, extra: Record<string, unknown> = {}): Row => {
  const variables = { uid, activate: active ? 1 : 0, ...extra };
  return { uid, active, variables, canonical: canonicalJson(variables) };
};

/** A datasource that returns `rows` (or rejects with `failure`) and records what it was asked. */
const fakeDatasource = (rows: readonly Row[], failure?: Error) => {
  const seen: { queries: RowQuery[]; configs: MysqlConnectionConfig[]; closed: number } = {
    queries: [],
    configs: [],
    closed: 0,
  };
  const open = (config: HubConnectionConfig): Datasource => {
    if (config.type !== 'mysql') assert.fail('expected a MySQL config');
    seen.configs.push(config.mysql);
    return {
      readRows: (query: RowQuery): Promise<RowSet> => {
        seen.queries.push(query);
        if (failure !== undefined) return Promise.reject(failure);
        return Promise.resolve({
          rows,
          total: rows.length,
          active: rows.filter((r) => r.active).length,
          rejected: [],
        });
      },
      close: () => {
        seen.closed += 1;
        return Promise.resolve();
      },
    };
  };
  return { seen, open };
};

const ports = (
  open: FromDbPorts['openDatasource'],
  overrides: Partial<FromDbPorts> = {},
): FromDbPorts => ({
  env: {},
  readSecretKey: () => Promise.reject(new Error('no cluster in this test')),
  openDatasource: open,
  ...overrides,
});

const options = (overrides: Partial<FromDbOptions> = {}): FromDbOptions => ({
  namespace: 'prod',
  passwordEnv: undefined,
  limit: undefined,
  ...overrides,
});

const hub = (mysql: Record<string, unknown> = {}): HubFile => hubFromDocument(hubDocument(mysql));

describe('hubFromDocument', () => {
  it('T8 reads the connection and the mapped columns, with the CRD defaults', () => {
    const file = hub();
    assert.equal(file.name, 'tenants');
    assert.equal(file.namespace, 'prod');
    if (file.type !== 'mysql') assert.fail('expected a MySQL hub');
    assert.equal(file.mysql.port, 3306);
    assert.equal(file.mysql.passwordRef, undefined);
    assert.deepEqual(file.query, {
      table: 'tenants',
      columns: { uid: 'id', activate: 'active', extra: { plan: 'plan_col' } },
    });
    const withTls = hub({ tls: {} });
    assert.deepEqual(withTls.type === 'mysql' ? withTls.mysql.tls : undefined, {
      mode: 'verify-full',
      caSecretRef: undefined,
    });
  });

  it('T8 names the field of a hub it cannot use', () => {
    assert.throws(() => hubFromDocument({ kind: 'LynqForm' }), /must hold a LynqHub/);
    assert.throws(() => hub({ table: undefined }), /spec\.source\.mysql\.table/);
    assert.throws(() => hub({ port: 'x' }), /spec\.source\.mysql\.port/);
    assert.throws(() => hub({ passwordRef: { name: 'db' } }), /passwordRef\.key/);
    assert.throws(() => hub({ tls: { mode: 'sometimes' } }), /tls\.mode/);
  });
});

describe('readRowsFromDb', () => {
  it('H2 H4 T8 keeps active rows with a unique uid, in read order, at most --limit', async () => {
    const ds = fakeDatasource([
      row('a', true),
      row('b', false),
      row('dup', true),
      row('c', true),
      row('dup', true),
      row('', true),
      row('d', true),
    ]);
    const read = await readRowsFromDb(hub(), options({ limit: 2 }), ports(ds.open));
    assert.deepEqual(
      read.rows.map((r) => r.uid),
      ['a', 'c'],
    );
    assert.equal(read.total, 7);
    assert.equal(read.inactive, 1);
    assert.equal(read.overLimit, 1);
    assert.equal(read.emptyUid, 1);
    assert.deepEqual(read.duplicateUids, ['dup']);
    assert.deepEqual(ds.seen.queries, [hub().query]);
    assert.equal(ds.seen.closed, 1);
  });

  it('T8 a hub without passwordRef connects without a password', async () => {
    const ds = fakeDatasource([]);
    await readRowsFromDb(hub(), options(), ports(ds.open));
    assert.deepEqual(ds.seen.configs, [{ host: 'db', port: 3306, user: 'lynq', database: 'app' }]);
  });

  it("T8 reads the password from the passwordRef Secret in the hub's namespace", async () => {
    const ds = fakeDatasource([]);
    const asked: string[] = [];
    await readRowsFromDb(
      hub({ passwordRef: { name: 'db', key: 'pw' } }),
      options(),
      ports(ds.open, {
        readSecretKey: (namespace, name, key) => {
          asked.push(`${namespace}/${name}/${key}`);
          return Promise.resolve('s3cret');
        },
      }),
    );
    assert.deepEqual(asked, ['prod/db/pw']);
    assert.equal(ds.seen.configs[0]?.password, 's3cret');
  });

  it('T8 a missing Secret or key is an error, never an empty password, and nothing is read', async () => {
    const ds = fakeDatasource([]);
    await assert.rejects(
      readRowsFromDb(hub({ passwordRef: { name: 'db', key: 'pw' } }), options(), ports(ds.open)),
      (err: unknown) =>
        err instanceof LynqError &&
        err.code === 'PasswordSecretUnavailable' &&
        /prod\/tenants.*Secret db key pw: no cluster/.test(err.message),
    );
    assert.equal(ds.seen.configs.length, 0);
  });

  it('T8 --password-env wins over passwordRef; unset or empty is an error', async () => {
    const ds = fakeDatasource([]);
    const withRef = hub({ passwordRef: { name: 'db', key: 'pw' } });
    await readRowsFromDb(
      withRef,
      options({ passwordEnv: 'PW' }),
      ports(ds.open, { env: { PW: 'x' } }),
    );
    assert.equal(ds.seen.configs[0]?.password, 'x');
    for (const env of [{}, { PW: '' }]) {
      await assert.rejects(
        readRowsFromDb(withRef, options({ passwordEnv: 'PW' }), ports(ds.open, { env })),
        (err: unknown) => err instanceof LynqError && err.code === 'PasswordEnvUnset',
      );
    }
    assert.equal(ds.seen.configs.length, 1);
  });

  it('H7 passes datasource errors through with their code, and closes the datasource', async () => {
    const failure = transientError(
      'DatasourceColumnMissing',
      "Unknown column 'id' in 'field list'",
    );
    const ds = fakeDatasource([], failure);
    await assert.rejects(readRowsFromDb(hub(), options(), ports(ds.open)), (err: unknown) => {
      assert.equal(
        describeFailure(err),
        "DatasourceColumnMissing: Unknown column 'id' in 'field list'",
      );
      return true;
    });
    assert.equal(ds.seen.closed, 1);
  });
});

describe('lazySecretReader', () => {
  const reader = (secret: unknown) => {
    const calls = { loads: 0, gets: [] as string[], closes: 0 };
    const secrets = lazySecretReader({
      loadKubeConfig: () => {
        calls.loads += 1;
        return {} as never;
      },
      createClient: () => ({
        get: (path) => {
          calls.gets.push(path);
          return Promise.resolve(secret);
        },
        close: () => {
          calls.closes += 1;
        },
      }),
      secretPath: (namespace, name) => `/api/v1/namespaces/${namespace}/secrets/${name}`,
    });
    return { secrets, calls };
  };

  it('T8 loads no kubeconfig until a Secret is needed, then GETs it and decodes the key', async () => {
    const { secrets, calls } = reader({ data: { pw: Buffer.from('hunter2').toString('base64') } });
    secrets.close();
    assert.equal(calls.loads, 0);
    assert.equal(await secrets.readSecretKey('prod', 'db', 'pw'), 'hunter2');
    assert.deepEqual(calls.gets, ['/api/v1/namespaces/prod/secrets/db']);
    secrets.close();
    assert.equal(calls.closes, 1);
  });

  it('T8 a missing Secret or key rejects', async () => {
    await assert.rejects(reader(undefined).secrets.readSecretKey('prod', 'db', 'pw'), /not found/);
    await assert.rejects(
      reader({ data: {} }).secrets.readSecretKey('prod', 'db', 'pw'),
      /has no key pw/,
    );
  });
});
