// Unit tests for the per-hub datasource cache: same config, same pool; changed config, old one closed (H1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MysqlConnectionConfig } from './mysql-connection-config.js';
import { MysqlDatasourceCache } from './mysql-datasource-cache.js';

const config: MysqlConnectionConfig = {
  host: '127.0.0.1',
  port: 1,
  user: 'lynq',
  password: 'p1',
  database: 'app',
};

describe('MysqlDatasourceCache (H1)', () => {
  it('H1 returns the same datasource while the config hashes the same', async () => {
    const cache = new MysqlDatasourceCache();
    const first = await cache.datasourceFor('ns/hub', config);
    assert.equal(await cache.datasourceFor('ns/hub', { ...config }), first);
    assert.notEqual(await cache.datasourceFor('ns/other', config), first);
    await cache.close();
    assert.equal(first.closed, true);
  });

  it('H1 closes the old datasource when the password or CA changes', async () => {
    const cache = new MysqlDatasourceCache();
    const first = await cache.datasourceFor('ns/hub', config);
    const second = await cache.datasourceFor('ns/hub', { ...config, password: 'p2' });
    assert.notEqual(second, first);
    assert.equal(first.closed, true);
    const third = await cache.datasourceFor('ns/hub', {
      ...config,
      password: 'p2',
      tls: { mode: 'verify-ca', ca: 'PEM' },
    });
    assert.notEqual(third, second);
    assert.equal(second.closed, true);
    await cache.release('ns/hub');
    assert.equal(third.closed, true);
    assert.equal(third.poolsCreated, 0);
  });

  it('rejects reads on a closed datasource with DatasourceClosed', async () => {
    const cache = new MysqlDatasourceCache();
    const ds = await cache.datasourceFor('ns/hub', config);
    await cache.close();
    await assert.rejects(
      ds.readRows({ table: 't', columns: { uid: 'id', activate: 'a', extra: {} } }),
      { code: 'DatasourceClosed' },
    );
  });
});
