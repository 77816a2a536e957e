// Graceful shutdown's gate for writes (SPEC P3): new writes are refused, those already sent may finish within a bound, the rest are aborted.
import { transientError } from '../errors.js';
import type { KubeTransport } from './http-transport.js';
import { inFlightAborts } from '../api/in-flight-aborts.js';

export const drainCodes = {
  /** A write was refused because the operator is shutting down. */
  shuttingDown: 'ShuttingDown',
} as const;

export interface DrainResult {
  /** Writes that finished during the drain. */
  readonly finished: number;
  /** Writes still running at the deadline, aborted. */
  readonly aborted: number;
}

export interface DrainingTransport {
  readonly transport: KubeTransport;
  /** Writes sent and not yet answered. */
  inFlight(): number;
  /**
   * From now on every write is refused (`ShuttingDown`); resolves when the writes in flight have
   * finished, or after `timeoutMs`, when the remaining ones are aborted.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
}

/** Wraps `inner`; reads and watches are never refused (stopping them is their owners' job). */
export const drainingTransport = (inner: KubeTransport): DrainingTransport => {
  const abort = new AbortController();
  const writes = inFlightAborts(abort.signal);
  let closed = false;
  /** A function, not a variable read: the drain starts while a request is awaited. */
  const draining = (): boolean => closed;
  let running = 0;
  let finishedDuringDrain = 0;
  let idle: (() => void) | undefined;
  return {
    transport: {
      request: async (req) => {
        if (req.method === 'GET') return inner.request(req);
        if (closed) {
          throw transientError(
            drainCodes.shuttingDown,
            `${req.method} ${req.path}: refused, the operator is shutting down`,
            undefined,
            { method: req.method, path: req.path },
          );
        }
        running += 1;
        try {
          return await writes.run(req.signal, (signal) => inner.request({ ...req, signal }));
        } finally {
          running -= 1;
          if (draining()) finishedDuringDrain += 1;
          if (running === 0) idle?.();
        }
      },
      stream: (req) => inner.stream(req),
    },
    inFlight: () => running,
    drain: async (timeoutMs) => {
      closed = true;
      if (running > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, timeoutMs);
        });
        clearTimeout(timer);
      }
      const aborted = running;
      if (aborted > 0) abort.abort(transientError(drainCodes.shuttingDown, 'shutdown timeout'));
      return { finished: finishedDuringDrain, aborted };
    },
  };
};
