// Benchmark: N rows × (ConfigMap, Service, Deployment) from empty, against a bare server-side-apply loop for the same objects on the same server, then steady state, an UPDATE and a guarded mass deletion. Targets in docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createHttpTransport, type HttpTransport } from '../src/kube/http-transport.js';
import { readPlainKubeConfig } from '../src/kube/kube-access.js';
import { createReflector } from '../src/kube/reflector.js';
import { freePort } from '../test/harness/free-port.js';
import { threeResources } from './three-resources.js';
import {
  benchHub,
  byKind,
  cpuMillis,
  cpuMillisByThread,
  log,
  operatorWrites,
  peakRssMb,
  rssMb,
  say,
  threadCpuDelta,
  withBenchWorld,
  type BenchWorld,
} from './bench-kit.js';

/** `--rows 1000 --steady-seconds 300 --settle-seconds 40 --update-rows 100 --delete-rows <rows/2> --bare-in-flight 32` */
const flag = (name: string, fallback: number): number => {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  const value =
    at >= 0 ? args[at + 1] : process.env[`LYNQ_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const parsed = Number(value ?? fallback);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name}: not a number: ${value}`);
  return parsed;
};

const rows = flag('rows', 1000);
const steadySeconds = flag('steady-seconds', 300);
/**
 * Between convergence and the steady window. V8's memory reducer collects the converge's garbage
 * in one full GC about 80–90 s after the work ends (hundreds of ms at 1,000 nodes): a short
 * window that holds it shows that GC, not the syncs.
 */
const settleSeconds = flag('settle-seconds', 40);
const updateRows = Math.min(rows, flag('update-rows', 100));
const deleteRows = Math.min(rows, flag('delete-rows', Math.floor(rows / 2)));
const bareInFlight = flag('bare-in-flight', 32);
/** `--heap-snapshot 1`: a heap snapshot of the settled operator (see below). */
const heapSnapshot = flag('heap-snapshot', 0) > 0;
const syncInterval = '30s';
const fieldManager = 'bare-ssa-bench';

const names = (i: number) => ({ uid: `tenant-${i}`, settings: `tenant-${i}-settings` });

/** The three objects of row `i` as the form renders them (without Lynq's tracking metadata). */
const objectsOf = (i: number, plan: string): { path: string; body: Record<string, unknown> }[] => {
  const { uid, settings } = names(i);
  return [
    {
      path: `configmaps/${settings}`,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: settings },
        data: { plan, host: `${uid}.example.com` },
      },
    },
    {
      path: `services/${uid}`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: uid },
        spec: { selector: { app: uid }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    },
    {
      path: `deployments/${uid}`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: uid },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: uid } },
          template: {
            metadata: { labels: { app: uid, plan } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'nginx:1.27',
                  envFrom: [{ configMapRef: { name: settings } }],
                },
              ],
            },
          },
        },
      },
    },
  ];
};

/** The same three resources as a form: the Deployment waits for its ConfigMap. */
const form = (namespace: string): Record<string, unknown> => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web', namespace },
  spec: { hubId: 'hub', ...threeResources },
});

const adminTransport = (world: BenchWorld, maxSockets: number): HttpTransport => {
  const access = readPlainKubeConfig(world.controlPlane.kubeconfigs.admin);
  if (access === undefined) throw new Error('bench: the admin kubeconfig is not a plain one');
  return createHttpTransport(access, { maxSockets, maxFreeSockets: maxSockets });
};

/** How many objects a collection holds (one small request: `limit=1` and the remaining count). */
const countOf = async (api: HttpTransport, path: string): Promise<number> => {
  const res = await api.request({ method: 'GET', path: `${path}?limit=1`, timeoutMs: 60_000 });
  if (res.status !== 200) throw new Error(`bench: GET ${path}: HTTP ${res.status}`);
  const body = res.body as { items: unknown[]; metadata: { remainingItemCount?: number } };
  return body.items.length + (body.metadata.remainingItemCount ?? 0);
};

/** Runs `work` over `items` with at most `inFlight` at once. */
const pool = async <T>(items: readonly T[], inFlight: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) {
        const item = items[i];
        if (item !== undefined) await work(item);
      }
    }),
  );
};

/** Polls `check` every `everyMs` until it is true; fails after `limitMs`. */
const until = async (
  what: string,
  limitMs: number,
  everyMs: number,
  check: () => Promise<boolean>,
) => {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > limitMs)
      throw new Error(`bench: ${what}: not within ${limitMs / 1000} s`);
    await sleep(everyMs);
  }
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** The bare loop: every object applied once with server-side apply, `bareInFlight` at a time. */
const bareApplyLoop = async (world: BenchWorld): Promise<number> => {
  const api = adminTransport(world, bareInFlight);
  const namespace = 'bare';
  await api.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name: namespace } },
    timeoutMs: 30_000,
  });
  const objects = Array.from({ length: rows }, (_, i) => objectsOf(i, 'pro')).flat();
  const t0 = performance.now();
  await pool(objects, bareInFlight, async ({ path, body }) => {
    const group = path.startsWith('deployments/') ? '/apis/apps/v1' : '/api/v1';
    const res = await api.request({
      method: 'PATCH',
      path: `${group}/namespaces/${namespace}/${path}?fieldManager=${fieldManager}&force=true`,
      body,
      contentType: 'application/apply-patch+yaml',
      timeoutMs: 60_000,
    });
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`bench: bare apply ${path}: HTTP ${res.status}`);
    }
  });
  const ms = performance.now() - t0;
  // Gone before Lynq starts, so both runs meet the same server (its controllers included).
  await api.request({
    method: 'DELETE',
    path: `/api/v1/namespaces/${namespace}`,
    timeoutMs: 60_000,
  });
  const d0 = performance.now();
  await until('the bare namespace is deleted', 1_800_000, 2_000, async () => {
    const res = await api.request({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}`,
      timeoutMs: 30_000,
    });
    return res.status === 404;
  });
  log(`bare namespace deleted in ${((performance.now() - d0) / 1000).toFixed(0)} s`);
  api.close();
  return ms;
};

/** Heap and RSS as the operator's own /metrics reports them (prom-client's process metrics). */
const scrapeMemory = async (
  port: number,
): Promise<{ heapMb: number; rssMb: number } | undefined> => {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (name: string): number =>
      Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024 / 1024;
    return {
      heapMb: value('nodejs_heap_size_used_bytes'),
      rssMb: value('process_resident_memory_bytes'),
    };
  } catch {
    return undefined;
  }
};

const main = (): Promise<void> =>
  withBenchWorld(rows, async (world) => {
    const ns = world.namespace;
    const admin = adminTransport(world, 8);
    log(`bare server-side-apply loop: ${rows * 3} objects, ${bareInFlight} in flight`);
    const bareMs = await bareApplyLoop(world);

    await world.post('lynqforms', form(ns));
    const metricsPort = await freePort();
    const operatorStarted = performance.now();
    const operator = await world.startOperator({ metricsPort });
    const { pid } = operator;
    /** Seconds since the operator started: the phases' bounds in its `--cpu-prof` profile. */
    const mark = (phase: string): void => {
      log(`operator +${((performance.now() - operatorStarted) / 1000).toFixed(1)} s: ${phase}`);
    };
    await sleep(5_000);
    const idleRss = rssMb(pid);
    const rootCa =
      (
        await admin.request({
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`,
          timeoutMs: 30_000,
        })
      ).status === 200;

    let peakHeapMb = 0;
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const m = await scrapeMemory(metricsPort);
        if (m !== undefined && m.heapMb > peakHeapMb) peakHeapMb = m.heapMb;
        await sleep(1_000);
      }
    })();

    log(`Lynq: ${rows} rows × 3 objects from empty`);
    mark('converge starts');
    const started = Date.now();
    const t0 = performance.now();
    const cpu0 = cpuMillis(pid);
    const threads0 = cpuMillisByThread(pid);
    await world.post('lynqhubs', {
      ...benchHub(world, syncInterval),
      spec: {
        ...(benchHub(world, syncInterval)['spec'] as Record<string, unknown>),
        // Below the deletion the bench makes: it goes through the guard's token (SPEC H9).
        deletionGuard: { maxDeletions: '10%' },
      },
    });
    let objectsMs: number | undefined;
    let readyMs: number | undefined;
    const readyCount = async (): Promise<number> => {
      const hub = await admin.request({
        method: 'GET',
        path: `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqhubs/hub`,
        timeoutMs: 30_000,
      });
      return (hub.body as { status?: { ready?: number } }).status?.ready ?? 0;
    };
    await until('every object exists and every node is Ready', 3_600_000, 1_000, async () => {
      if (objectsMs === undefined) {
        const [configMaps, services, deployments] = await Promise.all([
          countOf(admin, `/api/v1/namespaces/${ns}/configmaps`),
          countOf(admin, `/api/v1/namespaces/${ns}/services`),
          countOf(admin, `/apis/apps/v1/namespaces/${ns}/deployments`),
        ]);
        if (configMaps - (rootCa ? 1 : 0) >= rows && services >= rows && deployments >= rows) {
          objectsMs = performance.now() - t0;
        }
      }
      if (readyMs === undefined && (await readyCount()) >= rows) readyMs = performance.now() - t0;
      return objectsMs !== undefined && readyMs !== undefined;
    });
    const convergeCpu = cpuMillis(pid) - cpu0;
    const convergeThreads = threadCpuDelta(threads0, cpuMillisByThread(pid));
    mark('converged');
    const convergeWrites = operatorWrites(world.controlPlane.auditLogFile, started);
    const convergePeakRss = peakRssMb(pid);
    // Scraping /metrics costs the operator CPU: not during the steady window.
    sampling.on = false;
    await sampler;

    // Coalesced status writes land, workers idle out; then the steady window.
    await sleep(settleSeconds * 1000);
    const settledRss = rssMb(pid);
    const settledHeap = (await scrapeMemory(metricsPort))?.heapMb ?? Number.NaN;
    if (heapSnapshot) {
      // Needs LYNQ_BENCH_OPERATOR_NODE_ARGS=--heapsnapshot-signal=SIGUSR2; the file lands in the
      // working directory (read it with dist/bench/heap-by-constructor.js).
      process.kill(pid, 'SIGUSR2');
      await sleep(30_000);
    }
    log(`steady window: ${steadySeconds} s`);
    mark('steady window starts');
    const steadySince = Date.now();
    const logFrom = operator.output().length;
    const cpu1 = cpuMillis(pid);
    const threads1 = cpuMillisByThread(pid);
    const s0 = performance.now();
    await sleep(steadySeconds * 1000);
    const steadyCpu = cpuMillis(pid) - cpu1;
    const steadyThreads = threadCpuDelta(threads1, cpuMillisByThread(pid));
    const steadyWall = performance.now() - s0;
    mark('steady window ends');
    const steadyWrites = operatorWrites(world.controlPlane.auditLogFile, steadySince);
    const syncs = operator
      .output()
      .slice(logFrom)
      .split('\n')
      .filter((l) => l.includes('"Hub sync finished"')).length;

    // UPDATE: each changed row's ConfigMap, seen through a watch, against the UPDATE's time.
    log(`UPDATE of ${updateRows} rows`);
    const seen = new Map<string, number>();
    const watched = createReflector({
      transport: admin,
      path: `/api/v1/namespaces/${ns}/configmaps`,
      logger: pino({ level: 'silent' }),
      handler: {
        added: () => undefined,
        updated: (obj) => {
          const data = obj['data'] as Record<string, string> | undefined;
          if (data?.['plan'] === 'max' && !seen.has(obj.metadata.name)) {
            seen.set(obj.metadata.name, performance.now());
          }
        },
        deleted: () => undefined,
      },
    });
    watched.start();
    await watched.synced();
    const updated = Array.from({ length: updateRows }, (_, i) => names(i).uid);
    const u0 = performance.now();
    await world.db.query("UPDATE nodes SET plan = 'max' WHERE id IN (?)", [updated]);
    // A sync now, not at the next poll (SPEC H11): the figure is the operator's, not the interval's.
    await admin.request({
      method: 'PATCH',
      path: `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqhubs/hub`,
      body: { metadata: { annotations: { 'lynq.sh/reconcile-at': String(Date.now()) } } },
      contentType: 'application/merge-patch+json',
      timeoutMs: 30_000,
    });
    await until('the updated ConfigMaps changed', 600_000, 250, () =>
      Promise.resolve(seen.size >= updateRows),
    );
    await watched.stop();
    const latencies = [...seen.values()].map((t) => t - u0).sort((a, b) => a - b);

    // `--delete-rows 0` skips it (e.g. to profile converge and steady state only).
    const guardedDelete = async () => {
      // DELETE through the guard: the hub holds the deletion and shows a token; the token lets it go.
      log(`DELETE of ${deleteRows} rows through the deletion guard`);
      const deleted = Array.from({ length: deleteRows }, (_, i) => names(rows - 1 - i).uid);
      const deleteSince = Date.now();
      const cpu2 = cpuMillis(pid);
      for (let i = 0; i < deleted.length; i += 1000) {
        await world.db.query('DELETE FROM nodes WHERE id IN (?)', [deleted.slice(i, i + 1000)]);
      }
      let token: string | undefined;
      await admin.request({
        method: 'PATCH',
        path: `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqhubs/hub`,
        body: { metadata: { annotations: { 'lynq.sh/reconcile-at': `d${Date.now()}` } } },
        contentType: 'application/merge-patch+json',
        timeoutMs: 30_000,
      });
      await until('the deletion guard shows a token', 600_000, 500, async () => {
        const hub = await admin.request({
          method: 'GET',
          path: `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqhubs/hub`,
          timeoutMs: 30_000,
        });
        const conditions =
          (
            hub.body as {
              status?: { conditions?: { type: string; status: string; message?: string }[] };
            }
          ).status?.conditions ?? [];
        const guarded = conditions.find((c) => c.type === 'DeletionGuarded' && c.status === 'True');
        token = /\(token ([^)]+)\)/.exec(guarded?.message ?? '')?.[1];
        return token !== undefined;
      });
      const d0 = performance.now();
      await admin.request({
        method: 'PATCH',
        path: `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqhubs/hub`,
        body: { metadata: { annotations: { 'lynq.sh/allow-deletions': token } } },
        contentType: 'application/merge-patch+json',
        timeoutMs: 30_000,
      });
      await until('the deleted rows’ nodes and objects are gone', 3_600_000, 1_000, async () => {
        const [nodes, deployments] = await Promise.all([
          countOf(admin, `/apis/operator.lynq.sh/v1/namespaces/${ns}/lynqnodes`),
          countOf(admin, `/apis/apps/v1/namespaces/${ns}/deployments`),
        ]);
        return nodes <= rows - deleteRows && deployments <= rows - deleteRows;
      });
      const deleteMs = performance.now() - d0;
      const deleteCpu = cpuMillis(pid) - cpu2;
      const deleteWrites = operatorWrites(world.controlPlane.auditLogFile, deleteSince);
      return { deleteMs, deleteCpu, deleteWrites };
    };
    const deletion = deleteRows > 0 ? await guardedDelete() : undefined;
    admin.close();

    const s = (ms: number | undefined): string =>
      ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
    const ratio = objectsMs === undefined ? Number.NaN : objectsMs / bareMs;
    const steadyPercent = (steadyCpu / steadyWall) * 100;
    const perSync = syncs === 0 ? Number.NaN : steadyCpu / syncs;
    say('rows × resources', `${rows} × 3 (ConfigMap, Service, Deployment)`);
    say(
      'bare SSA loop, same objects',
      `${s(bareMs)} (${((rows * 3) / (bareMs / 1000)).toFixed(0)} objects/s, ${bareInFlight} in flight)`,
    );
    say('operator RSS before the hub (idle)', `${idleRss.toFixed(0)} MB`);
    say('Lynq: all objects exist', `${s(objectsMs)} (${ratio.toFixed(2)}× the bare loop)`);
    say('Lynq: all nodes Ready', s(readyMs));
    say('operator CPU to converge', `${(convergeCpu / 1000).toFixed(1)} s`);
    say('· by thread', convergeThreads);
    say('operator writes to converge', `${convergeWrites.length} (${byKind(convergeWrites)})`);
    say(
      'operator peak RSS / peak heap',
      `${convergePeakRss.toFixed(0)} MB / ${peakHeapMb.toFixed(0)} MB`,
    );
    say(
      'operator settled RSS / heap',
      `${settledRss.toFixed(0)} MB / ${settledHeap.toFixed(0)} MB`,
    );
    say(
      `steady ${steadySeconds} s: CPU / writes`,
      `${steadyPercent.toFixed(2)} % / ${steadyWrites.length} (${byKind(steadyWrites)})`,
    );
    say('· by thread', steadyThreads);
    say(
      'steady: syncs / CPU per unchanged sync',
      `${syncs} / ${perSync.toFixed(0)} ms (whole process)`,
    );
    say(
      `UPDATE of ${updateRows} rows → ConfigMaps changed`,
      `p50 ${s(percentile(latencies, 50))}, p99 ${s(percentile(latencies, 99))}`,
    );
    if (deletion !== undefined) {
      const { deleteMs, deleteCpu, deleteWrites } = deletion;
      say(
        `DELETE of ${deleteRows} rows via the guard token`,
        `${s(deleteMs)}, CPU ${(deleteCpu / 1000).toFixed(1)} s, ${deleteWrites.length} writes (${byKind(deleteWrites)})`,
      );
    }
    say('operator peak RSS at the end', `${peakRssMb(pid).toFixed(0)} MB`);
    const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    process.stdout.write(
      `\ntargets at 10,000 rows: peak RSS ≤ 300 MB ${verdict(peakRssMb(pid) <= 300)}; ` +
        `steady 0 writes ${verdict(steadyWrites.length === 0)}, ≤ 2 % CPU ${verdict(steadyPercent <= 2)}; ` +
        `unchanged sync ≤ 100 ms CPU ${verdict(perSync <= 100)}; converge ≤ 2× bare ${verdict(ratio <= 2)}` +
        `${rows === 10_000 ? '' : ` (this run: ${rows} rows)`}\n`,
    );
  });

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
