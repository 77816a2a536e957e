// Benchmark: the heap a ready node keeps, in-process: N nodes × (ConfigMap, Service, Deployment) rendered by the real pool and applied to an in-memory API server.
import { writeHeapSnapshot } from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { LynqNode } from '../src/api/lynq-node.schema.js';
import { startSupervisor } from '../src/actors/actor-supervisor.js';
import { nodeActorFactory } from '../src/actors/node.actor.js';
import type { ApiClient } from '../src/kube/api-client.js';
import type { KubeRequest, KubeResponse, KubeTransport } from '../src/kube/http-transport.js';
import { createResourcePaths } from '../src/kube/resource-paths.js';
import { createStatusWriter } from '../src/kube/status-writer.js';
import { defaultTargetPolicy } from '../src/kube/target-policy.js';
import { createRenderBatcher } from '../src/render/render-batcher.js';
import { createRenderPool } from '../src/render/render-pool.js';
import { threeResources } from './three-resources.js';

/*
 * No control plane: the API server is a map of objects that answers discovery, GET, POST and
 * PATCH, so the figure is the operator's own heap per node, not the machine's load. The
 * resources are those of `bench:scale` (the Deployment depends on the ConfigMap and does not
 * wait for readiness). `--snapshot <file>` writes a heap snapshot of the settled process for
 * `heap-by-constructor`.
 */
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? undefined : args[at + 1];
};
const count = Number(flag('nodes') ?? '1000');
const snapshotFile = flag('snapshot');

const discovery: Record<string, unknown> = {
  '/api/v1': {
    resources: [
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { name: 'services', kind: 'Service', namespaced: true },
    ],
  },
  '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] },
};

/** The in-memory API server: objects by path, as JSON off the heap, a resourceVersion counter. */
const objects = new Map<string, Buffer>();
let version = 0;
const answer = (status: number, body: unknown): Promise<KubeResponse> =>
  Promise.resolve({ status, headers: {}, body });
const bodyOf = (req: KubeRequest): Record<string, unknown> =>
  (typeof req.body === 'string' ? JSON.parse(req.body) : req.body) as Record<string, unknown>;
const stored = (path: string, body: Record<string, unknown>): Record<string, unknown> => {
  version += 1;
  const metadata = (body['metadata'] ?? {}) as Record<string, unknown>;
  const object = {
    ...body,
    metadata: { ...metadata, uid: `uid-${String(version)}`, resourceVersion: String(version) },
  };
  objects.set(path, Buffer.from(JSON.stringify(object)));
  return object;
};
const server: KubeTransport = {
  request: (req) => {
    const path = req.path.split('?')[0] ?? req.path;
    if (req.method === 'GET') {
      const object = objects.get(path);
      const found =
        discovery[path] ?? (object === undefined ? undefined : JSON.parse(object.toString()));
      return found === undefined ? answer(404, { reason: 'NotFound' }) : answer(200, found);
    }
    if (req.method === 'POST') {
      const body = bodyOf(req);
      const name = (body['metadata'] as { name: string }).name;
      return answer(201, stored(`${path}/${name}`, body));
    }
    if (req.method === 'PATCH' || req.method === 'PUT')
      return answer(200, stored(path, bodyOf(req)));
    return answer(200, {});
  },
  stream: () => Promise.reject(new Error('no watches in this benchmark')),
};
/** A JSON merge patch (RFC 7386) applied to `target`. */
const merged = (target: unknown, patch: unknown): unknown => {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const before =
    typeof target === 'object' && target !== null ? (target as Record<string, unknown>) : {};
  const changes = Object.entries(patch as Record<string, unknown>);
  const kept = Object.entries(before).filter(([key]) => !changes.some(([k]) => k === key));
  return Object.fromEntries([
    ...kept,
    ...changes
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, merged(before[key], value)]),
  ]);
};

/** The LynqNodes as the node watch would show them, by name. */
const nodes = new Map<string, LynqNode>();
/**
 * Status writes land on the node and come back as the watch would bring them (a parsed copy),
 * so the status writer and the node actor hold what they hold in the operator; events are
 * accepted and not kept.
 */
const client: ApiClient = {
  get: () => Promise.resolve(undefined),
  create: (_path: string, body: unknown) => Promise.resolve(body),
  patch: (path: string, _type: unknown, body: unknown) => {
    const name = /\/lynqnodes\/([^/]+)\/status$/.exec(path)?.[1];
    const current = name === undefined ? undefined : nodes.get(decodeURIComponent(name));
    if (current !== undefined) {
      const status = merged(current.status, (body as { status: unknown }).status);
      const next = JSON.parse(JSON.stringify({ ...current, status })) as LynqNode;
      nodes.set(next.metadata.name ?? '', next);
      setImmediate(() => {
        supervisor.observe(`bench/${next.metadata.name ?? ''}`, next);
      });
    }
    return Promise.resolve({});
  },
  remove: () => Promise.resolve(true),
};

const node = (i: number): LynqNode =>
  ({
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqNode',
    metadata: {
      namespace: 'bench',
      name: `tenant-${String(i)}-web`,
      uid: `node-uid-${String(i)}`,
      generation: 1,
      labels: { 'lynq.sh/hub': 'hub' },
    },
    spec: {
      uid: `tenant-${String(i)}`,
      templateRef: 'web',
      revision: 'web-1',
      variables: { uid: `tenant-${String(i)}`, plan: i % 2 === 0 ? 'basic' : 'pro' },
    },
  }) as unknown as LynqNode;

const logger = pino({ level: 'silent' });
const pool = createRenderPool({
  minThreads: 1,
  maxThreads: 1,
  idleTimeoutMs: 30_000,
  maxOldGenerationSizeMb: 256,
});
await pool.start();
const paths = createResourcePaths(server);
const statusWriter = createStatusWriter({ client, logger });
const supervisor = startSupervisor(
  nodeActorFactory({
    client,
    logger,
    write: { transport: server, paths },
    paths,
    targets: defaultTargetPolicy,
    renderer: createRenderBatcher(pool),
    readRevision: () => Promise.resolve({ data: threeResources }),
    statusWriter,
    events: { record: () => Promise.resolve(), writes: () => 0 },
  }),
);

const gc = (): void => {
  global.gc?.();
};
gc();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
for (let i = 0; i < count; i += 1) {
  const n = node(i);
  nodes.set(n.metadata.name ?? '', n);
  supervisor.observe(`bench/${n.metadata.name ?? ''}`, n);
}
// Ready when every Deployment exists and the apply passes have ended (3 objects per node).
while (objects.size < count * 3) await sleep(100);
// The last passes end, their statuses are written and come back through the watch.
await sleep(1_500);
await statusWriter.flush();
await sleep(500);
const elapsed = performance.now() - started;
gc();
await sleep(500);
gc();
const heapAfter = process.memoryUsage().heapUsed;
const line = (label: string, value: string): void => {
  process.stdout.write(`${label.padEnd(34)} ${value}\n`);
};
line('nodes ready', `${String(count)} (objects ${String(objects.size)})`);
line('wall time', `${(elapsed / 1000).toFixed(1)} s`);
line(
  'heap per ready node (with its LynqNode)',
  `${((heapAfter - heapBefore) / count / 1024).toFixed(1)} KiB${global.gc ? '' : ' (run with --expose-gc for exact figures)'}`,
);
line('rss', `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
if (snapshotFile !== undefined) line('heap snapshot', writeHeapSnapshot(snapshotFile));
supervisor.stop();
await pool.stop();
