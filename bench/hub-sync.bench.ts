// Benchmark: one hub with 10,000 rows × 1 form from empty to 10,000 LynqNodes, then steady-state syncs (issue 4 targets).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { createConnection } from 'mysql2/promise';
import { cachePaths, repoRoot } from '../test/harness/cache-paths.js';
import { startControlPlane } from '../test/harness/control-plane.js';
import { ensureDatabaseServer } from '../test/harness/database-server.js';
import { kubeRequest } from '../test/harness/kube-request.js';
import { reapStaleProcesses } from '../test/harness/managed-process.js';
import type { AuditEvent } from '../test/harness/test-env.js';

const rows = Number(process.env['LYNQ_BENCH_ROWS'] ?? '10000');
const steadySeconds = Number(process.env['LYNQ_BENCH_STEADY_SECONDS'] ?? '30');
const syncIntervalSeconds = 5;
const namespace = 'bench';

const say = (label: string, value: string): void => {
  process.stdout.write(`${label.padEnd(44)} ${value}\n`);
};
const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/** utime + stime of a process, in milliseconds (clock ticks of 10 ms on Linux). */
const cpuMillis = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const peakRssMb = (pid: number): number => {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? '0') / 1024;
};

const operatorWrites = (auditLog: string, since: number): AuditEvent[] =>
  readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter(
      (e) =>
        e.stage === 'ResponseComplete' &&
        e.user.username === 'lynq-operator' &&
        Date.parse(e.requestReceivedTimestamp) >= since,
    );

const byKind = (events: readonly AuditEvent[]): string => {
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = `${e.verb} ${e.objectRef?.resource ?? ''}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}=${n}`).join(', ') || 'none';
};

const main = async (): Promise<void> => {
  const paths = cachePaths();
  reapStaleProcesses(paths.runDir);
  const dir = mkdtempSync(join(tmpdir(), 'lynq-bench-'));
  const [database, controlPlane] = await Promise.all([
    ensureDatabaseServer(dir, paths.runDir, log),
    startControlPlane({ dir: join(dir, 'cp'), log }),
  ]);
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigs.admin);
  let operator: ReturnType<typeof spawn> | undefined;
  try {
    const dbName = `lynq_bench_${process.pid}`;
    const admin = await createConnection({ uri: database.url });
    await admin.query(`CREATE DATABASE ${admin.escapeId(dbName)}`);
    await admin.query(`USE ${admin.escapeId(dbName)}`);
    await admin.query(
      'CREATE TABLE nodes (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(16))',
    );
    for (let start = 0; start < rows; start += 1000) {
      const chunk = Array.from({ length: Math.min(1000, rows - start) }, (_, i) => [
        `tenant-${start + i}`,
        1,
        'pro',
      ]);
      await admin.query('INSERT INTO nodes VALUES ?', [chunk]);
    }
    await kubeRequest(kc, {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: namespace } },
    });
    const url = new URL(database.url);
    const post = (plural: string, body: unknown) =>
      kubeRequest(kc, {
        method: 'POST',
        path: `/apis/operator.lynq.sh/v1/namespaces/${namespace}/${plural}`,
        body,
      });
    await post('lynqforms', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'web', namespace },
      spec: {
        hubId: 'hub',
        configMaps: [
          {
            id: 'cfg',
            nameTemplate: '{{ uid }}',
            spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
          },
        ],
      },
    });

    let output = '';
    operator = spawn(
      process.execPath,
      [
        join(repoRoot(), 'dist', 'src', 'main.js'),
        'operator',
        '--kubeconfig',
        controlPlane.kubeconfigs.operator,
        '--namespace',
        namespace,
        '--health-port',
        '-1',
        '--log-level',
        'debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    operator.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    operator.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const pid = operator.pid ?? 0;
    await sleep(2_000);

    const started = Date.now();
    const t0 = performance.now();
    const cpu0 = cpuMillis(pid);
    await post('lynqhubs', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqHub',
      metadata: { name: 'hub', namespace },
      spec: {
        source: {
          type: 'mysql',
          syncInterval: `${syncIntervalSeconds}s`,
          mysql: {
            host: url.hostname,
            port: Number(url.port || '3306'),
            username: 'root',
            database: dbName,
            table: 'nodes',
          },
        },
        valueMappings: { uid: 'id', activate: 'active' },
        extraValueMappings: { plan: 'plan' },
      },
    });
    let count = 0;
    while (count < rows) {
      const res = await kubeRequest(kc, {
        method: 'GET',
        path: `/apis/operator.lynq.sh/v1/namespaces/${namespace}/lynqnodes?limit=1`,
      });
      const body = res.body as { items: unknown[]; metadata: { remainingItemCount?: number } };
      count = body.items.length + (body.metadata.remainingItemCount ?? 0);
      if (performance.now() - t0 > 600_000) throw new Error(`only ${count} nodes after 10 minutes`);
      await sleep(250);
    }
    const wallMs = performance.now() - t0;
    const cpuCreate = cpuMillis(pid) - cpu0;
    const createWrites = operatorWrites(controlPlane.auditLogFile, started);

    // Let the last status write and node-actor start-ups settle, then watch steady syncs.
    await sleep((syncIntervalSeconds + 3) * 1000);
    const steadySince = Date.now();
    const logFrom = output.length;
    const cpu1 = cpuMillis(pid);
    await sleep(steadySeconds * 1000);
    const steadyCpu = cpuMillis(pid) - cpu1;
    const steadyWrites = operatorWrites(controlPlane.auditLogFile, steadySince);
    const syncLines = output
      .slice(logFrom)
      .split('\n')
      .filter((l) => l.includes('"Hub sync finished"'))
      .map((l) => JSON.parse(l) as { durationMs: number; wrote?: boolean });

    say('rows × forms', `${rows} × 1`);
    say('empty → all LynqNodes exist (wall)', `${(wallMs / 1000).toFixed(1)} s`);
    say('operator CPU during creation', `${(cpuCreate / 1000).toFixed(1)} s`);
    say('operator writes during creation', `${createWrites.length} (${byKind(createWrites)})`);
    say('operator peak RSS', `${peakRssMb(pid).toFixed(0)} MB`);
    say(
      'steady window',
      `${steadySeconds} s, ${syncLines.length} syncs of ${syncIntervalSeconds} s`,
    );
    say('steady writes (target 0)', `${steadyWrites.length} (${byKind(steadyWrites)})`);
    say(
      'operator CPU per unchanged sync (target < 200 ms)',
      syncLines.length === 0
        ? 'n/a'
        : `${(steadyCpu / syncLines.length).toFixed(0)} ms (whole process, incl. watches)`,
    );
    say(
      'unchanged sync wall time (median)',
      syncLines.length === 0
        ? 'n/a'
        : `${[...syncLines].sort((a, b) => a.durationMs - b.durationMs)[Math.floor(syncLines.length / 2)]?.durationMs ?? 0} ms`,
    );
    await admin.query(`DROP DATABASE ${admin.escapeId(dbName)}`);
    await admin.end();
  } finally {
    operator?.kill('SIGTERM');
    await controlPlane.stop();
    await database.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
