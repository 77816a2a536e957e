// Leader election against a Lease store with the API server's optimistic concurrency: one leader, a fence that closes before any standby takes over, and a fast handover on release.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { createLeaderLease, leaseTimingProblem } from './leader-lease.js';
import { createWriteFence } from './write-fence.js';

const leasePath = '/apis/coordination.k8s.io/v1/namespaces/ns/leases/lynq-leader';

/** One Lease kept like the API server keeps it: a resourceVersion that every write must match. */
const leaseStore = () => {
  let stored: { metadata: Record<string, unknown>; spec: Record<string, unknown> } | undefined;
  let version = 0;
  const answer = (status: number, body: unknown): KubeResponse => ({ status, body, headers: {} });
  const handle = (req: KubeRequest): KubeResponse => {
    const copy = (): unknown => structuredClone(stored);
    const body = req.body as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    switch (req.method) {
      case 'GET':
        return stored === undefined ? answer(404, {}) : answer(200, copy());
      case 'POST':
        if (stored !== undefined) return answer(409, { reason: 'AlreadyExists' });
        version += 1;
        stored = {
          metadata: { ...body.metadata, resourceVersion: String(version) },
          spec: body.spec,
        };
        return answer(201, copy());
      case 'PUT':
        if (stored === undefined) return answer(404, {});
        if (body.metadata['resourceVersion'] !== stored.metadata['resourceVersion']) {
          return answer(409, { reason: 'Conflict' });
        }
        version += 1;
        stored = {
          metadata: { ...body.metadata, resourceVersion: String(version) },
          spec: body.spec,
        };
        return answer(200, copy());
      case 'PATCH':
      case 'DELETE':
        return answer(405, {});
    }
  };
  /** Another writer changes the record (a new resourceVersion, the same holder). */
  const touch = (): void => {
    if (stored === undefined) return;
    version += 1;
    stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(version) } };
  };
  return {
    holder: () => stored?.spec['holderIdentity'],
    /** Writes the store accepted so far: each renewal is one. */
    writes: () => version,
    handle,
    touch,
  };
};

/** Resolves once `evidence` holds, looking every 10 ms: a wait on what happened, not on a clock. */
const until = async (evidence: () => boolean): Promise<void> => {
  while (!evidence()) await new Promise((r) => setTimeout(r, 10));
};

/** A process's own connection to the store; `cut()` makes every request fail (a killed process's renewals stop). */
const connection = (store: ReturnType<typeof leaseStore>) => {
  let cut = false;
  /** Each answered request as `METHOD status`, in the order the store answered them. */
  const exchanges: string[] = [];
  const transport: KubeTransport = {
    request: async (req) => {
      await new Promise((r) => setTimeout(r, 1));
      if (req.path !== leasePath && !req.path.endsWith('/leases')) throw new Error(req.path);
      if (cut) throw new Error('connection refused');
      const res = store.handle(req);
      exchanges.push(`${req.method} ${String(res.status)}`);
      return res;
    },
    stream: () => Promise.reject(new Error('no streams here')),
  };
  return {
    transport,
    exchanges,
    cut: () => {
      cut = true;
    },
  };
};

/**
 * Short enough for a quick test, long enough that a loaded machine still renews within the
 * deadline: a late renewal would hand the lease over where the test expects none.
 */
const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 100 };
const logger = pino({ level: 'silent' });

const replica = (store: ReturnType<typeof leaseStore>, identity: string) => {
  const conn = connection(store);
  const fence = createWriteFence();
  let closedAt: number | undefined;
  fence.onClosed(() => (closedAt ??= Date.now()));
  const lease = createLeaderLease({
    ...timings,
    transport: conn.transport,
    namespace: 'ns',
    name: 'lynq-leader',
    identity,
    fence,
    logger,
  });
  return { lease, fence, conn, closedAt: () => closedAt };
};

describe('leader lease', () => {
  it('P2 one of two replicas leads; when its renewals stop, its fence closes before the standby takes over, and only then the standby leads', async () => {
    const store = leaseStore();
    const a = replica(store, 'a');
    const b = replica(store, 'b');
    await a.lease.acquire();
    assert.equal(store.holder(), 'a');
    assert.ok(a.fence.writable());
    let bLeadsAt = 0;
    const bLeads = b.lease.acquire().then(() => (bLeadsAt = Date.now()));
    // The standby takes part (it reads the lease) but does not lead while renewals go on.
    const renewals = store.writes() + 4;
    await until(() => b.lease.participating() && store.writes() >= renewals);
    assert.equal(b.lease.state(), 'standby');
    assert.ok(b.lease.participating());
    assert.equal(store.holder(), 'a');

    a.conn.cut();
    await bLeads;
    assert.equal(store.holder(), 'b');
    assert.equal(a.lease.state(), 'lost');
    const closedAt = a.closedAt();
    assert.ok(closedAt !== undefined && closedAt <= bLeadsAt, 'the old leader stopped first');
    assert.ok(b.fence.writable());
    await b.lease.release();
    await a.lease.release();
  });

  it('P2 P3 a released lease has no holder, the releasing process writes no more, and the standby takes it without waiting out the lease', async () => {
    const store = leaseStore();
    const a = replica(store, 'a');
    const b = replica(store, 'b');
    await a.lease.acquire();
    const bLeads = b.lease.acquire();
    await until(() => b.lease.participating());
    await a.lease.release();
    assert.equal(a.fence.writable(), false);
    assert.equal(a.lease.state(), 'released');
    await bLeads;
    assert.equal(store.holder(), 'b');
    await b.lease.release();
    assert.equal(store.holder(), '');
  });

  it('P2 P3 a leader that created the lease and releases it before its first renewal hands it back and writes no more', async () => {
    const store = leaseStore();
    const a = replica(store, 'a');
    await a.lease.acquire();
    await a.lease.release();
    assert.equal(a.fence.writable(), false);
    assert.equal(store.holder(), '');
  });

  it('P2 a standby stopped before it leads rejects its wait and never writes the lease', async () => {
    const store = leaseStore();
    const a = replica(store, 'a');
    const b = replica(store, 'b');
    await a.lease.acquire();
    const waiting = b.lease.acquire();
    await b.lease.release();
    await assert.rejects(waiting, /stopped before the lease was acquired/);
    assert.equal(store.holder(), 'a');
    await a.lease.release();
  });

  it('P2 a leader renews with one write per renewal, and reads the record first only when another writer changed it', async () => {
    const store = leaseStore();
    const a = replica(store, 'a');
    await a.lease.acquire();
    try {
      const before = a.conn.exchanges.length;
      await until(() => a.conn.exchanges.length >= before + 3);
      assert.deepEqual(a.conn.exchanges.slice(before, before + 3), [
        'PUT 200',
        'PUT 200',
        'PUT 200',
      ]);

      // Another writer changes the record (a renewal may be on its way meanwhile).
      store.touch();
      await until(
        () => a.conn.exchanges.includes('PUT 409') && a.conn.exchanges.at(-1) === 'PUT 200',
      );
      const all = a.conn.exchanges.slice(before);
      all.forEach((exchange, i) => {
        if (exchange.startsWith('GET')) {
          assert.equal(all[i - 1], 'PUT 409', `a read only after a conflict: ${all.join(', ')}`);
        }
      });
      assert.ok(all.includes('GET 200'), 'the conflict made it read the record');
      assert.equal(store.holder(), 'a');
      assert.ok(a.fence.writable());
    } finally {
      // A failed assertion must not leave renewals running (the file would never end).
      await a.lease.release();
    }
  });

  it('P2 refuses timings where the leader could outlive its lease', () => {
    assert.match(
      leaseTimingProblem({
        leaseDurationMs: 10_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      }) ?? '',
      /longer than the renew deadline/,
    );
    assert.equal(
      leaseTimingProblem({
        leaseDurationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      }),
      undefined,
    );
  });
});
