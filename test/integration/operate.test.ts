// Operating the operator on the real control plane: two replicas and their lease (P2), /metrics moving with the rows (O4), /readyz's not-ready → ready edge (O5).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { repoRoot } from '../harness/cache-paths.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/free-port.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  auditEvents,
  type AuditEvent,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type TestDatabase,
} from '../harness/test-env.js';

const outputDir = join(repoRoot(), 'test-output');

/**
 * The defaults, spelled out: a handover still fits a test, and a leader on a loaded machine
 * still renews within its deadline (at load 25 a 4 s deadline can pass unrenewed: the new
 * leader rightly stops writing and the rows are left to nobody).
 */
const lease = { durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const leaseArgs = (ns: string): string[] => [
  '--leader-elect',
  `--leader-election-namespace=${ns}`,
  `--leader-elect-lease-duration=${String(lease.durationMs)}ms`,
  `--leader-elect-renew-deadline=${String(lease.renewDeadlineMs)}ms`,
  `--leader-elect-retry-period=${String(lease.retryPeriodMs)}ms`,
];

interface World {
  readonly ns: string;
  readonly db: TestDatabase;
  readonly kc: KubeConfig;
  insertRows(from: number, n: number): Promise<void>;
  configMaps(): Promise<Map<string, string>>;
  close(): Promise<void>;
}

/** A namespace, a table, a hub polling it every second and a form of one ConfigMap per row. */
const openWorld = async (label: string): Promise<World> => {
  const [namespace, db, kc, env] = await Promise.all([
    createTestNamespace(label),
    createTestDatabase(label),
    kubeConfigFor('admin'),
    testEnv(),
  ]);
  const ns = namespace.name;
  await db.connection.query(
    'CREATE TABLE `rows` (id VARCHAR(64) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
  );
  const post = async (path: string, body: unknown): Promise<void> => {
    const res = await kubeRequest(kc, { method: 'POST', path, body });
    assert.equal(res.status, 201, res.text);
  };
  await post(
    lynqPath('lynqhubs', ns),
    mysqlHub({
      name: 'hub',
      namespace: ns,
      mysqlUrl: env.mysqlUrl,
      database: db.name,
      table: 'rows',
      extraValueMappings: { plan: 'plan' },
    }),
  );
  await post(lynqPath('lynqforms', ns), {
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqForm',
    metadata: { name: 'web', namespace: ns },
    spec: {
      hubId: 'hub',
      configMaps: [
        {
          id: 'settings',
          nameTemplate: '{{ uid }}-settings',
          spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
        },
      ],
    },
  });
  return {
    ns,
    db,
    kc,
    insertRows: async (from, n) => {
      const values = Array.from({ length: n }, (_, i) => [`r${String(from + i)}`, 1, 'pro']);
      await db.connection.query('INSERT INTO `rows` (id, active, plan) VALUES ?', [values]);
    },
    configMaps: async () => {
      const res = await kubeRequest(kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/configmaps?labelSelector=lynq.sh%2Fnode`,
      });
      const items = (
        res.body as { items: { metadata: { name: string }; data?: { plan?: string } }[] }
      ).items;
      return new Map(items.map((i) => [i.metadata.name, i.data?.plan ?? '']));
    },
    close: async () => {
      await Promise.all([namespace.remove(), db.drop()]);
    },
  };
};

const holderOf = async (world: World): Promise<string> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: `/apis/coordination.k8s.io/v1/namespaces/${world.ns}/leases/lynq-leader`,
  });
  return res.status === 200
    ? ((res.body as { spec: { holderIdentity?: string } }).spec.holderIdentity ?? '')
    : '';
};

/** Whether this process logged that it became the leader as `holder` (a standby logs the holder too). */
const identityIn = (operator: OperatorProcess, holder: string): boolean =>
  holder !== '' &&
  operator
    .output()
    .split('\n')
    .some((line) => line.includes('Became leader') && line.includes(`"identity":"${holder}"`));

const get = async (port: number, path: string): Promise<[number, string]> => {
  const res = await fetch(`http://127.0.0.1:${String(port)}${path}`);
  return [res.status, await res.text()];
};

/** Writes by one operator process (its identity is in its User-Agent) in the namespace. */
const writesOf = async (world: World, identity: string) =>
  auditEvents(
    (e) =>
      (e.userAgent ?? '').includes(identity) &&
      (e.objectRef?.namespace === world.ns || e.objectRef?.namespace === undefined),
  );

/**
 * When the old leader's fence closed at the latest: its last accepted lease write (as the API
 * server received it, so no later than the process sent it) plus the renew deadline.
 */
const deadlineOf = async (world: World, identity: string): Promise<number> => {
  const leaseWrites = (await writesOf(world, identity)).filter(
    (e) => e.objectRef?.resource === 'leases' && (e.responseStatus?.code ?? 0) < 300,
  );
  const last = Math.max(...leaseWrites.map((e) => Date.parse(e.requestReceivedTimestamp)));
  assert.ok(Number.isFinite(last), 'the old leader wrote its lease');
  return last + lease.renewDeadlineMs;
};

/**
 * Writes the API server received after `deadline` and carried out. A request sent before the
 * fence closed can reach a loaded server later (a killed or frozen client's last bytes); the
 * server then answers a closed connection (504) and changes nothing, and a lease update is refused
 * on its resourceVersion (409) once another replica holds the lease. Neither is a write of a
 * deposed leader; a late write that succeeded would be.
 */
const lateEffectiveWrites = (writes: AuditEvent[], deadline: number): AuditEvent[] =>
  writes.filter(
    (e) => Date.parse(e.requestReceivedTimestamp) > deadline && (e.responseStatus?.code ?? 0) < 400,
  );

/** Writes each replica's log to test-output, the evidence a failed handover needs. */
const keepOutputs = async (name: string, replicas: OperatorProcess[]): Promise<void> => {
  await mkdir(outputDir, { recursive: true });
  await Promise.all(
    replicas.map((replica, i) =>
      writeFile(join(outputDir, `${name}-replica-${String(i)}.log`), replica.output()),
    ),
  );
};

/** Starts two replicas and returns them as [leader, standby] once one holds the lease. */
const startPair = async (
  world: World,
  stops: (() => Promise<unknown>)[],
  started: OperatorProcess[] = [],
) => {
  const ports = [await freePort(), await freePort()];
  const replicas = await Promise.all(
    ports.map((port) =>
      startOperator({ namespace: world.ns, healthPort: port, extraArgs: leaseArgs(world.ns) }),
    ),
  );
  // Stopped by the test's finally, whatever fails from here on.
  for (const replica of replicas) stops.push(() => replica.stop());
  started.push(...replicas);
  const holder = await eventually('one replica holds the lease', async () => {
    const h = await holderOf(world);
    return replicas.some((r) => identityIn(r, h)) ? h : false;
  });
  const leaderAt = replicas.findIndex((r) => identityIn(r, holder));
  const leader = replicas[leaderAt];
  const standby = replicas[1 - leaderAt];
  const standbyPort = ports[1 - leaderAt];
  assert.ok(leader !== undefined && standby !== undefined && standbyPort !== undefined);
  // The standby may still be starting on a loaded machine: its first lease line names it.
  const standbyIdentity = await eventually<string>('the standby waits for the lease', () => {
    const line = standby
      .output()
      .split('\n')
      .find((l) => l.includes('Waiting for the leader lease'));
    return Promise.resolve(/"identity":"([^"]+)"/.exec(line ?? '')?.[1] ?? false);
  });
  return { leader, standby, holder, standbyPort, standbyIdentity };
};

describe('operator replicas with leader election', () => {
  it('P2 O5 two replicas elect one leader and the standby is ready; the leader SIGKILLed mid-work, the standby takes over and finishes, and no write of the old leader comes after its deadline', async () => {
    const world = await openWorld('p2-kill');
    const stops: (() => Promise<unknown>)[] = [];
    const replicas: OperatorProcess[] = [];
    try {
      const pair = await startPair(world, stops, replicas);
      // Ready without having synced anything: rolling updates of two replicas can proceed.
      await eventually('the standby answers /readyz 200', async () => {
        const [status, text] = await get(pair.standbyPort, '/readyz');
        return status === 200 && text === 'ok (standby)';
      });
      // Its lease attempts aside (a create racing the leader's is refused with 409).
      assert.deepEqual(
        (await writesOf(world, pair.standbyIdentity)).filter(
          (e) => e.objectRef?.resource !== 'leases',
        ),
        [],
        'a standby writes nothing',
      );

      const rows = 60;
      await world.insertRows(0, rows);
      await eventually(
        'the leader has started on the rows',
        async () => (await world.configMaps()).size > 0,
        120_000,
      );
      const seen = (await world.configMaps()).size;
      const killedAt = Date.now();
      await pair.leader.kill();
      const newHolder = await eventually(
        'the standby holds the lease',
        async () => {
          const h = await holderOf(world);
          return h === pair.standbyIdentity ? h : false;
        },
        120_000,
      );
      const handoverMs = Date.now() - killedAt;
      await eventually(
        'every row has its ConfigMap',
        async () => (await world.configMaps()).size === rows,
        180_000,
      );
      const deadline = await deadlineOf(world, pair.holder);
      const late = lateEffectiveWrites(await writesOf(world, pair.holder), deadline);
      assert.deepEqual(late, []);
      assert.ok(
        (await writesOf(world, newHolder)).some((e) => e.objectRef?.resource === 'configmaps'),
      );
      process.stdout.write(
        `# P2 figures: ConfigMaps at the kill ${String(seen)}/${String(rows)}; kill → standby holds the lease ${String(handoverMs)} ms (bound: lease ${String(lease.durationMs)} ms + 2 × retry ${String(lease.retryPeriodMs)} ms, observed by polling)\n`,
      );
    } catch (err) {
      await keepOutputs('p2-kill', replicas);
      throw err;
    } finally {
      for (const stop of stops) await stop();
      await world.close();
    }
  });

  it('P2 a leader frozen past its deadline (SIGSTOP) writes nothing when it thaws, and exits 1; SIGTERM of the new leader releases the lease and exits 0 (P3)', async () => {
    const world = await openWorld('p2-freeze');
    const stops: (() => Promise<unknown>)[] = [];
    try {
      const pair = await startPair(world, stops);
      await world.insertRows(0, 5);
      await eventually(
        'five ConfigMaps',
        async () => (await world.configMaps()).size === 5,
        120_000,
      );
      pair.leader.signal('SIGSTOP');
      await eventually(
        'the standby holds the lease',
        async () => (await holderOf(world)) === pair.standbyIdentity,
        120_000,
      );
      // Work for the new leader, and work the frozen one still believes is its own.
      await world.insertRows(5, 5);
      await eventually(
        'ten ConfigMaps',
        async () => (await world.configMaps()).size === 10,
        120_000,
      );
      pair.leader.signal('SIGCONT');
      assert.equal(await pair.leader.exited(), 1, pair.leader.output().slice(-3000));
      assert.match(pair.leader.output(), /Leadership lost; writes stopped/);
      const deadline = await deadlineOf(world, pair.holder);
      const late = lateEffectiveWrites(await writesOf(world, pair.holder), deadline);
      assert.deepEqual(late, []);

      assert.equal(await pair.standby.stop(), 0, pair.standby.output().slice(-3000));
      assert.equal(await holderOf(world), '', 'the lease was handed back');
    } finally {
      for (const stop of stops) await stop();
      await world.close();
    }
  });
});

/** A TCP pass-through to the API server that holds every connection until opened. */
const heldProxy = async (target: URL) => {
  const held: Socket[] = [];
  let open = false;
  const pipe = (socket: Socket): void => {
    const upstream = connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  };
  const server = createServer((socket) => {
    if (open) pipe(socket);
    else held.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    port: address.port,
    open: () => {
      open = true;
      for (const socket of held.splice(0)) pipe(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
};

describe('operator health and metrics', () => {
  it('O5 O4 /readyz is 503 until the caches synced, then 200; /metrics moves when a row is inserted; unknown paths 404', async () => {
    const world = await openWorld('o4-metrics');
    const env = await testEnv();
    const proxy = await heldProxy(new URL(env.server));
    const dir = await mkdtemp(join(tmpdir(), 'lynq-o5-'));
    let operator: OperatorProcess | undefined;
    try {
      // The operator's kubeconfig, pointed at the proxy that holds its connections.
      const config = parse(await readFile(env.kubeconfigs.operator, 'utf8')) as {
        clusters: { cluster: { server: string } }[];
      };
      for (const c of config.clusters) c.cluster.server = `https://127.0.0.1:${String(proxy.port)}`;
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(kubeconfig, stringify(config), { mode: 0o600 });
      const [healthPort, metricsPort] = [await freePort(), await freePort()];
      operator = await startOperator({ namespace: world.ns, kubeconfig, healthPort, metricsPort });
      const running = operator;
      // Bound and alive, but nothing listed yet: not ready.
      await eventually(
        '/healthz answers',
        async () => (await get(healthPort, '/healthz').catch(() => [0, '']))[0] === 200,
      );
      assert.deepEqual(await get(healthPort, '/readyz'), [503, 'starting']);
      assert.deepEqual(await get(healthPort, '/nope'), [404, 'not found']);
      assert.deepEqual(await get(metricsPort, '/nope'), [404, 'not found']);
      proxy.open();
      await eventually(
        '/readyz 200 once synced',
        async () => (await get(healthPort, '/readyz'))[0] === 200,
      );

      const series = (text: string, name: string, form = false): number => {
        const labels = `namespace="${world.ns}",hub="hub"${form ? ',form="web"' : ''}`;
        const match = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
        return match === null ? -1 : Number(match[1]);
      };
      await world.insertRows(0, 1);
      await eventually(
        'hub_desired 1 and one ready resource',
        async () => {
          const [, text] = await get(metricsPort, '/metrics');
          return (
            series(text, 'hub_desired') === 1 &&
            series(text, 'lynqnode_resources_ready', true) === 1
          );
        },
        120_000,
      );
      const [, before] = await get(metricsPort, '/metrics');
      const rowsBefore = series(before, 'lynq_hub_rows_read_total');
      assert.ok(rowsBefore >= 1, before);
      await world.insertRows(1, 1);
      const after = await eventually(
        'hub_desired 2 and two ready resources',
        async () => {
          const [, text] = await get(metricsPort, '/metrics');
          return series(text, 'hub_desired') === 2 &&
            series(text, 'lynqnode_resources_ready', true) === 2
            ? text
            : false;
        },
        120_000,
      );
      assert.ok(series(after, 'lynq_hub_rows_read_total') > rowsBefore);
      assert.match(after, /^apply_attempts_total\{resource="configmaps",result="success"\} [1-9]/m);
      assert.match(after, /^lynq_api_requests_total\{verb="patch",code="200"\} [1-9]/m);
      assert.match(after, /^leader_election_master_status\{name="lynq-leader"\} 1$/m);
      assert.doesNotMatch(after, /r0-web|r1-web/, 'no series per node');
      assert.equal(await running.stop(), 0, running.output().slice(-3000));
    } finally {
      await operator?.stop();
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
      await world.close();
    }
  });
});
