// The leader lease (SPEC P2): a coordination.k8s.io/v1 Lease acquired, renewed on its own connection, and released, with the write fence kept in step.
import type { Logger } from 'pino';
import { messageOf } from '../errors.js';
import type { KubeResponse, KubeTransport } from './http-transport.js';
import type { WriteFence } from './write-fence.js';

export interface LeaseTimings {
  /** How long a standby waits, after it last saw the lease change, before it takes it. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps writing after its last successful renewal was sent. */
  readonly renewDeadlineMs: number;
  /** Between two attempts to acquire or renew. */
  readonly retryPeriodMs: number;
}

export interface LeaderLeaseOptions extends LeaseTimings {
  /**
   * A transport of the lease's own (its own agent and connection), never behind a queue or a
   * fence: renewals must not wait behind other API traffic.
   */
  readonly transport: KubeTransport;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** Opened at each renewal, up to its deadline; closing it means leadership is lost. */
  readonly fence: WriteFence;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type LeaseState = 'standby' | 'leading' | 'lost' | 'released';

export interface LeaderLease {
  /** Resolves once this process leads; rejects when `release()` is called first. */
  acquire(): Promise<void>;
  state(): LeaseState;
  /** True once the lease could be read (or created) at least once: the standby is healthy. */
  participating(): boolean;
  /** Stops renewing; a lease still held is handed back (no holder), so a standby need not wait. */
  release(): Promise<void>;
}

/** The Lease's spec as the API server keeps it. */
interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface LeaseObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** A MicroTime: RFC 3339 with microseconds, as the Lease type requires. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');

const stopped = (): Error => new Error('leader election stopped before the lease was acquired');

/** Checks the timings the way client-go does; throws a plain message the config reader wraps. */
export const leaseTimingProblem = (t: LeaseTimings): string | undefined => {
  if (t.leaseDurationMs <= t.renewDeadlineMs)
    return 'the lease duration must be longer than the renew deadline';
  if (t.renewDeadlineMs <= t.retryPeriodMs * 1.2)
    return 'the renew deadline must be longer than 1.2 retry periods';
  if (t.retryPeriodMs < 1) return 'the retry period must be positive';
  return undefined;
};

/**
 * Runs leader election for one identity. A standby takes the lease only when it has seen no
 * change to it for a whole lease duration (by its own clock, so clock skew between processes
 * does not matter), which a live leader prevents by renewing every retry period. The leader
 * counts its deadline from when it *sent* its last successful renewal, so the fence closes
 * (renew deadline) well before any standby may take over (lease duration).
 */
export const createLeaderLease = (options: LeaderLeaseOptions): LeaderLease => {
  const now = options.now ?? Date.now;
  const { transport, namespace, name, identity, fence, logger } = options;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  const log = logger.child({ lease: `${namespace}/${name}`, identity });
  const stop = new AbortController();
  /** A function, not a field read: the stop comes while an await is pending. */
  const isStopped = (): boolean => stop.signal.aborted;
  let state: LeaseState = 'standby';
  let participating = false;
  /** The record as last seen, and when this process first saw it so (client-go's observedTime). */
  let observed: { json: string; at: number; object: LeaseObject } | undefined;
  let deadline = 0;
  let loop: Promise<void> | undefined;

  const send = (
    method: 'GET' | 'POST' | 'PUT',
    target: string,
    timeoutMs: number,
    body?: unknown,
  ): Promise<KubeResponse> =>
    transport.request({
      method,
      path: target,
      timeoutMs: Math.max(1, timeoutMs),
      signal: stop.signal,
      ...(body === undefined ? {} : { body }),
    });

  const specFor = (previous: LeaseSpec | undefined, at: number): LeaseSpec => {
    const ours = previous?.holderIdentity === identity;
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(options.leaseDurationMs / 1_000),
      acquireTime:
        ours && previous.acquireTime !== undefined ? previous.acquireTime : microTime(at),
      renewTime: microTime(at),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (ours ? 0 : 1),
    };
  };

  /** One attempt; true when this process holds the lease as of `sentAt`. */
  const tryAcquireOrRenew = async (sentAt: number, timeoutMs: number): Promise<boolean> => {
    const got = await send('GET', path, timeoutMs);
    if (got.status === 404) {
      participating = true;
      const created = await send('POST', collection, timeoutMs, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { ...specFor(undefined, sentAt), leaseTransitions: 0 },
      });
      if (created.status !== 201) return false;
      // What release hands back: a leader that created the lease holds it as much as one that renewed it.
      const body = created.body as LeaseObject;
      observed = { json: JSON.stringify(body.spec ?? {}), at: now(), object: body };
      return true;
    }
    if (got.status !== 200) {
      throw new Error(`GET lease: HTTP ${String(got.status)} ${JSON.stringify(got.body)}`);
    }
    participating = true;
    const lease = got.body as LeaseObject;
    const json = JSON.stringify(lease.spec ?? {});
    if (observed?.json !== json) observed = { json, at: now(), object: lease };
    const holder = lease.spec?.holderIdentity ?? '';
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && observed.at + options.leaseDurationMs > now()) return false;
    const updated = await send('PUT', path, timeoutMs, {
      ...lease,
      spec: specFor(lease.spec, sentAt),
    });
    if (updated.status !== 200) return false;
    const body = updated.body as LeaseObject;
    observed = { json: JSON.stringify(body.spec ?? {}), at: now(), object: body };
    return true;
  };

  /**
   * The leader's renewal: one PUT of the record it last wrote, as client-go's fast path does, so a
   * slow API server costs one round trip per renewal rather than two. A conflict (someone else
   * wrote the record) falls back to reading it first.
   */
  const renew = async (sentAt: number, timeoutMs: number): Promise<boolean> => {
    const last = observed?.object;
    if (last?.spec?.holderIdentity !== identity) return tryAcquireOrRenew(sentAt, timeoutMs);
    const updated = await send('PUT', path, timeoutMs, {
      ...last,
      spec: specFor(last.spec, sentAt),
    });
    if (updated.status === 409) return tryAcquireOrRenew(sentAt, deadline - now());
    if (updated.status !== 200) {
      throw new Error(`PUT lease: HTTP ${String(updated.status)} ${JSON.stringify(updated.body)}`);
    }
    const body = updated.body as LeaseObject;
    observed = { json: JSON.stringify(body.spec ?? {}), at: now(), object: body };
    return true;
  };

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stop.signal.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', done);
        resolve();
      }
      stop.signal.addEventListener('abort', done, { once: true });
    });

  /** Renews every retry period until stopped or the deadline passes. */
  const renewLoop = async (): Promise<void> => {
    while (!isStopped() && state === 'leading') {
      await pause(options.retryPeriodMs);
      if (isStopped()) return;
      const sentAt = now();
      let renewed = false;
      try {
        renewed = await renew(sentAt, deadline - sentAt);
      } catch (err) {
        if (isStopped()) return;
        log.warn({ err: messageOf(err) }, 'Lease renewal failed');
      }
      // A renewal that succeeded after the deadline (the process was frozen) does not count:
      // the fence may already have let a standby's writes begin.
      if (renewed && now() < deadline) {
        deadline = sentAt + options.renewDeadlineMs;
        fence.openUntil(deadline);
      } else if (now() >= deadline) {
        fence.close('the leader lease was not renewed before its deadline');
        return;
      }
    }
  };

  fence.onClosed((reason) => {
    if (state !== 'leading') return;
    state = 'lost';
    log.error({ reason }, 'Leadership lost; writes stopped');
  });

  const acquire = async (): Promise<void> => {
    log.info('Waiting for the leader lease');
    let waitingLogged = false;
    while (!isStopped()) {
      const sentAt = now();
      try {
        if (await tryAcquireOrRenew(sentAt, options.renewDeadlineMs)) {
          state = 'leading';
          deadline = sentAt + options.renewDeadlineMs;
          fence.openUntil(deadline);
          log.info('Became leader');
          loop = renewLoop();
          return;
        }
        if (!waitingLogged) {
          log.info(
            { holder: observed?.object.spec?.holderIdentity },
            'Standing by: another process leads',
          );
          waitingLogged = true;
        }
      } catch (err) {
        if (isStopped()) break;
        log.warn({ err: messageOf(err) }, 'Cannot read or take the leader lease');
      }
      // Jittered, so standbys do not ask in step.
      await pause(options.retryPeriodMs * (1 + 0.2 * Math.random()));
    }
    throw stopped();
  };

  const release = async (): Promise<void> => {
    const wasLeading = state === 'leading' && fence.writable();
    stop.abort();
    await loop;
    if (state === 'leading') state = 'released';
    if (!wasLeading || observed === undefined) return;
    // Handed back only while still surely ours: a stale resourceVersion makes the PUT fail.
    const lease = observed.object;
    const at = now();
    try {
      const res = await transport.request({
        method: 'PUT',
        path,
        timeoutMs: Math.max(1, Math.min(2_000, deadline - at)),
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(at),
          },
        },
      });
      if (res.status === 200) log.info('Released the leader lease');
      else log.warn({ status: res.status }, 'Could not release the leader lease');
    } catch (err) {
      // Best effort on the way out: an unreleased lease expires after its duration.
      // eslint-disable-next-line lynq/catch-handles-or-rethrows -- best effort, see above
      log.warn({ err: messageOf(err) }, 'Could not release the leader lease');
    }
    fence.close('the leader lease was released');
  };

  return {
    acquire,
    state: () => state,
    participating: () => participating,
    release,
  };
};
