import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HubConnectionConfig } from '../datasource/hub-datasource-cache.js';
import { sectionConnectionConfig } from './hub-source.js';

const caOf = (config: HubConnectionConfig): string | undefined =>
  config.type === 'postgresql' ? config.postgresql.ca : undefined;

const server = { host: 'db', port: 1, username: 'lynq', database: 'app' };

describe('hub source connection', () => {
  it('H1 a CA reaches the connection only while TLS is on, for both databases', () => {
    assert.deepEqual(
      sectionConnectionConfig(
        { type: 'mysql', mysql: { ...server, tls: { mode: 'disabled' } } },
        'pw',
        'CA',
      ),
      {
        type: 'mysql',
        mysql: { host: 'db', port: 1, user: 'lynq', database: 'app', password: 'pw' },
      },
    );
    assert.deepEqual(
      sectionConnectionConfig(
        { type: 'mysql', mysql: { ...server, tls: { mode: 'required' } } },
        undefined,
        'CA',
      ),
      {
        type: 'mysql',
        mysql: {
          host: 'db',
          port: 1,
          user: 'lynq',
          database: 'app',
          tls: { mode: 'required', ca: 'CA' },
        },
      },
    );
    assert.equal(
      caOf(
        sectionConnectionConfig(
          { type: 'postgresql', postgresql: { ...server, sslMode: 'disable' } },
          undefined,
          'CA',
        ),
      ),
      undefined,
    );
    assert.equal(
      caOf(
        sectionConnectionConfig(
          { type: 'postgresql', postgresql: { ...server, sslMode: 'verify-full' } },
          undefined,
          'CA',
        ),
      ),
      'CA',
    );
  });
});
