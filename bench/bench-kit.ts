// What the end-to-end benchmarks share: a control plane and database, the operator process as users start it, and figures read from /proc and the audit log.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createConnection, type Connection } from 'mysql2/promise';
import { auditRecords } from '../test/harness/audit-lines.js';
import { cachePaths } from '../test/harness/cache-paths.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { ensureDatabaseServer, type DatabaseServer } from '../test/harness/database-server.js';
import { kubeRequest, type KubeResponse } from '../test/harness/kube-request.js';
import { reapStaleProcesses } from '../test/harness/managed-process.js';
import { startOperator, type OperatorProcess } from '../test/harness/operator-process.js';
import type { AuditEvent } from '../test/harness/test-env.js';

export const say = (label: string, value: string): void => {
  process.stdout.write(`${label.padEnd(48)} ${value}\n`);
};

export const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/** utime + stime of a process, in milliseconds (clock ticks of 10 ms on Linux). */
export const cpuMillis = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/** CPU milliseconds per thread name of a process (`main` for the main thread; V8's and libuv's helpers, workers). */
export const cpuMillisByThread = (pid: number): Map<string, number> => {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name =
        tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      out.set(name, (out.get(name) ?? 0) + ms);
    } catch (err) {
      // A thread that ended between the listing and the read has nothing more to say.
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    }
  }
  return out;
};

/** `name=ms, …` of what each thread name spent between two `cpuMillisByThread` readings. */
export const threadCpuDelta = (
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): string =>
  [...after]
    .map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name}=${ms} ms`)
    .join(', ') || 'none';

const statusMb = (pid: number, field: string): number => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return Number(match?.[1] ?? '0') / 1024;
};

/** The most memory the process ever held (VmHWM). */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

/** The memory the process holds now (VmRSS). */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');

/** Every request of the operator's user completed since `since` (the audit log logs writes only). */
export const operatorWrites = (auditLog: string, since: number): AuditEvent[] =>
  auditRecords<AuditEvent>(readFileSync(auditLog, 'utf8')).filter(
    (e) =>
      e.stage === 'ResponseComplete' &&
      e.user.username === 'lynq-operator' &&
      Date.parse(e.requestReceivedTimestamp) >= since,
  );

/** `verb resource[/subresource]=count, …` */
export const byKind = (events: readonly AuditEvent[]): string => {
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = `${e.verb} ${e.objectRef?.resource ?? ''}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}=${n}`).join(', ') || 'none';
};

export interface BenchWorld {
  readonly kc: KubeConfig;
  readonly controlPlane: ControlPlane;
  readonly db: Connection;
  readonly dbName: string;
  readonly dbUrl: URL;
  readonly namespace: string;
  /** POSTs a namespaced operator.lynq.sh object. */
  post(plural: string, body: unknown): Promise<KubeResponse>;
  /**
   * Starts the operator as its own user on the bench namespace with its default timings; its
   * output is collected. No metrics server unless `metricsPort` is given: the default port
   * would collide with any other operator.
   */
  startOperator(options?: { readonly metricsPort?: number }): Promise<OperatorProcess>;
}

/**
 * Runs `body` with a fresh control plane, a database holding table `nodes` (id, active, plan)
 * filled with `rows` active rows, and a namespace; stops everything afterwards.
 */
export const withBenchWorld = async (
  rows: number,
  body: (world: BenchWorld) => Promise<void>,
): Promise<void> => {
  const namespace = 'bench';
  const paths = cachePaths();
  reapStaleProcesses(paths.runDir);
  const dir = mkdtempSync(join(tmpdir(), 'lynq-bench-'));
  let database: DatabaseServer | undefined;
  let controlPlane: ControlPlane | undefined;
  const operators: OperatorProcess[] = [];
  try {
    [database, controlPlane] = await Promise.all([
      ensureDatabaseServer(dir, paths.runDir, log),
      startControlPlane({ dir: join(dir, 'cp'), log }),
    ]);
    const cp = controlPlane;
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigs.admin);
    const dbName = `lynq_bench_${process.pid}`;
    const db = await createConnection({ uri: database.url });
    await db.query(`CREATE DATABASE ${db.escapeId(dbName)}`);
    await db.query(`USE ${db.escapeId(dbName)}`);
    await db.query(
      'CREATE TABLE nodes (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(16))',
    );
    for (let start = 0; start < rows; start += 1000) {
      const chunk = Array.from({ length: Math.min(1000, rows - start) }, (_, i) => [
        `tenant-${start + i}`,
        1,
        'pro',
      ]);
      await db.query('INSERT INTO nodes VALUES ?', [chunk]);
    }
    await kubeRequest(kc, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: namespace } },
    });
    const world: BenchWorld = {
      kc,
      controlPlane: cp,
      db,
      dbName,
      dbUrl: new URL(database.url),
      namespace,
      post: (plural, object) =>
        kubeRequest(kc, {
          method: 'POST',
          path: `/apis/operator.lynq.sh/v1/namespaces/${namespace}/${plural}`,
          body: object,
        }),
      startOperator: async (options = {}) => {
        const operator = await startOperator({
          namespace,
          kubeconfig: cp.kubeconfigs.operator,
          testTimings: false,
          ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
          // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where the operator's time goes.
          nodeArgs: (process.env['LYNQ_BENCH_OPERATOR_NODE_ARGS'] ?? '')
            .split(' ')
            .filter((a) => a !== ''),
          // e.g. with `--trace-gc` in LYNQ_BENCH_OPERATOR_NODE_ARGS, to read the operator's GCs.
          ...(process.env['LYNQ_BENCH_OPERATOR_OUTPUT'] === undefined
            ? {}
            : { outputCopy: process.env['LYNQ_BENCH_OPERATOR_OUTPUT'] }),
        });
        operators.push(operator);
        return operator;
      },
    };
    try {
      await body(world);
    } finally {
      await db.query(`DROP DATABASE ${db.escapeId(dbName)}`);
      await db.end();
    }
  } finally {
    // Stopped gracefully and waited for, so profiles and logs are complete.
    await Promise.all(operators.map((operator) => operator.stop()));
    await controlPlane?.stop();
    await database?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** A LynqHub reading table `nodes` of the bench database every `syncInterval`. */
export const benchHub = (world: BenchWorld, syncInterval: string): Record<string, unknown> => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqHub',
  metadata: { name: 'hub', namespace: world.namespace },
  spec: {
    source: {
      type: 'mysql',
      syncInterval,
      mysql: {
        host: world.dbUrl.hostname,
        port: Number(world.dbUrl.port || '3306'),
        username: 'root',
        database: world.dbName,
        table: 'nodes',
      },
    },
    valueMappings: { uid: 'id', activate: 'active' },
    extraValueMappings: { plan: 'plan' },
  },
});

/** Lists the bench namespace's LynqNodes (one request per call). */
export const listNodes = async (
  world: BenchWorld,
): Promise<
  { status?: { conditions?: { type: string; status: string }[] }; metadata: { name: string } }[]
> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: `/apis/operator.lynq.sh/v1/namespaces/${world.namespace}/lynqnodes`,
  });
  return (res.body as { items: [] }).items;
};
