// Benchmark: a rollout of 1,000 nodes with maxSkew 50, each Deployment becoming available a fixed delay after it changed (status set through the status subresource): total time, most nodes ever updating, operator CPU. Figures in docs/benchmarks.md.
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeRequest } from '../test/harness/kube-request.js';
import {
  readyAtGeneration,
  recordNodeHistory,
  replayRollout,
} from '../test/integration/node-history.js';
import {
  benchHub,
  byKind,
  cpuMillis,
  log,
  operatorWrites,
  peakRssMb,
  say,
  withBenchWorld,
  type BenchWorld,
} from './bench-kit.js';

const rows = Number(process.env['LYNQ_BENCH_ROWS'] ?? '1000');
const maxSkew = Number(process.env['LYNQ_BENCH_MAX_SKEW'] ?? '50');
const readyDelayMs = Number(process.env['LYNQ_BENCH_READY_DELAY_MS'] ?? '2000');

/** One Deployment per node; `version` goes into its pod template, so a change is a rollout. */
const form = (namespace: string, version: string): Record<string, unknown> => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name: 'web', namespace },
  spec: {
    hubId: 'hub',
    rollout: { maxSkew, progressDeadlineSeconds: 600 },
    deployments: [
      {
        id: 'app',
        nameTemplate: '{{ uid }}',
        spec: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: '{{ uid }}' } },
            template: {
              metadata: { labels: { app: '{{ uid }}' }, annotations: { version } },
              spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
            },
          },
        },
      },
    ],
  },
});

interface DeploymentView {
  metadata: { name: string; generation?: number };
  status?: { observedGeneration?: number };
}

/**
 * The deployment controller the control plane lacks: `readyDelayMs` after a Deployment's
 * generation changes, its status says every replica is available (N8).
 */
const fakeDeploymentController = async (world: BenchWorld): Promise<() => void> => {
  const path = `/apis/apps/v1/namespaces/${world.namespace}/deployments`;
  const cluster = world.kc.getCurrentCluster();
  if (cluster === null) throw new Error('no cluster');
  const scheduled = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const seen = (d: DeploymentView): void => {
    const generation = d.metadata.generation ?? 0;
    if ((d.status?.observedGeneration ?? 0) >= generation) return;
    if (scheduled.get(d.metadata.name) === generation) return;
    scheduled.set(d.metadata.name, generation);
    const timer = setTimeout(() => {
      timers.delete(timer);
      void kubeRequest(world.kc, {
        method: 'PATCH',
        path: `${path}/${d.metadata.name}/status`,
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            observedGeneration: generation,
            replicas: 1,
            updatedReplicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
          },
        },
      });
    }, readyDelayMs);
    timers.add(timer);
  };
  const options: Parameters<typeof request>[1] = { method: 'GET', headers: {} };
  await world.kc.applyToHTTPSOptions(options);
  let call: ClientRequest | undefined;
  let stopped = false;
  const watch = (): void => {
    if (stopped) return;
    call = request(
      new URL(`${path}?watch=1&timeoutSeconds=1800`, cluster.server),
      options,
      (res) => {
        let buffered = '';
        res.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim() !== '') seen((JSON.parse(line) as { object: DeploymentView }).object);
            newline = buffered.indexOf('\n');
          }
        });
        res.on('end', watch);
        res.on('error', () => undefined);
      },
    );
    call.on('error', () => setTimeout(watch, 500));
    call.end();
  };
  watch();
  return () => {
    stopped = true;
    call?.destroy();
    for (const timer of timers) clearTimeout(timer);
  };
};

const main = (): Promise<void> =>
  withBenchWorld(rows, async (world) => {
    const stopController = await fakeDeploymentController(world);
    try {
      await world.post('lynqforms', form(world.namespace, 'v1'));
      const operator = await world.startOperator();
      const { pid } = operator;
      await world.post('lynqhubs', benchHub(world, '30s'));
      log(`waiting for ${rows} nodes Ready on the first revision`);
      const created = performance.now();
      for (;;) {
        await sleep(2_000);
        const res = await kubeRequest(world.kc, {
          method: 'GET',
          path: `/apis/operator.lynq.sh/v1/namespaces/${world.namespace}/lynqnodes`,
        });
        const nodes = (res.body as { items: Parameters<typeof readyAtGeneration>[0][] }).items;
        if (nodes.length === rows && nodes.every(readyAtGeneration)) break;
        if (performance.now() - created > 1_800_000) throw new Error('not Ready in 30 minutes');
      }
      await sleep(3_000);

      const history = await recordNodeHistory(world.kc, world.namespace);
      const since = Date.now();
      const cpu0 = cpuMillis(pid);
      const t0 = performance.now();
      const patched = await kubeRequest(world.kc, {
        method: 'PATCH',
        path: `/apis/operator.lynq.sh/v1/namespaces/${world.namespace}/lynqforms/web`,
        contentType: 'application/merge-patch+json',
        body: { spec: form(world.namespace, 'v2')['spec'] },
      });
      if (patched.status !== 200) throw new Error(patched.text);
      const original = new Set(history.initial.map((n) => n.spec.revision));
      let target: string | undefined;
      for (;;) {
        await sleep(500);
        const replay = replayRollout(history, target ?? '');
        const nodes = [...replay.latest.values()];
        target ??= nodes
          .map((n) => n.spec.revision)
          .find((r) => r !== undefined && !original.has(r));
        if (
          target !== undefined &&
          nodes.length === rows &&
          nodes.every((n) => n.spec.revision === target && readyAtGeneration(n))
        )
          break;
        if (performance.now() - t0 > 1_800_000) throw new Error('rollout not done in 30 minutes');
      }
      const wallMs = performance.now() - t0;
      const cpu = cpuMillis(pid) - cpu0;
      history.stop();
      const replay = replayRollout(history, target);
      const writes = operatorWrites(world.controlPlane.auditLogFile, since);
      const revisionWrites = writes.filter(
        (e) =>
          e.verb === 'patch' &&
          e.objectRef?.resource === 'lynqnodes' &&
          e.objectRef.subresource === undefined,
      );
      say('nodes, maxSkew, readiness delay', `${rows}, ${maxSkew}, ${readyDelayMs} ms`);
      say('rollout: change → every node Ready (wall)', `${(wallMs / 1000).toFixed(1)} s`);
      say(
        'most nodes ever updating (target ≤ maxSkew)',
        `${replay.maxUpdating} (every node change replayed in the API server's order)`,
      );
      say('node revision writes (audit log)', String(revisionWrites.length));
      say('operator CPU during the rollout', `${(cpu / 1000).toFixed(1)} s`);
      say('operator writes during the rollout', `${writes.length} (${byKind(writes)})`);
      say('operator peak RSS', `${peakRssMb(pid).toFixed(0)} MB`);
    } finally {
      stopController();
    }
  });

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
