// `lynq render --from-db` as users run it, against the real MariaDB and PostgreSQL (one matrix; passwords on MariaDB, and the control plane for passwordRef): T8, H2–H4, H7.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { nodeName } from '../../src/api/node-name.js';
import { kubeRequest } from '../harness/kube-request.js';
import {
  createMatrixDatabase,
  databaseKinds,
  type DatabaseKind,
  type MatrixDatabase,
} from '../harness/matrix-database.js';
import { createTestNamespace, kubeConfigFor, testEnv } from '../harness/test-env.js';

const run = promisify(execFile);
/** The built CLI (tests run from dist/test/integration). */
const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const lynq = async (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, 'render', ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: unknown; stdout?: unknown; stderr?: unknown };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: String(e.stdout),
      stderr: String(e.stderr),
    };
  }
};

type Doc = Record<string, unknown> & { metadata: { name: string }; data: Record<string, string> };

const documents = (yaml: string): Doc[] => parseAllDocuments(yaml).map((doc) => doc.toJS() as Doc);

const form = {
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web' },
  spec: {
    hubId: 'tenants',
    configMaps: [
      {
        id: 'vars',
        nameTemplate: '{{ uid }}-vars',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: {
            // `+ 1` is 4 for the number 3 and "31" for the text "3": proves the H3 typing.
            next: '{{ replicas + 1 }}',
            tier: '{{ meta.tier }}',
            created: '{{ created }}',
            plan: '{{ plan }}',
            owner: '{{ hubId }}/{{ templateRef }}',
            literal: '{{ note }}',
          },
        },
      },
    ],
    services: [
      {
        id: 'svc',
        nameTemplate: '{{ uid }}-svc',
        dependIds: ['vars'],
        spec: { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80 }] } },
      },
    ],
  },
};

interface HubOptions {
  readonly uidColumn?: string;
  readonly username?: string;
  readonly passwordRef?: { name: string; key: string };
  readonly namespace?: string;
}

/** The same rows on both servers; only the column types differ (JSON/JSONB, DATETIME/TIMESTAMP). */
const tenantsTable: Record<DatabaseKind, string> = {
  mysql: `CREATE TABLE tenants (
     id VARCHAR(64) PRIMARY KEY,
     active VARCHAR(8) NULL,
     plan VARCHAR(16) NULL,
     replicas INT NULL,
     meta JSON NULL,
     created DATETIME NULL,
     note VARCHAR(64) NULL)`,
  postgresql: `CREATE TABLE tenants (
     id VARCHAR(64) PRIMARY KEY,
     active VARCHAR(8) NULL,
     plan VARCHAR(16) NULL,
     replicas INT NULL,
     meta JSONB NULL,
     created TIMESTAMP NULL,
     note VARCHAR(64) NULL)`,
};

/** A database with the `tenants` table, a directory with `form.yaml`, and a hub file writer. */
const renderWorld = (kind: DatabaseKind) => {
  const world = {
    db: undefined as unknown as MatrixDatabase,
    dir: '',
    writeHub: async (file: string, options: HubOptions = {}): Promise<string> => {
      const path = join(world.dir, file);
      const source = world.db.source('tenants');
      const section = source[kind] as Record<string, unknown>;
      source[kind] = {
        ...section,
        ...(options.username === undefined ? {} : { username: options.username }),
        ...(options.passwordRef === undefined ? {} : { passwordRef: options.passwordRef }),
      };
      await writeFile(
        path,
        stringify({
          apiVersion: 'operator.lynq.sh/v1',
          kind: 'LynqHub',
          metadata: {
            name: 'tenants',
            ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
          },
          spec: {
            source,
            valueMappings: { uid: options.uidColumn ?? 'id', activate: 'active' },
            extraValueMappings: {
              plan: 'plan',
              replicas: 'replicas',
              meta: 'meta',
              created: 'created',
              note: 'note',
            },
          },
        }),
      );
      return path;
    },
  };
  before(async () => {
    world.db = await createMatrixDatabase(kind, 'render-from-db');
    world.dir = await mkdtemp(join(tmpdir(), 'lynq-render-from-db-'));
    await writeFile(join(world.dir, 'form.yaml'), stringify(form));
    await world.db.exec(tenantsTable[kind]);
    // Insertion order is the read order on both servers: acme, globex, hooli, initech, umbrella.
    await world.db.exec(
      `INSERT INTO tenants VALUES
         ('acme', '1', 'pro', 3, '{"tier":"gold"}', '2024-02-29 13:14:15', '{{ uid }}'),
         ('globex', '0', 'basic', 1, '{"tier":"bronze"}', '2024-01-01 00:00:00', 'x'),
         ('hooli', NULL, 'basic', 1, '{"tier":"bronze"}', '2024-01-01 00:00:00', 'x'),
         ('initech', 'yes', 'basic', 5, '{"tier":"silver"}', '2023-12-31 23:59:59', 'plain'),
         ('umbrella', 'true', 'pro', 2, '{"tier":"gold"}', '2024-06-01 08:00:00', 'y')`,
    );
  });
  after(async () => {
    await rm(world.dir, { recursive: true, force: true });
    await world.db.drop();
  });
  return world;
};

for (const kind of databaseKinds) {
  describe(`lynq render --from-db on ${kind}`, () => {
    const w = renderWorld(kind);

    it(`T8 [${kind}] renders the active rows read from the hub database, honouring --limit`, async () => {
      const hub = await w.writeHub('hub.yaml');
      const out = await lynq([
        '--hub',
        hub,
        '--form',
        join(w.dir, 'form.yaml'),
        '--from-db',
        '--limit',
        '2',
        '--namespace',
        'tenants-ns',
      ]);
      assert.equal(out.code, 0, out.stderr);
      const docs = documents(out.stdout);
      // Inactive globex ('0') and hooli (NULL) are skipped; umbrella is over the limit.
      assert.deepEqual(
        docs.map((d) => [d['kind'], d.metadata.name]),
        [
          ['ConfigMap', 'acme-vars'],
          ['Service', 'acme-svc'],
          ['ConfigMap', 'initech-vars'],
          ['Service', 'initech-svc'],
        ],
      );
      assert.match(out.stdout, new RegExp(`^# node ${nodeName('acme', 'web')} uid=acme$`, 'm'));
      assert.match(
        out.stdout,
        new RegExp(`^# node ${nodeName('initech', 'web')} uid=initech$`, 'm'),
      );
      assert.match(
        out.stderr,
        /5 rows; 3 active; 2 inactive \(skipped\); 1 active rows over --limit; rendering 2/,
      );
    });

    it(`T8 H3 [${kind}] gives templates the typed variables the operator would, plus hubId and templateRef`, async () => {
      const out = await lynq([
        '--hub',
        await w.writeHub('hub.yaml'),
        '--form',
        join(w.dir, 'form.yaml'),
        '--from-db',
        '--limit',
        '1',
      ]);
      assert.equal(out.code, 0, out.stderr);
      const acme = documents(out.stdout)[0];
      assert.deepEqual(acme?.data, {
        next: '4',
        tier: 'gold',
        created: '2024-02-29T13:14:15Z',
        plan: 'pro',
        owner: 'tenants/web',
        // T6: a column value is data, never a template.
        literal: '{{ uid }}',
      });
    });

    it(`H7 [${kind}] a mapping to a missing column exits non-zero with DatasourceColumnMissing and the server message`, async () => {
      const out = await lynq([
        '--hub',
        await w.writeHub('bad-hub.yaml', { uidColumn: 'tenant_id' }),
        '--form',
        join(w.dir, 'form.yaml'),
        '--from-db',
      ]);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /DatasourceColumnMissing: .*tenant_id/);
      assert.equal(out.stdout, '');
    });
  });
}

/*
 * Passwords on MariaDB only: the harness PostgreSQL trusts local connections and never checks
 * one, so a wrong password could not fail there.
 */
describe('lynq render --from-db with a password (mysql)', () => {
  const w = renderWorld('mysql');

  /** A user that may only SELECT in the test database, dropped by the returned function. */
  const selectOnlyUser = async (): Promise<{
    user: string;
    password: string;
    drop: () => Promise<void>;
  }> => {
    const user = `lynq_r_${randomBytes(5).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await w.db.exec('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', password]);
    await w.db.exec(`GRANT SELECT ON \`${w.db.name}\`.* TO ?@?`, [user, '%']);
    return {
      user,
      password,
      drop: () => w.db.exec('DROP USER IF EXISTS ?@?', [user, '%']),
    };
  };

  it('T8 --password-env reads the password of a user that may only SELECT', async () => {
    const { user, password, drop } = await selectOnlyUser();
    try {
      const hub = await w.writeHub('user-hub.yaml', { username: user });
      const args = ['--hub', hub, '--form', join(w.dir, 'form.yaml'), '--from-db'];

      const ok = await lynq([...args, '--password-env', 'LYNQ_TEST_DB_PASSWORD'], {
        LYNQ_TEST_DB_PASSWORD: password,
      });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(documents(ok.stdout).length, 6);

      const wrong = await lynq([...args, '--password-env', 'LYNQ_TEST_DB_PASSWORD'], {
        LYNQ_TEST_DB_PASSWORD: 'wrong',
      });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /DatasourceAuthFailed: /);

      const unset = await lynq([...args, '--password-env', 'LYNQ_TEST_UNSET_VARIABLE']);
      assert.equal(unset.code, 1);
      assert.match(unset.stderr, /PasswordEnvUnset: /);
    } finally {
      await drop();
    }
  });

  it("T8 reads the password from the hub's passwordRef Secret, and fails on a missing key", async () => {
    const { user, password, drop } = await selectOnlyUser();
    const namespace = await createTestNamespace('render-from-db');
    try {
      const kc = await kubeConfigFor('admin');
      const created = await kubeRequest(kc, {
        method: 'POST',
        path: `/api/v1/namespaces/${namespace.name}/secrets`,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'db' },
          stringData: { password },
        },
      });
      assert.equal(created.status, 201, created.text);
      const kubeconfig = (await testEnv()).kubeconfigs.admin;
      const run = async (key: string): Promise<Outcome> =>
        lynq([
          '--hub',
          await w.writeHub(`secret-hub-${key}.yaml`, {
            username: user,
            namespace: namespace.name,
            passwordRef: { name: 'db', key },
          }),
          '--form',
          join(w.dir, 'form.yaml'),
          '--from-db',
          '--kubeconfig',
          kubeconfig,
        ]);

      const ok = await run('password');
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(documents(ok.stdout).length, 6);

      const missing = await run('nope');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /PasswordSecretUnavailable: .*has no key nope/);
      assert.equal(missing.stdout, '');
    } finally {
      await drop();
      await namespace.remove();
    }
  });
});
