// Benchmark (SPEC P4): a one-row change in a quiet hub while a busy hub converges N rows, and H hubs × N/H rows against 1 hub × N rows.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequest } from '../test/harness/kube-request.js';
import {
  benchHub,
  cpuMillis,
  log,
  peakRssMb,
  say,
  withBenchWorld,
  type BenchWorld,
} from './bench-kit.js';

/** `--name=value` from the command line, else the environment variable, else the default. */
const setting = (name: string, env: string, fallback: number): number => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = Number(arg?.slice(name.length + 3) ?? process.env[env] ?? String(fallback));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name}: not a positive whole number`);
  return value;
};

/** All rows of the busy hub, and of the many hubs together. Everyday: `--rows=1000 --hubs=10`. */
const rows = setting('rows', 'LYNQ_BENCH_ROWS', 10_000);
const hubs = setting('hubs', 'LYNQ_BENCH_HUBS', 100);
/** A one-row change is timed every this many seconds while the busy hub converges. */
const sampleEverySeconds = 5;
const quietSyncInterval = '1s';

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const form = (world: BenchWorld, name: string, hubId: string) =>
  world.post('lynqforms', {
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqForm',
    metadata: { name, namespace: world.namespace },
    spec: {
      hubId,
      configMaps: [
        {
          id: 'cfg',
          nameTemplate: '{{ uid }}',
          spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
        },
      ],
    },
  });

/** A hub named `name` reading `table` every `syncInterval`. */
const hubOn = (world: BenchWorld, name: string, table: string, syncInterval: string) => {
  const hub = benchHub(world, syncInterval) as {
    metadata: Record<string, unknown>;
    spec: { source: { mysql: Record<string, unknown> } & Record<string, unknown> };
  };
  return {
    ...hub,
    metadata: { ...hub.metadata, name },
    spec: {
      ...hub.spec,
      source: { ...hub.spec.source, mysql: { ...hub.spec.source.mysql, table } },
    },
  };
};

/**
 * Ready nodes per form, from the forms' status (one list request): a form recounts its nodes
 * as their status changes, a hub only at its syncs.
 */
const readyByForm = async (world: BenchWorld): Promise<Map<string, number>> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: `/apis/operator.lynq.sh/v1/namespaces/${world.namespace}/lynqforms`,
  });
  const items = (
    res.body as { items: { metadata: { name: string }; status?: { readyNodes?: number } }[] }
  ).items;
  return new Map(items.map((f) => [f.metadata.name, f.status?.readyNodes ?? 0]));
};

const configMapExists = async (world: BenchWorld, name: string): Promise<boolean> =>
  (
    await kubeRequest(world.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${world.namespace}/configmaps/${name}`,
    })
  ).status === 200;

/** Inserts one quiet row and returns the milliseconds from its COMMIT to its ConfigMap. */
const oneRowChange = async (world: BenchWorld, uid: string): Promise<number> => {
  await world.db.query("INSERT INTO quiet (id, active, plan) VALUES (?, 1, 'pro')", [uid]);
  const t0 = performance.now();
  const deadline = t0 + 600_000;
  while (!(await configMapExists(world, uid))) {
    if (performance.now() > deadline) throw new Error(`${uid}: no ConfigMap within 10 minutes`);
    await sleep(20);
  }
  return performance.now() - t0;
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Part 1: the quiet hub's one-row changes before and while the busy hub converges `rows`. */
const busyAndQuiet = async (): Promise<number> => {
  let converged = 0;
  await withBenchWorld(rows, async (world) => {
    await world.db.query(
      'CREATE TABLE quiet (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(16))',
    );
    await form(world, 'busy-web', 'busy');
    await form(world, 'quiet-web', 'quiet');
    const operator = await world.startOperator();
    await world.post('lynqhubs', hubOn(world, 'quiet', 'quiet', quietSyncInterval));
    const idle: number[] = [];
    for (let i = 0; i < 3; i += 1) idle.push(await oneRowChange(world, `idle-${String(i)}`));

    const cpu0 = cpuMillis(operator.pid);
    const t0 = performance.now();
    await world.post('lynqhubs', hubOn(world, 'busy', 'nodes', '30s'));
    const loaded: { ms: number; busyReady: number }[] = [];
    for (let k = 0; ; k += 1) {
      const ready = (await readyByForm(world)).get('busy-web') ?? 0;
      if (ready >= rows) {
        converged = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > 30 * 60_000)
        throw new Error(`busy: ${String(ready)} ready in 30 min`);
      const ms = await oneRowChange(world, `busy-${String(k)}`);
      loaded.push({ ms, busyReady: ready });
      log(
        `one-row change ${String(k)}: ${ms.toFixed(0)} ms with ${String(ready)} busy nodes ready`,
      );
      await sleep(sampleEverySeconds * 1000);
    }
    const during = loaded.filter((s) => s.busyReady < rows * 0.9).map((s) => s.ms);
    const sorted = [...(during.length > 0 ? during : loaded.map((s) => s.ms))].sort(
      (a, b) => a - b,
    );
    say('busy hub rows, quiet hub syncInterval', `${String(rows)}, ${quietSyncInterval}`);
    say(
      'one-row change in the quiet hub, idle operator (COMMIT → ConfigMap)',
      idle.map((ms) => `${ms.toFixed(0)} ms`).join(', '),
    );
    say(
      'one-row change in the quiet hub while the busy hub converges',
      `p50 ${percentile(sorted, 50).toFixed(0)} ms, max ${percentile(sorted, 100).toFixed(0)} ms over ${String(sorted.length)} changes (target: syncInterval + 1 s)`,
    );
    say(`1 hub × ${String(rows)} rows: hub created → all nodes Ready`, seconds(converged));
    say('operator CPU during that', seconds(cpuMillis(operator.pid) - cpu0));
    say('operator peak RSS', `${peakRssMb(operator.pid).toFixed(0)} MB`);
  });
  return converged;
};

/** Part 2: `hubs` hubs of `rows / hubs` rows each, created at once, until every node is Ready. */
const manyHubs = async (): Promise<number> => {
  let converged = 0;
  await withBenchWorld(rows, async (world) => {
    const per = Math.floor(rows / hubs);
    for (let h = 0; h < hubs; h += 1) {
      const table = `nodes_${String(h)}`;
      await world.db.query(
        `CREATE TABLE ${table} (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(16))`,
      );
      // Distinct uids across hubs: the ConfigMaps share one namespace.
      await world.db.query(
        `INSERT INTO ${table} SELECT CONCAT('h${String(h)}-', id), active, plan FROM nodes ORDER BY id LIMIT ? OFFSET ?`,
        [per, h * per],
      );
      await form(world, `web-${String(h)}`, `hub-${String(h)}`);
    }
    const operator = await world.startOperator();
    await sleep(2_000);
    const cpu0 = cpuMillis(operator.pid);
    const t0 = performance.now();
    for (let h = 0; h < hubs; h += 1) {
      await world.post('lynqhubs', hubOn(world, `hub-${String(h)}`, `nodes_${String(h)}`, '30s'));
    }
    for (;;) {
      const ready = [...(await readyByForm(world)).values()].reduce((a, b) => a + b, 0);
      if (ready >= per * hubs) break;
      if (performance.now() - t0 > 30 * 60_000) throw new Error(`${String(ready)} ready in 30 min`);
      await sleep(2_000);
    }
    converged = performance.now() - t0;
    say(
      `${String(hubs)} hubs × ${String(per)} rows: hubs created → all nodes Ready`,
      seconds(converged),
    );
    say('operator CPU during that', seconds(cpuMillis(operator.pid) - cpu0));
    say('operator peak RSS', `${peakRssMb(operator.pid).toFixed(0)} MB`);
  });
  return converged;
};

const main = async (): Promise<void> => {
  // The operators this bench starts inherit it: no metrics server, so a port another process
  // holds cannot stop them.
  process.env['LYNQ_METRICS_PORT'] ??= '-1';
  const one = await busyAndQuiet();
  const many = await manyHubs();
  say(
    `${String(hubs)} hubs × ${String(Math.floor(rows / hubs))} rows against 1 hub × ${String(rows)} rows`,
    `${(many / one).toFixed(2)}× the time (target: about 1×)`,
  );
};

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
