// Coalesced /status writes (DESIGN 3): per object at most one write in flight, the latest wins, a minimum interval, nothing when nothing changed.
import type { Logger } from 'pino';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../api/canonical-json.js';
import { apiErrorCodes, patchTypes, type ApiClient } from './api-client.js';

export interface StatusWriterOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  /** Least time between two writes to one object. Default 1 s. */
  readonly minIntervalMs?: number;
  /**
   * How long a first change waits for the ones that follow it. A new node passes Pending,
   * Applying and Ready within moments: gathered, that is one write instead of three. Default 0.
   */
  readonly gatherMs?: number;
  /**
   * How long a transient status (`publish(…, { transient: true })`: a phase on its way to a
   * settled one) waits for the status that follows it. A node created, applied and Ready within
   * this time is written once, Ready; one that stays on its way longer shows that. A settled
   * status published meanwhile goes at once (within `minIntervalMs`). Default 5 s.
   */
  readonly transientGatherMs?: number;
  /** Delay before retrying a failed write (doubling up to 30 s). Default 1 s. */
  readonly retryMs?: number;
  /** Field manager of status writes, distinct from the resource manager (DESIGN 9). */
  readonly fieldManager?: string;
}

export interface StatusWriter {
  /**
   * Asks for `status` to be written to `statusPath`. Returns at once; the write happens later,
   * merged with any newer call for the same path. Identical to what was last written: no write.
   * `transient`: the status is on its way to another; it waits `transientGatherMs` for it.
   */
  publish(
    statusPath: string,
    status: Readonly<Record<string, unknown>>,
    options?: { readonly transient?: boolean },
  ): void;
  /**
   * Tells the writer what the server holds now (from a watch), so a restarted operator whose
   * status is unchanged writes nothing (SPEC O2).
   */
  observe(statusPath: string, status: Readonly<Record<string, unknown>> | undefined): void;
  /** Forgets an object (it was deleted): pending writes for it are dropped. */
  forget(statusPath: string): void;
  /** Resolves when nothing is pending or in flight (shutdown, tests). */
  flush(): Promise<void>;
  /** Writes sent so far. */
  readonly writes: () => number;
}

interface Slot {
  /** A digest of the canonical JSON of `writtenStatus`: a text per object would cost KiBs each. */
  written: string | undefined;
  /** What the server holds as far as we know: the last status written or observed. */
  writtenStatus: Readonly<Record<string, unknown>>;
  pending: Readonly<Record<string, unknown>> | undefined;
  /** How long `pending` may wait for a newer status (0 unless it is transient). */
  pendingGatherMs: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (clock time). */
  dueAt: number;
  lastWriteAt: number;
  failures: number;
}

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The merge patch body that turns `previous` into `next`: a merge patch leaves keys it does not
 * name, so keys that are gone are sent as null, at every depth of nested objects (a rollout's
 * `completionTime` of an earlier target must not survive the next one). Lists are replaced whole.
 */
const replacingMergePatch = (
  previous: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): Record<string, unknown> => {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(previous)) if (!(key in next)) body[key] = null;
  for (const [key, value] of Object.entries(next)) {
    const before = previous[key];
    body[key] =
      isPlainObject(before) && isPlainObject(value) ? replacingMergePatch(before, value) : value;
  }
  return body;
};

/** Equal for equal statuses, whatever their key order; 44 characters. */
const digestOf = (status: Readonly<Record<string, unknown>>): string =>
  createHash('sha256').update(canonicalJson(status)).digest('base64');

/** Creates a writer; its timers are unref'd, so it never keeps the process alive. */
export const createStatusWriter = (options: StatusWriterOptions): StatusWriter => {
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  const gatherMs = options.gatherMs ?? 0;
  const transientGatherMs = options.transientGatherMs ?? 5_000;
  const retryMs = options.retryMs ?? 1_000;
  const fieldManager = options.fieldManager ?? 'lynq-status';
  const slots = new Map<string, Slot>();
  const idle = new Set<() => void>();
  let writes = 0;

  const settledIfIdle = (): void => {
    // Only a flush waits for this: without one, a pass over every slot per write or forget is
    // quadratic work when 10,000 nodes finish or stop together.
    if (idle.size === 0) return;
    for (const slot of slots.values()) {
      if (slot.inFlight || slot.pending !== undefined) return;
    }
    for (const resolve of idle) resolve();
    idle.clear();
  };

  const schedule = (path: string, slot: Slot, delayMs: number): void => {
    if (slot.inFlight) return;
    const dueAt = Date.now() + delayMs;
    // A write already due sooner stays; a settled status moves a transient one's wait forward.
    if (slot.timer !== undefined) {
      if (slot.dueAt <= dueAt) return;
      clearTimeout(slot.timer);
    }
    slot.dueAt = dueAt;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      void write(path, slot);
    }, delayMs);
    slot.timer.unref();
  };

  const write = async (path: string, slot: Slot): Promise<void> => {
    const status = slot.pending;
    slot.pending = undefined;
    const text = status === undefined ? undefined : digestOf(status);
    if (status === undefined || text === slot.written) {
      settledIfIdle();
      return;
    }
    slot.inFlight = true;
    try {
      writes += 1;
      await options.client.patch(
        path,
        patchTypes.merge,
        { status: replacingMergePatch(slot.writtenStatus, status) },
        { fieldManager },
      );
      slot.written = text;
      slot.writtenStatus = status;
      slot.failures = 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === apiErrorCodes.notFound) {
        slots.delete(path);
      } else {
        slot.failures += 1;
        slot.pending ??= status;
        // A warning when a streak of failures starts; its retries are debug (O5).
        const level = slot.failures === 1 ? 'warn' : 'debug';
        options.logger[level]({ err, path, failures: slot.failures }, 'Status write failed');
      }
    } finally {
      slot.inFlight = false;
      slot.lastWriteAt = Date.now();
    }
    if (slot.pending !== undefined && slots.has(path)) {
      const backoff =
        slot.failures === 0
          ? Math.max(minIntervalMs, slot.pendingGatherMs)
          : Math.min(retryMs * 2 ** (slot.failures - 1), 30_000);
      schedule(path, slot, backoff);
    }
    settledIfIdle();
  };

  const slotOf = (path: string): Slot => {
    let slot = slots.get(path);
    if (slot === undefined) {
      slot = {
        written: undefined,
        writtenStatus: {},
        pending: undefined,
        pendingGatherMs: 0,
        inFlight: false,
        timer: undefined,
        dueAt: 0,
        lastWriteAt: 0,
        failures: 0,
      };
      slots.set(path, slot);
    }
    return slot;
  };

  return {
    observe: (path, status) => {
      const slot = slotOf(path);
      if (slot.inFlight || status === undefined) return;
      slot.written = digestOf(status);
      slot.writtenStatus = status;
    },
    publish: (path, status, publishOptions) => {
      const slot = slotOf(path);
      if (slot.pending === undefined && !slot.inFlight && digestOf(status) === slot.written) return;
      slot.pending = status;
      slot.pendingGatherMs = publishOptions?.transient === true ? transientGatherMs : 0;
      // An object that has no status yet (a new node) gathers for a whole interval: its first
      // phases pass within moments of each other.
      const gather = Math.max(
        slot.written === undefined ? Math.max(gatherMs, minIntervalMs) : gatherMs,
        slot.pendingGatherMs,
      );
      schedule(path, slot, Math.max(gather, slot.lastWriteAt + minIntervalMs - Date.now()));
    },
    forget: (path) => {
      const slot = slots.get(path);
      if (slot?.timer !== undefined) clearTimeout(slot.timer);
      slots.delete(path);
      settledIfIdle();
    },
    flush: () =>
      new Promise<void>((resolve) => {
        idle.add(resolve);
        settledIfIdle();
      }),
    writes: () => writes,
  };
};
