// Benchmark: 1,000 rows × (ConfigMap, Service, Deployment) from empty to every node Ready, then a steady state that must write nothing; targets in docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchHub,
  byKind,
  cpuMillis,
  listNodes,
  log,
  operatorWrites,
  peakRssMb,
  rssMb,
  say,
  withBenchWorld,
} from './bench-kit.js';

const rows = Number(process.env['LYNQ_BENCH_ROWS'] ?? '1000');
const steadySeconds = Number(process.env['LYNQ_BENCH_STEADY_SECONDS'] ?? '300');

/** Three resources per node, in two levels: the Deployment waits for its ConfigMap. */
const form = (namespace: string): Record<string, unknown> => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web', namespace },
  spec: {
    hubId: 'hub',
    configMaps: [
      {
        id: 'settings',
        nameTemplate: '{{ uid }}-settings',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { plan: '{{ plan }}', host: '{{ uid }}.example.com' },
        },
      },
    ],
    services: [
      {
        id: 'svc',
        nameTemplate: '{{ uid }}',
        spec: {
          apiVersion: 'v1',
          kind: 'Service',
          spec: {
            selector: { app: '{{ uid }}' },
            ports: [{ port: 80, targetPort: 8080 }],
          },
        },
      },
    ],
    deployments: [
      {
        id: 'app',
        nameTemplate: '{{ uid }}',
        dependIds: ['settings'],
        waitForReady: false,
        spec: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: '{{ uid }}' } },
            template: {
              metadata: { labels: { app: '{{ uid }}', plan: '{{ plan }}' } },
              spec: {
                containers: [
                  {
                    name: 'app',
                    image: 'nginx:1.27',
                    envFrom: [{ configMapRef: { name: '{{ uid }}-settings' } }],
                  },
                ],
              },
            },
          },
        },
      },
    ],
  },
});

const isReady = (node: { status?: { conditions?: { type: string; status: string }[] } }) =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

const main = (): Promise<void> =>
  withBenchWorld(rows, async (world) => {
    await world.post('lynqforms', form(world.namespace));
    const operator = await world.startOperator();
    const { pid } = operator;
    await sleep(2_000);

    const started = Date.now();
    const t0 = performance.now();
    const cpu0 = cpuMillis(pid);
    await world.post('lynqhubs', benchHub(world, '30s'));
    let ready = 0;
    while (ready < rows) {
      await sleep(1_000);
      ready = (await listNodes(world)).filter(isReady).length;
      if (performance.now() - t0 > 900_000)
        throw new Error(`only ${ready} nodes Ready after 15 minutes`);
    }
    const wallMs = performance.now() - t0;
    const cpuCreate = cpuMillis(pid) - cpu0;
    const createWrites = operatorWrites(world.controlPlane.auditLogFile, started);
    const children = createWrites.filter((e) =>
      ['configmaps', 'services', 'deployments'].includes(e.objectRef?.resource ?? ''),
    );
    const nodeWrites = createWrites.filter(
      (e) => e.objectRef?.resource === 'lynqnodes' && e.objectRef.subresource === undefined,
    );
    const statusWrites = createWrites.filter((e) => e.objectRef?.subresource === 'status');

    say('rows × resources', `${rows} × 3 (ConfigMap, Service, Deployment)`);
    say('empty → every node Ready (wall)', `${(wallMs / 1000).toFixed(1)} s`);
    say('operator CPU during that', `${(cpuCreate / 1000).toFixed(1)} s`);
    say('operator writes during that', String(createWrites.length));
    say('  children', `${children.length} (${byKind(children)})`);
    say('  LynqNodes', `${nodeWrites.length} (${byKind(nodeWrites)})`);
    say('  status', `${statusWrites.length} (${byKind(statusWrites)})`);
    const rest = createWrites.filter(
      (e) => !children.includes(e) && !nodeWrites.includes(e) && !statusWrites.includes(e),
    );
    say('  other', `${rest.length} (${byKind(rest)})`);
    say('operator peak RSS', `${peakRssMb(pid).toFixed(0)} MB`);

    // Let the last coalesced status writes land, then measure the steady state.
    await sleep(5_000);
    log(`steady state for ${steadySeconds} s`);
    const steadySince = Date.now();
    const cpu1 = cpuMillis(pid);
    const s0 = performance.now();
    await sleep(steadySeconds * 1000);
    const steadyCpu = cpuMillis(pid) - cpu1;
    const steadyWall = performance.now() - s0;
    const steadyWrites = operatorWrites(world.controlPlane.auditLogFile, steadySince);
    say('steady window', `${steadySeconds} s (hub syncInterval 30s)`);
    say('steady writes (target 0)', `${steadyWrites.length} (${byKind(steadyWrites)})`);
    say(
      'steady operator CPU (target < 2 % of a core)',
      `${((steadyCpu / steadyWall) * 100).toFixed(2)} % (${(steadyCpu / 1000).toFixed(1)} s CPU)`,
    );
    say('operator peak RSS at the end', `${peakRssMb(pid).toFixed(0)} MB`);
    say('operator RSS at the end', `${rssMb(pid).toFixed(0)} MB`);
  });

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
