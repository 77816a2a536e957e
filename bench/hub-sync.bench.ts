// Benchmark: one hub with 10,000 rows × 1 form from empty to 10,000 LynqNodes, then steady-state syncs; targets in docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequest } from '../test/harness/kube-request.js';
import {
  benchHub,
  byKind,
  cpuMillis,
  operatorWrites,
  peakRssMb,
  rssMb,
  say,
  withBenchWorld,
} from './bench-kit.js';

const rows = Number(process.env['LYNQ_BENCH_ROWS'] ?? '10000');
const steadySeconds = Number(process.env['LYNQ_BENCH_STEADY_SECONDS'] ?? '30');
const syncIntervalSeconds = 5;
/** Time after the last node appears before the steady window: node actors finish their applies. */
const settleSeconds = Number(process.env['LYNQ_BENCH_SETTLE_SECONDS'] ?? '30');

const main = (): Promise<void> =>
  withBenchWorld(rows, async (world) => {
    await world.post('lynqforms', {
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'web', namespace: world.namespace },
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
    const operator = await world.startOperator();
    const { pid } = operator;
    await sleep(2_000);

    const started = Date.now();
    const t0 = performance.now();
    const cpu0 = cpuMillis(pid);
    await world.post('lynqhubs', benchHub(world, `${syncIntervalSeconds}s`));
    let count = 0;
    while (count < rows) {
      const res = await kubeRequest(world.kc, {
        method: 'GET',
        path: `/apis/operator.lynq.sh/v1/namespaces/${world.namespace}/lynqnodes?limit=1`,
      });
      const body = res.body as { items: unknown[]; metadata: { remainingItemCount?: number } };
      count = body.items.length + (body.metadata.remainingItemCount ?? 0);
      if (performance.now() - t0 > 600_000) throw new Error(`only ${count} nodes after 10 minutes`);
      await sleep(250);
    }
    const wallMs = performance.now() - t0;
    const cpuCreate = cpuMillis(pid) - cpu0;
    const createWrites = operatorWrites(world.controlPlane.auditLogFile, started);

    // Let node actors finish applying and their statuses land, then watch steady syncs.
    await sleep(settleSeconds * 1000);
    const steadySince = Date.now();
    const logFrom = operator.output().length;
    const cpu1 = cpuMillis(pid);
    await sleep(steadySeconds * 1000);
    const steadyCpu = cpuMillis(pid) - cpu1;
    const steadyWrites = operatorWrites(world.controlPlane.auditLogFile, steadySince);
    const syncLines = operator
      .output()
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
    say('operator RSS after the steady window', `${rssMb(pid).toFixed(0)} MB`);
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
  });

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
