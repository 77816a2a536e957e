// Fair API traffic against the real API server: one hub's large insert does not hold up a one-row change in another hub (SPEC P4).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { lynqPath, type LynqPlural } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/free-port.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type AuditEvent,
} from '../harness/test-env.js';

/** Rows of the busy hub: enough that its writes queue for many seconds under the rate below. */
const busyRows = 300;
/**
 * A low client-side rate, so the busy hub's writes wait in the queue (each row is a node
 * create, a revision patch, a ConfigMap apply and status writes: well over 1,000 requests).
 * Low enough that the busy hub writes few ConfigMaps while the quiet row is not queued at all
 * (the quiet hub's poll, its render): those seconds count against the bound below too.
 */
const rateArgs = ['--kube-api-qps=25', '--kube-api-burst=5'];

const configMapWrites = (ns: string): Promise<AuditEvent[]> =>
  auditEvents(
    (e) =>
      e.objectRef?.namespace === ns &&
      e.objectRef.resource === 'configmaps' &&
      e.objectRef.subresource === undefined &&
      ['create', 'patch', 'update'].includes(e.verb) &&
      (e.responseStatus?.code ?? 0) < 300,
  );

/** When each ConfigMap was first written, by name. */
const firstWrites = (events: readonly AuditEvent[]): Map<string, number> => {
  const first = new Map<string, number>();
  for (const e of events) {
    const name = e.objectRef?.name ?? '';
    const at = Date.parse(e.requestReceivedTimestamp);
    if (!first.has(name) || at < (first.get(name) ?? at)) first.set(name, at);
  }
  return first;
};

describe('fair API traffic', () => {
  it('P4 a one-row change in a quiet hub lands while a busy hub is still converging its large insert', async () => {
    const [namespace, db, kc, env] = await Promise.all([
      createTestNamespace('p4-fair'),
      createTestDatabase('p4-fair'),
      kubeConfigFor('admin'),
      testEnv(),
    ]);
    const ns = namespace.name;
    let operator: OperatorProcess | undefined;
    try {
      for (const table of ['busy', 'quiet']) {
        await db.connection.query(
          `CREATE TABLE ${db.connection.escapeId(table)} (id VARCHAR(64) PRIMARY KEY, active TINYINT(1))`,
        );
      }
      await db.connection.query('INSERT INTO busy (id, active) VALUES ?', [
        Array.from({ length: busyRows }, (_, i) => [`b${String(i)}`, 1]),
      ]);
      await db.connection.query("INSERT INTO quiet (id, active) VALUES ('q0', 1)");
      const post = async (plural: LynqPlural, body: unknown): Promise<void> => {
        const res = await kubeRequest(kc, { method: 'POST', path: lynqPath(plural, ns), body });
        assert.equal(res.status, 201, res.text);
      };
      for (const hub of ['busy', 'quiet']) {
        await post(
          'lynqhubs',
          mysqlHub({
            name: hub,
            namespace: ns,
            mysqlUrl: env.mysqlUrl,
            database: db.name,
            table: hub,
          }),
        );
        await post('lynqforms', {
          apiVersion: 'operator.lynq.sh/v1',
          kind: 'LynqForm',
          metadata: { name: `${hub}-web`, namespace: ns },
          spec: {
            hubId: hub,
            configMaps: [
              {
                id: 'settings',
                nameTemplate: '{{ uid }}-settings',
                spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { hub } },
              },
            ],
          },
        });
      }

      const metricsPort = await freePort();
      operator = await startOperator({ namespace: ns, metricsPort, extraArgs: rateArgs });
      /** Requests waiting in the API queue now, over every priority (SPEC O4). */
      const queued = async (): Promise<number> => {
        const text = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
        return [...text.matchAll(/^lynq_api_requests_queued\{priority="[a-z]+"\} (\d+)$/gm)]
          .map((m) => Number(m[1]))
          .reduce((a, b) => a + b, 0);
      };
      let deepest = 0;
      // The quiet hub's first row lands early in the busy hub's flood (hubs take turns).
      await eventually(
        'the quiet hub’s first ConfigMap',
        async () => firstWrites(await configMapWrites(ns)).has('q0-settings'),
        180_000,
      );
      const busyWritten = async (): Promise<number> =>
        [...firstWrites(await configMapWrites(ns)).keys()].filter((n) => n.startsWith('b')).length;
      // The one-row change comes while the busy hub is writing its ConfigMaps, most still ahead.
      const busyAtInsert = await eventually(
        'the busy hub writing its ConfigMaps',
        async () => {
          const written = await busyWritten();
          return written >= busyRows / 10 ? written : false;
        },
        180_000,
      );
      assert.ok(busyAtInsert < busyRows / 2, `busy hub already had ${String(busyAtInsert)}`);
      const insertedAt = Date.now();
      await db.connection.query("INSERT INTO quiet (id, active) VALUES ('q1', 1)");
      const landed = await eventually(
        'the quiet hub’s new row as a ConfigMap',
        async () => {
          deepest = Math.max(deepest, await queued());
          return firstWrites(await configMapWrites(ns)).get('q1-settings');
        },
        180_000,
      );
      await eventually(
        'the busy hub converged',
        async () =>
          [...firstWrites(await configMapWrites(ns)).keys()].filter((n) => n.startsWith('b'))
            .length === busyRows,
        300_000,
      );

      const busyDuring = [...firstWrites(await configMapWrites(ns))].filter(
        ([n, at]) => n.startsWith('b') && at >= insertedAt && at < landed,
      ).length;
      // Evidence by order, not time: with one queue in arrival order the row waits behind the
      // busy hub's backlog (deepest queue seen: `deepest`) while the busy hub writes on; with
      // the hubs taking turns it passes after about one request of the busy hub per step.
      assert.ok(deepest > 0, 'the API queue never had a backlog: the test measured nothing');
      assert.ok(
        busyDuring <= busyRows / 10,
        `${String(busyDuring)} busy ConfigMaps were written while the quiet hub's row waited (queue up to ${String(deepest)})`,
      );
    } finally {
      await operator?.stop();
      await Promise.all([namespace.remove(), db.drop()]);
    }
  });
});
