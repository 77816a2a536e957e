// The operator as users start it: startup is all or nothing, and everything it writes is JSON lines (SPEC O5).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import { runLynq } from '../harness/lynq-cli.js';
import { startOperator } from '../harness/operator-process.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
} from '../harness/test-env.js';

/** A LynqHub on table `nodes` of `database`, polled every second. */
const hubBody = async (namespace: string, database: string) =>
  mysqlHub({
    name: 'hub',
    namespace,
    mysqlUrl: (await testEnv()).mysqlUrl,
    database,
    table: 'nodes',
  });

/** One ConfigMap per node: enough to make nodes, cheap to apply. */
const formBody = (namespace: string) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web', namespace },
  spec: {
    hubId: 'hub',
    configMaps: [
      {
        id: 'settings',
        nameTemplate: '{{ uid }}-settings',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { uid: '{{ uid }}' } },
      },
    ],
  },
});

const holdPort = async (): Promise<Server> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return server;
};

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('the operator process', () => {
  it('exits 1 with one JSON line when its health port is taken, before any watch starts or anything is written', async () => {
    const ns = await createTestNamespace('startup-port');
    const held = await holdPort();
    try {
      const kc = await kubeConfigFor('admin');
      // A hub without the operator's finalizer: an operator that got as far as its watches adds it.
      const created = await kubeRequest(kc, {
        method: 'POST',
        path: lynqPath('lynqhubs', ns.name),
        body: await hubBody(ns.name, 'unused'),
      });
      assert.equal(created.status, 201, created.text);
      const startedAt = new Date().toISOString();
      const port = (held.address() as AddressInfo).port;
      const run = await runLynq([
        'operator',
        '--kubeconfig',
        (await testEnv()).kubeconfigs.admin,
        '--namespace',
        ns.name,
        '--health-port',
        String(port),
      ]);

      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(run.stderr, '');
      const out = lines(run.stdout);
      assert.equal(out.length, 1, run.stdout);
      const line = JSON.parse(out[0] ?? '') as {
        level: number;
        msg: string;
        err: { code: string; message: string };
      };
      assert.equal(line.level, 60);
      assert.equal(line.err.code, 'HealthPortInUse');
      assert.match(
        line.err.message,
        new RegExp(`health port 0\\.0\\.0\\.0:${String(port)} is already in use`),
      );

      const hub = await kubeRequest(kc, {
        method: 'GET',
        path: lynqPath('lynqhubs', ns.name, 'hub'),
      });
      const { metadata } = hub.body as { metadata: { finalizers?: string[] } };
      assert.equal(metadata.finalizers, undefined, 'no finalizer added');
      const writes = await auditEvents(
        (e) => e.objectRef?.namespace === ns.name && e.requestReceivedTimestamp >= startedAt,
      );
      assert.deepEqual(
        writes.map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}`),
        [],
      );
    } finally {
      held.close();
      await ns.remove();
    }
  });

  it('O5 writes only JSON lines, also while a hub creates many nodes at once over one signal', async () => {
    const [ns, db, kc] = await Promise.all([
      createTestNamespace('json-lines'),
      createTestDatabase('json-lines'),
      kubeConfigFor('admin'),
    ]);
    await db.connection.query('CREATE TABLE nodes (id VARCHAR(64) PRIMARY KEY, active TINYINT(1))');
    const rows = Array.from({ length: 40 }, (_, i) => [`row-${String(i)}`, 1]);
    await db.connection.query('INSERT INTO nodes VALUES ?', [rows]);
    const operator = await startOperator({ namespace: ns.name });
    try {
      for (const [plural, body] of [
        ['lynqforms', formBody(ns.name)],
        ['lynqhubs', await hubBody(ns.name, db.name)],
      ] as const) {
        const res = await kubeRequest(kc, {
          method: 'POST',
          path: lynqPath(plural, ns.name),
          body,
        });
        assert.equal(res.status, 201, res.text);
      }
      // 40 node creates, 16 at a time under the hub's one signal: once 11 listened on it, Node warned on stderr.
      await eventually('40 nodes', async () => {
        const res = await kubeRequest(kc, { method: 'GET', path: lynqPath('lynqnodes', ns.name) });
        return ((res.body as { items?: unknown[] }).items ?? []).length === 40;
      });
    } finally {
      const code = await operator.stop();
      await Promise.all([ns.remove(), db.drop()]);
      assert.equal(code, 0, operator.output().slice(-4000));
    }
    const output = lines(operator.output());
    const notJson = output.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch (err) {
        // A line that is not JSON is the finding.
        if (err instanceof SyntaxError) return true;
        throw err;
      }
    });
    assert.deepEqual(notJson, []);
    // Logged instead of printed is the fallback; the shared signal must not warn at all.
    const warnings = output
      .map((line) => JSON.parse(line) as { msg?: string; warning?: string })
      .filter((entry) => entry.msg === 'Process warning');
    assert.deepEqual(warnings, []);
  });
});
