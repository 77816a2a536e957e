// The leader's write fence: writes pass only while the lease is surely ours, and the ones in flight are aborted the moment it may not be (SPEC P2).
import { transientError } from '../errors.js';
import type { KubeRequest, KubeResponse, KubeTransport } from './http-transport.js';
import { inFlightAborts } from '../api/in-flight-aborts.js';

export const writeFenceCodes = {
  /** A write was refused: this process does not (or no longer surely) hold the leader lease. */
  notLeader: 'NotLeader',
} as const;

export interface WriteFence {
  /** True while writes may go out: opened, not closed, and the deadline not passed. */
  writable(): boolean;
  /** Aborts when the fence closes, for good; every write in flight listens to it. */
  readonly signal: AbortSignal;
  /**
   * Lets writes through until `deadlineMs` (epoch ms, this process's clock); a later call moves
   * the deadline. Ignored once closed: a fence never opens again (the process exits instead).
   */
  openUntil(deadlineMs: number): void;
  /** Closes now: in-flight writes are aborted, later ones refused. */
  close(reason: string): void;
  /** Called once, when the fence closes (by `close` or because the deadline passed). */
  onClosed(listener: (reason: string) => void): void;
}

/**
 * A fence that starts shut. The deadline is enforced twice: each write compares the clock with
 * it when it is sent (a process that was frozen past its deadline writes nothing when it
 * thaws, whatever its timers do), and a timer closes the fence at the deadline to abort writes
 * already on the wire.
 */
export const createWriteFence = (now: () => number = Date.now): WriteFence => {
  const controller = new AbortController();
  let deadline = 0;
  let timer: NodeJS.Timeout | undefined;
  const listeners: ((reason: string) => void)[] = [];
  const close = (reason: string): void => {
    if (controller.signal.aborted) return;
    if (timer !== undefined) clearTimeout(timer);
    deadline = 0;
    controller.abort(transientError(writeFenceCodes.notLeader, `writes stopped: ${reason}`));
    for (const listener of listeners) listener(reason);
  };
  return {
    writable: () => !controller.signal.aborted && now() < deadline,
    signal: controller.signal,
    openUntil: (deadlineMs) => {
      if (controller.signal.aborted) return;
      deadline = deadlineMs;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(
        () => {
          close('the leader lease was not renewed before its deadline');
        },
        Math.max(0, deadlineMs - now()),
      );
    },
    close,
    onClosed: (listener) => {
      listeners.push(listener);
    },
  };
};

/** A fence that is always open: the operator without leader election. */
export const openWriteFence = (): WriteFence => {
  const controller = new AbortController();
  return {
    writable: () => true,
    signal: controller.signal,
    openUntil: () => undefined,
    close: () => undefined,
    onClosed: () => undefined,
  };
};

const isRead = (req: KubeRequest): boolean => req.method === 'GET';

/**
 * Wraps `inner` so that every write (anything but GET) checks the fence as it is sent and is
 * aborted when the fence closes. Refused writes reject with a transient `NotLeader`. Reads and
 * watches pass: they change nothing. Put it below any queue, so a write waiting for a slot is
 * judged when it leaves, not when it arrived.
 */
export const fencedTransport = (inner: KubeTransport, fence: WriteFence): KubeTransport => {
  const writes = inFlightAborts(fence.signal);
  return {
    request: async (req: KubeRequest): Promise<KubeResponse> => {
      if (isRead(req)) return inner.request(req);
      if (!fence.writable()) {
        throw transientError(
          writeFenceCodes.notLeader,
          `${req.method} ${req.path}: refused, this process does not hold the leader lease`,
          undefined,
          { method: req.method, path: req.path },
        );
      }
      return writes.run(req.signal, (signal) => inner.request({ ...req, signal }));
    },
    stream: (req) => inner.stream(req),
  };
};
