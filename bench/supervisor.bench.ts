// Benchmark: 10,000 node actors started by the supervisor (DESIGN 4 target: under 1 s, about 4 KiB each).
import { performance } from 'node:perf_hooks';
import type { LynqNode } from '../src/api/lynq-node.schema.js';
import { nodeActorFactory } from '../src/actors/node.actor.js';
import { startSupervisor } from '../src/actors/actor-supervisor.js';
import type { ApiClient } from '../src/kube/api-client.js';
import { pino } from 'pino';
import { defaultTargetPolicy } from '../src/kube/target-policy.js';

const count = Number(process.env['LYNQ_BENCH_NODES'] ?? '10000');

/** Node actors in this benchmark never reach the API: nothing is deleting. */
const unusedClient: ApiClient = {
  get: () => Promise.reject(new Error('not used')),
  create: () => Promise.reject(new Error('not used')),
  patch: () => Promise.reject(new Error('not used')),
  remove: () => Promise.reject(new Error('not used')),
};

const node = (i: number): LynqNode =>
  ({
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqNode',
    metadata: { namespace: 'bench', name: `tenant-${i}-web`, uid: `uid-${i}`, generation: 1 },
    spec: { uid: `tenant-${i}`, templateRef: 'web', variables: { uid: `tenant-${i}` } },
  }) as unknown as LynqNode;

const nodes = Array.from({ length: count }, (_, i) => node(i));
const unused = (): never => {
  throw new Error('not used');
};
// Nodes without a revision wait in pending: they only publish their phase, never render or write.
const supervisor = startSupervisor(
  nodeActorFactory({
    client: unusedClient,
    logger: pino({ level: 'silent' }),
    write: { transport: { request: unused, close: () => undefined } as never, paths: {} as never },
    paths: {} as never,
    targets: defaultTargetPolicy,
    renderer: {} as never,
    readRevision: unused,
    statusWriter: {
      publish: () => undefined,
      observe: () => undefined,
      forget: () => undefined,
      flush: () => Promise.resolve(),
      writes: () => 0,
    },
    events: { record: () => Promise.resolve(), writes: () => 0 },
  }),
);
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
for (const n of nodes)
  supervisor.observe(`${n.metadata.namespace ?? ''}/${n.metadata.name ?? ''}`, n);
const elapsed = performance.now() - started;
global.gc?.();
const heapAfter = process.memoryUsage().heapUsed;

const line = (label: string, value: string): void => {
  process.stdout.write(`${label.padEnd(34)} ${value}\n`);
};
line('node actors started', String(supervisor.size()));
line('wall time', `${elapsed.toFixed(0)} ms (target < 1000 ms)`);
line('per actor', `${((elapsed * 1000) / count).toFixed(1)} µs`);
line(
  'heap per actor',
  `${((heapAfter - heapBefore) / count / 1024).toFixed(1)} KiB${global.gc ? '' : ' (run with --expose-gc for exact figures)'}`,
);
line('supervisor counters', JSON.stringify(supervisor.actor.getSnapshot().context));
supervisor.stop();
