// One fault test's world: a namespace, a database read by a dedicated MySQL user, a hub and a two-ConfigMap form, and an operator process that can be SIGKILLed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest, type KubeResponse } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type AuditEvent,
  type TestDatabase,
} from '../harness/test-env.js';

export const operatorUser = 'lynq-operator';

/** Rows per rollout: `LYNQ_FAULT_ROWS` for a quick run, 300 by default. */
export const rolloutRows = (): number => {
  const text = process.env['LYNQ_FAULT_ROWS'];
  const n = text === undefined || text === '' ? 300 : Number(text);
  assert.ok(Number.isInteger(n) && n > 10, `LYNQ_FAULT_ROWS must be a whole number above 10`);
  return n;
};

export interface HubUser {
  readonly name: string;
  readonly password: string;
}

export interface FaultWorld {
  readonly ns: string;
  /** The test's database, through a root connection (the faults are made with it). */
  readonly db: TestDatabase;
  readonly kc: KubeConfig;
  /** The MySQL user the hub reads with; its password is in Secret `db` key `password`. */
  readonly hubUser: HubUser;
  /** The operator running now (a new one after a kill or restart). */
  readonly operator: OperatorProcess;
  /** SIGKILLs the operator and starts a new one at once. */
  killOperator(): Promise<void>;
  /** SIGTERM (asserting a clean exit, SPEC P3) and a new operator. */
  restartOperator(): Promise<void>;
  request(req: Parameters<typeof kubeRequest>[1]): Promise<KubeResponse>;
  /** Inserts active rows `r<from>` … `r<from+n-1>`. */
  insertRows(n: number, from?: number): Promise<void>;
  /** The uids of the active rows, read as root. */
  activeUids(): Promise<Set<string>>;
  close(): Promise<void>;
}

export interface FaultWorldOptions {
  /** The hub's `deletionGuard.maxDeletions`; the hub's default (50%) when absent. */
  readonly maxDeletions?: string;
  readonly syncInterval?: string;
}

/** The form: ConfigMap `a`, and ConfigMap `b` one level below it, named `<uid>-a` / `<uid>-b`. */
export const formResourceIds = ['a', 'b'] as const;

const formBody = (ns: string) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web', namespace: ns },
  spec: {
    hubId: 'hub',
    configMaps: [
      {
        id: 'a',
        nameTemplate: '{{ uid }}-a',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
      },
      {
        id: 'b',
        nameTemplate: '{{ uid }}-b',
        dependIds: ['a'],
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { owner: '{{ uid }}' } },
      },
    ],
  },
});

const post = async (kc: KubeConfig, path: string, body: unknown): Promise<void> => {
  const res = await kubeRequest(kc, { method: 'POST', path, body });
  assert.equal(res.status, 201, res.text);
};

/** Opens the world and waits for nothing: the caller inserts rows and waits for convergence. */
export const openFaultWorld = async (
  label: string,
  options: FaultWorldOptions = {},
): Promise<FaultWorld> => {
  const [namespace, db, kc, env] = await Promise.all([
    createTestNamespace(label),
    createTestDatabase(label),
    kubeConfigFor('admin'),
    testEnv(),
  ]);
  const ns = namespace.name;
  const sql = db.connection;
  await sql.query(
    'CREATE TABLE `rows` (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
  );
  // A user of its own with a password, as production hubs read: the faults change its password
  // and drop its table without touching the root connection the test works through.
  const hubUser: HubUser = {
    name: `lynq_f_${randomBytes(4).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  await sql.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [hubUser.name, hubUser.password]);
  // Database-level, so a dropped and re-created table is readable again without a new GRANT.
  await sql.query(`GRANT SELECT ON ${sql.escapeId(db.name)}.* TO ?@'%'`, [hubUser.name]);
  await post(kc, `/api/v1/namespaces/${ns}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: ns },
    stringData: { password: hubUser.password },
  });
  const url = new URL(env.mysqlUrl);
  await post(kc, lynqPath('lynqhubs', ns), {
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqHub',
    metadata: { name: 'hub', namespace: ns },
    spec: {
      source: {
        type: 'mysql',
        syncInterval: options.syncInterval ?? '1s',
        mysql: {
          host: url.hostname,
          port: Number(url.port || '3306'),
          username: hubUser.name,
          passwordRef: { name: 'db', key: 'password' },
          database: db.name,
          table: 'rows',
        },
      },
      valueMappings: { uid: 'id', activate: 'active' },
      extraValueMappings: { plan: 'plan' },
      ...(options.maxDeletions === undefined
        ? {}
        : { deletionGuard: { maxDeletions: options.maxDeletions } }),
    },
  });
  await post(kc, lynqPath('lynqforms', ns), formBody(ns));
  let operator = await startOperator({ namespace: ns });
  return {
    ns,
    db,
    kc,
    hubUser,
    get operator() {
      return operator;
    },
    killOperator: async () => {
      await operator.kill();
      operator = await startOperator({ namespace: ns });
    },
    restartOperator: async () => {
      const code = await operator.stop();
      assert.equal(code, 0, operator.output().slice(-4000));
      operator = await startOperator({ namespace: ns });
    },
    request: (req) => kubeRequest(kc, req),
    insertRows: async (n, from = 0) => {
      const values = Array.from({ length: n }, (_, i) => [`r${String(from + i)}`, 1, 'pro']);
      await sql.query('INSERT INTO `rows` (id, active, plan) VALUES ?', [values]);
    },
    activeUids: async () => {
      const [rows] = await sql.query('SELECT id FROM `rows` WHERE active = 1');
      return new Set((rows as { id: string }[]).map((r) => r.id));
    },
    close: async () => {
      const code = await operator.stop();
      if (code !== 0) {
        process.stderr.write(
          `operator exited ${String(code)}:\n${operator.output().slice(-4000)}\n`,
        );
      }
      await sql.query(`DROP USER IF EXISTS ?@'%'`, [hubUser.name]);
      await Promise.all([namespace.remove(), db.drop()]);
    },
  };
};

/** Writes the operator's user made in the world's namespace since `sinceMillis` (accepted ones). */
export const operatorWritesSince = async (
  world: FaultWorld,
  sinceMillis: number,
  also: (e: AuditEvent) => boolean = () => true,
): Promise<AuditEvent[]> =>
  auditEvents(
    (e) =>
      e.user.username === operatorUser &&
      (e.objectRef?.namespace === undefined || e.objectRef.namespace === world.ns) &&
      Date.parse(e.requestReceivedTimestamp) >= sinceMillis &&
      (e.responseStatus?.code ?? 0) < 400 &&
      also(e),
  );

/** Deletions of nodes or ConfigMaps by the operator since `sinceMillis`. */
export const operatorDeletionsSince = (world: FaultWorld, sinceMillis: number) =>
  operatorWritesSince(
    world,
    sinceMillis,
    (e) =>
      (e.verb === 'delete' || e.verb === 'deletecollection') &&
      (e.objectRef?.resource === 'lynqnodes' || e.objectRef?.resource === 'configmaps'),
  );

/** Polls `check` every 100 ms and returns the milliseconds until it held; fails after `boundMillis`. */
export const millisUntil = async (
  what: string,
  check: () => Promise<boolean>,
  boundMillis: number,
  since = Date.now(),
): Promise<number> => {
  const deadline = since + boundMillis;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return Date.now() - since;
    } catch (err) {
      // The API server or the database may be down on purpose: look again.
      last = err;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `${what}: not within ${String(boundMillis)} ms${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
      );
    }
    await sleep(100);
  }
};

/** A random whole number of milliseconds in [min, max). */
export const randomMillis = (min: number, max: number): number =>
  Math.floor(min + Math.random() * (max - min));

/**
 * The operator's writes in the namespace since `sinceMillis` as report figures: how many the
 * server accepted, and the refused ones by code (a restart re-sending a create gets 409).
 */
export const writeTally = async (
  world: FaultWorld,
  sinceMillis: number,
): Promise<Record<string, number | string>> => {
  const events = await auditEvents(
    (e) =>
      e.user.username === operatorUser &&
      (e.objectRef?.namespace === undefined || e.objectRef.namespace === world.ns) &&
      Date.parse(e.requestReceivedTimestamp) >= sinceMillis,
  );
  const refused = new Map<string, number>();
  for (const e of events) {
    const code = e.responseStatus?.code ?? 0;
    if (code >= 400) {
      const key = `${e.verb} ${e.objectRef?.resource ?? '?'} ${String(code)}`;
      refused.set(key, (refused.get(key) ?? 0) + 1);
    }
  }
  return {
    'operator writes accepted': events.filter((e) => (e.responseStatus?.code ?? 0) < 400).length,
    'operator writes refused': [...refused].map(([k, n]) => `${k} ×${String(n)}`).join(', '),
  };
};
