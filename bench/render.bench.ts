// Benchmark: a realistic form (Deployment, Service, ConfigMap, Ingress) over 10,000 rows, inline and pooled.

import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compileForm } from '../src/render/compile.js';
import { createTemplateEnvironment } from '../src/render/environment.js';
import { loadTemplateFunctions } from '../src/render/function-table.js';
import { createRenderBatcher } from '../src/render/render-batcher.js';
import { createRenderPool, type RenderPool } from '../src/render/render-pool.js';
import { renderNode, type RenderNodeInput } from '../src/render/render.js';
import type { ResourceEntry } from '../src/render/render-types.js';

const rows = Number(process.env['BENCH_ROWS'] ?? 10_000);

const labels = {
  app: '{{ uid }}',
  'app.kubernetes.io/name': '{{ uid }}-web',
  'app.kubernetes.io/instance': '{{ uid }}',
  'lynq.sh/plan': '{{ plan }}',
};

/** About 60 template leaves across four resources. */
export const benchForm: readonly ResourceEntry[] = [
  {
    id: 'config',
    nameTemplate: '{{ uid }}-config',
    labelsTemplate: labels,
    spec: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { labels: { tier: 'config', region: '{{ region }}' } },
      data: {
        TENANT: '{{ uid }}',
        PLAN: '{{ plan }}',
        REGION: '{{ region }}',
        DATABASE_URL: 'mysql://{{ uid }}:3306/{{ uid }}_db',
        CACHE_URL: 'redis://cache.{{ region }}.internal:6379/{{ shard }}',
        FEATURES: '{% if plan == "pro" %}sso,audit,export{% else %}basic{% endif %}',
        MAX_USERS: '{{ seats * 10 }}',
        LOG_LEVEL: '{{ logLevel | default("info") }}',
        CONTACT: '{{ email | lower }}',
        HOST: '{{ host }}',
      },
    },
  },
  {
    id: 'web',
    nameTemplate: '{{ uid }}-web',
    labelsTemplate: labels,
    annotationsTemplate: { 'lynq.sh/owner': '{{ email }}', 'lynq.sh/plan': '{{ plan }}' },
    dependIds: ['config'],
    spec: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: {
        replicas: '{{ replicas | int }}',
        selector: { matchLabels: { app: '{{ uid }}' } },
        template: {
          metadata: {
            labels: { app: '{{ uid }}', plan: '{{ plan }}' },
            annotations: { 'checksum/config': '{{ uid }}-{{ plan }}-{{ region }}' },
          },
          spec: {
            serviceAccountName: '{{ uid }}-sa',
            containers: [
              {
                name: 'web',
                image: 'registry.example.com/{{ image }}:{{ version }}',
                ports: [{ containerPort: '{{ port | int }}', name: 'http' }],
                env: [
                  { name: 'TENANT', value: '{{ uid }}' },
                  { name: 'PLAN', value: '{{ plan }}' },
                  { name: 'PORT', value: '{{ port }}' },
                  { name: 'REGION', value: '{{ region }}' },
                  { name: 'SHARD', value: '{{ shard }}' },
                  { name: 'SEATS', value: '{{ seats }}' },
                ],
                envFrom: [{ configMapRef: { name: '{{ uid }}-config' } }],
                resources: {
                  requests: {
                    cpu: '{{ "500m" if plan == "pro" else "100m" }}',
                    memory: '{{ memoryMi }}Mi',
                  },
                  limits: { cpu: '{{ cpuLimit }}', memory: '{{ memoryMi * 2 }}Mi' },
                },
                readinessProbe: {
                  httpGet: { path: '/healthz', port: '{{ port | int }}' },
                  periodSeconds: 10,
                },
              },
            ],
          },
        },
      },
    },
  },
  {
    id: 'svc',
    nameTemplate: '{{ uid }}-web',
    labelsTemplate: labels,
    dependIds: ['web'],
    spec: {
      apiVersion: 'v1',
      kind: 'Service',
      spec: {
        selector: { app: '{{ uid }}' },
        ports: [{ name: 'http', port: 80, targetPort: '{{ port | int }}' }],
      },
    },
  },
  {
    id: 'ingress',
    nameTemplate: '{{ uid }}-web',
    labelsTemplate: labels,
    annotationsTemplate: {
      'cert-manager.io/cluster-issuer': '{{ issuer | default("letsencrypt") }}',
      'nginx.ingress.kubernetes.io/proxy-body-size': '{{ bodySize }}m',
    },
    dependIds: ['svc'],
    spec: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['{{ host }}'], secretName: '{{ uid }}-tls' }],
        rules: [
          {
            host: '{{ host }}',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: '{{ uid }}-web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  },
];

export const benchRow = (i: number): RenderNodeInput => ({
  namespace: 'tenants',
  variables: {
    uid: `tenant-${i}`,
    plan: i % 3 === 0 ? 'pro' : 'basic',
    region: ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3] ?? 'eu-west-1',
    shard: String(i % 16),
    seats: 5 + (i % 50),
    email: `Owner${i}@Example.com`,
    host: `tenant-${i}.apps.example.com`,
    replicas: String(1 + (i % 3)),
    image: 'acme/web',
    version: `1.${i % 10}.0`,
    port: '8080',
    memoryMi: 256,
    cpuLimit: '1',
    bodySize: 16,
    hubId: 'tenants',
    templateRef: 'web-stack',
  },
  tracking: {
    labels: { 'lynq.sh/node': `tenant-${i}-web-stack`, 'lynq.sh/node-namespace': 'tenants' },
    annotations: { 'lynq.sh/deletion-policy': 'Delete' },
  },
});

interface SingleRun {
  readonly ms: number;
  readonly mainActiveMs: number;
  readonly stallMs: number;
  readonly poolCalls: number;
  readonly failures: number;
}

/**
 * Every row as its own render call, as node actors ask: straight to the pool (one task per
 * node), or through the batcher (nodes of the revision arriving together share a task).
 */
const renderOneByOne = async (
  pool: RenderPool,
  inputs: readonly RenderNodeInput[],
  batched: boolean,
): Promise<SingleRun> => {
  const batcher = createRenderBatcher(pool);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const elu0 = performance.eventLoopUtilization();
  delay.enable();
  const t0 = performance.now();
  const results = await Promise.all(
    inputs.map(async (node) => {
      if (batched) return batcher.render({ revisionKey: 'bench', resources: benchForm, node });
      const [result] = await pool.render({
        revisionKey: 'bench',
        resources: benchForm,
        nodes: [node],
      });
      return result;
    }),
  );
  const ms = performance.now() - t0;
  delay.disable();
  return {
    ms,
    mainActiveMs: performance.eventLoopUtilization(elu0).active,
    stallMs: delay.max / 1e6,
    poolCalls: batched ? batcher.stats().batches : inputs.length,
    failures: results.filter((r) => r === undefined || !r.ok || r.errors.length > 0).length,
  };
};

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const main = async (): Promise<void> => {
  const functions = await loadTemplateFunctions();
  const env = createTemplateEnvironment({ functions });
  const form = compileForm(env, benchForm);
  if (form.errors.length > 0) throw new Error(JSON.stringify(form.errors));
  const inputs = Array.from({ length: rows }, (_, i) => benchRow(i));

  // Main thread: compile once, render every row.
  for (let i = 0; i < 1_000; i += 1) renderNode(form, inputs[i % rows] ?? benchRow(i));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let failures = 0;
  for (const input of inputs) if (!renderNode(form, input).ok) failures += 1;
  const inlineMs = performance.now() - t0;
  const inlineCpu = process.cpuUsage(cpu0);
  const inlineCpuMs = (inlineCpu.user + inlineCpu.system) / 1000;

  // Pool: one thread per core, warmed up before the measured runs.
  const threads = Math.max(1, availableParallelism());
  const pool = createRenderPool({
    minThreads: threads,
    maxThreads: threads,
    idleTimeoutMs: 30_000,
    maxOldGenerationSizeMb: 256,
  });
  await pool.start();
  const request = { revisionKey: 'bench', resources: benchForm, nodes: inputs };
  await pool.render({ ...request, nodes: inputs.slice(0, 2_000) });

  const runs: { ms: number; stallMs: number; mainActiveMs: number; failures: number }[] = [];
  for (let run = 0; run < 3; run += 1) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let probeMax = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      probeMax = Math.max(probeMax, now - last);
      last = now;
    }, 1);
    const elu0 = performance.eventLoopUtilization();
    delay.enable();
    const t1 = performance.now();
    const results = await pool.render(request);
    const ms = performance.now() - t1;
    delay.disable();
    clearInterval(probe);
    const elu = performance.eventLoopUtilization(elu0);
    runs.push({
      ms,
      stallMs: Math.max(delay.max / 1e6, probeMax),
      mainActiveMs: elu.active,
      failures: results.filter((r) => !r.ok || r.errors.length > 0).length,
    });
  }
  const unbatched = await renderOneByOne(pool, inputs, false);
  const batched = await renderOneByOne(pool, inputs, true);
  const poolStats = pool.stats();
  await pool.stop();

  const single = (label: string, r: SingleRun): string =>
    `${label}: ${fmt(r.ms)} ms, ${fmt(rows / (r.ms / 1000))} renders/s, ${fmt(r.poolCalls)} pool calls, main thread busy ${fmt(r.mainActiveMs)} ms, longest stall ${fmt(r.stallMs, 1)} ms, failures ${r.failures}`;
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  const out = [
    `rows: ${fmt(rows)}, template leaves per row: ${form.templateLeaves}, threads: ${threads}, load average: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `main thread: ${fmt(inlineMs)} ms wall (${fmt(inlineCpuMs)} ms CPU), ${fmt(rows / (inlineMs / 1000))} renders/s, ${fmt((inlineCpuMs * 1000) / rows, 1)} µs CPU per row, failures ${failures}`,
    ...runs.map(
      (r, i) =>
        `pool run ${i + 1}: ${fmt(r.ms)} ms, ${fmt(rows / (r.ms / 1000))} renders/s, main thread busy ${fmt(r.mainActiveMs)} ms, longest stall ${fmt(r.stallMs, 1)} ms, failures ${r.failures}`,
    ),
    `best pool run: ${fmt(best.ms)} ms (${fmt(rows / (best.ms / 1000))} renders/s); longest main-thread stall over all runs: ${fmt(Math.max(...runs.map((r) => r.stallMs)), 1)} ms`,
    single('one call per row, unbatched', unbatched),
    single('one call per row, batcher', batched),
    `revision compilations in workers: ${fmt(poolStats.compilations)}, tasks sent again with the resources: ${fmt(poolStats.cacheMisses)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
};

await main();
