// One collection's list+watch loop (DESIGN 8): a local store kept level with the API server, reported as added/updated/deleted; the store, the pager and the watch stream are its parts, as in client-go.
import type { Logger } from 'pino';
import { transientError, type LynqError } from '../errors.js';
import { distinctWarning } from '../observe/distinct-warning.js';
import type { KubeTransport } from './http-transport.js';
import { objectKey, type KubeObject } from './kube-object.js';
import {
  backoffDelay,
  defaultBackoff,
  systemClock,
  type BackoffPolicy,
  type ReflectorClock,
} from './reflector-clock.js';
import { listAllPages, reflectorCodes, type ListPagerOptions } from './reflector-pager.js';
import {
  createReflectorStore,
  type ReflectorHandler,
  type StoredVersion,
} from './reflector-store.js';
import {
  endedAtOnce,
  watchOnce,
  type WatchProgress,
  type WatchStreamOptions,
} from './reflector-watch.js';
import { settleOnce, type SettleOnce } from './settle-once.js';
import { parseWatchEvent } from './watch-event.js';

export { reflectorCodes } from './reflector-pager.js';
export type { ReflectorHandler, StoredVersion } from './reflector-store.js';

export interface ReflectorMetrics {
  /** Completed lists, the first one included. */
  readonly lists: number;
  /** Completed lists after the first (410 Gone, a restart after stop). */
  readonly relists: number;
  /** Paginated lists started again because their continue token expired. */
  readonly listRestarts: number;
  /** Watch requests sent. */
  readonly watches: number;
  /** Watches re-opened from a kept resourceVersion (after a timeout, a drop, an idle connection). */
  readonly reconnects: number;
  /** ADDED, MODIFIED and DELETED events received. */
  readonly events: number;
  readonly bookmarks: number;
  /** Failed requests, broken or idle streams, failing handlers or transforms. */
  readonly errors: number;
}

export interface ReflectorOptions<T extends KubeObject, S extends StoredVersion = T> {
  readonly transport: Pick<KubeTransport, 'request' | 'stream'>;
  /** The collection, e.g. `/apis/operator.lynq.sh/v1/lynqnodes` or `/api/v1/namespaces/x/configmaps`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly handler: ReflectorHandler<T, S>;
  readonly logger: Logger;
  /**
   * Applied to every object before it is stored and reported (e.g. `keepManagedFieldsOf`).
   * Must keep `metadata.name`, `namespace` and `resourceVersion`. Without it, T is the object as
   * received (T's default, `KubeObject`).
   */
  readonly transform?: (obj: KubeObject) => T;
  /**
   * What the store keeps of each (transformed) object, when callers read less from the store
   * than from the handler's arguments (e.g. only who holds the object). Must keep
   * `metadata.resourceVersion`. Without it, S is T and the store keeps the object itself.
   */
  readonly retain?: (obj: T) => S;
  /**
   * Ask for PartialObjectMetadata (metadata only, kind `PartialObjectMetadata`): for caches
   * that never read the body (DESIGN 8). Default false.
   */
  readonly metadataOnly?: boolean;
  /** Items per list page. Default 500. */
  readonly pageSize?: number;
  /** The server-side watch timeout before jitter. Default 300. */
  readonly watchTimeoutSeconds?: number;
  /** Stretches each watch's timeout by up to this fraction. Default 0.5. */
  readonly watchTimeoutJitter?: number;
  /** The client gives up on a silent watch this long after the server should have ended it. Default 30 s. */
  readonly idleGraceMs?: number;
  /** Bounds each list page and the wait for a watch's response headers. Default 60 s. */
  readonly requestTimeoutMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Expired continue tokens tolerated in a row before the list counts as failed. Default 5. */
  readonly maxListRestarts?: number;
  readonly clock?: ReflectorClock;
  /** [0, 1), for jitter. */
  readonly random?: () => number;
}

export interface Reflector<T extends KubeObject, S extends StoredVersion = T> {
  /** Starts the loop (a no-op while running). After `stop()`, starting again relists against the kept store. */
  start(): void;
  /** Aborts every request and resolves when the loop has ended. Never rejects. */
  stop(): Promise<void>;
  /**
   * Resolves when the current run's first list is in the store (and reported). Rejects with
   * `ReflectorStopped` when the run is stopped before that.
   */
  synced(): Promise<void>;
  /** By `namespace/name` (`name` for cluster-scoped objects). */
  get(key: string): S | undefined;
  list(): S[];
  /** The resourceVersion the next watch starts from. */
  resourceVersion(): string | undefined;
  /** Live counters. */
  readonly metrics: ReflectorMetrics;
}

/**
 * The first list of a run: `synced()` waits for it. Nobody has to ask for it, so a stop before
 * the first list must not become an unhandled rejection; callers of synced() still receive it.
 */
const firstList = (): SettleOnce<void> => {
  const once = settleOnce();
  once.promise.catch(() => undefined);
  return once;
};

/**
 * A reflector for one collection. Nothing happens until `start()`. It never throws into the
 * caller: failures are logged, counted in `metrics`, and retried with capped, jittered backoff;
 * a handler or transform that throws is logged and counted, and the loop goes on.
 */
export const createReflector = <T extends KubeObject = KubeObject, S extends StoredVersion = T>(
  options: ReflectorOptions<T, S>,
): Reflector<T, S> => {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const backoff: BackoffPolicy = { ...defaultBackoff, ...options.backoff };
  const maxListRestarts = options.maxListRestarts ?? 5;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const metadataOnly = options.metadataOnly === true;
  // T defaults to KubeObject; a caller that narrows T supplies the transform that narrows it.
  const transform = options.transform ?? ((obj: KubeObject) => obj as T);
  // S defaults to T; a caller that narrows S supplies the retain that narrows it.
  const retain = options.retain ?? ((obj: T) => obj as unknown as S);
  const { transport } = options;
  const log = options.logger.child({
    component: 'reflector',
    path: options.path,
    ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
    ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
  });

  let lastResourceVersion: string | undefined;
  let everListed = false;
  const metrics = {
    lists: 0,
    relists: 0,
    listRestarts: 0,
    watches: 0,
    reconnects: 0,
    events: 0,
    bookmarks: 0,
    errors: 0,
  };

  const store = createReflectorStore<T, S>({
    handler: options.handler,
    retain,
    notify: (event, key, call) => {
      try {
        call();
      } catch (err) {
        metrics.errors += 1;
        log.error({ err, event, key }, 'Reflector handler failed');
      }
    },
  });

  const pathOf = (params: Readonly<Record<string, string | undefined>>): string => {
    const query = new URLSearchParams();
    if (options.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) query.set(name, value);
    }
    return `${options.path}?${query.toString()}`;
  };

  const transformed = (raw: KubeObject): T | undefined => {
    try {
      return transform(raw);
    } catch (err) {
      metrics.errors += 1;
      log.error({ err, key: objectKey(raw) }, 'Reflector transform failed; object skipped');
      return undefined;
    }
  };

  const pager: ListPagerOptions = {
    transport,
    pathOf,
    pageSize: options.pageSize ?? 500,
    requestTimeoutMs,
    metadataOnly,
    maxListRestarts,
    onMalformed: (malformed) => {
      metrics.errors += 1;
      log.warn({ malformed }, 'List items without metadata skipped');
    },
    onExpired: (expiries) => {
      metrics.listRestarts += 1;
      if (expiries <= maxListRestarts) {
        log.info(
          { restarts: expiries },
          'List continue token expired; listing again from the start',
        );
      }
    },
  };

  const watchStream: WatchStreamOptions = {
    transport,
    pathOf,
    metadataOnly,
    timeoutSeconds: options.watchTimeoutSeconds ?? 300,
    timeoutJitter: options.watchTimeoutJitter ?? 0.5,
    idleGraceMs: options.idleGraceMs ?? 30_000,
    responseTimeoutMs: requestTimeoutMs,
    clock,
    random,
  };

  /** Applies one watch line; `gone` when the server says our resourceVersion is too old. */
  const applyLine = (line: string): 'applied' | 'gone' => {
    const event = parseWatchEvent(line);
    switch (event.type) {
      case 'BOOKMARK':
        metrics.bookmarks += 1;
        lastResourceVersion = event.resourceVersion;
        return 'applied';
      case 'ERROR':
        if (event.status.code === 410) return 'gone';
        throw transientError(
          reflectorCodes.watchFailed,
          `watch error event: ${event.status.code ?? '?'} ${event.status.message ?? ''}`.trim(),
          undefined,
          { ...event.status },
        );
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
        break;
    }
    metrics.events += 1;
    const raw = event.object;
    if (raw.metadata.resourceVersion !== undefined)
      lastResourceVersion = raw.metadata.resourceVersion;
    const obj = transformed(raw);
    if (obj === undefined) return 'applied';
    const key = objectKey(raw);
    if (event.type === 'DELETED') store.remove(key, obj);
    else store.upsert(key, obj);
    return 'applied';
  };

  /**
   * The loop of one run: list, then watch and re-watch, relisting on 410, backing off on failures.
   * The backoff restarts from `initialMs` on the first request that succeeds (a completed list, a
   * watch the server answers 2xx), so the next outage starts with short retries again; a watch
   * that opens but ends or breaks at once and empty does not count (a misbehaving proxy, an
   * in-stream error), or it would keep the retries at their shortest.
   */
  const run = async (signal: AbortSignal, sync: SettleOnce<void>): Promise<void> => {
    let needList = true;
    let watchedSinceList = false;
    let failures = 0;
    let emptyGones = 0;
    // A call, not a property read: the awaits in the loop can abort the signal.
    const stopping = (): boolean => signal.aborted;
    // One warning per distinct error while it repeats (O5); the retries after it are debug.
    const warnings = distinctWarning(log);
    const pause = async (attempt: number, fields: Readonly<Record<string, unknown>>) => {
      const delayMs = backoffDelay(backoff, attempt, random);
      warnings.failed(
        { err: fields['reason'], ...fields, attempt, delayMs },
        'Reflector failed; backing off',
      );
      await clock.sleep(delayMs, signal);
    };
    while (!stopping()) {
      let watch: { progress: WatchProgress; failuresBefore: number } | undefined;
      try {
        if (needList) {
          const snapshot = await listAllPages(pager, transformed, signal);
          store.replace(snapshot.items);
          lastResourceVersion = snapshot.resourceVersion;
          needList = false;
          watchedSinceList = false;
          failures = 0;
          warnings.cleared();
          metrics.lists += 1;
          if (everListed) metrics.relists += 1;
          everListed = true;
          log.debug(
            { objects: store.size, resourceVersion: lastResourceVersion },
            'Listed collection',
          );
          sync.resolve();
        }
        if (watchedSinceList) metrics.reconnects += 1;
        watchedSinceList = true;
        watch = { progress: { openedAt: undefined, lines: 0 }, failuresBefore: failures };
        metrics.watches += 1;
        const { outcome, lines } = await watchOnce(
          watchStream,
          lastResourceVersion,
          applyLine,
          signal,
          watch.progress,
        );
        failures = 0;
        if (outcome === 'gone') {
          needList = true;
          emptyGones = lines === 0 ? emptyGones + 1 : 0;
          log.info({ resourceVersion: lastResourceVersion }, 'Resource version gone; relisting');
          // 410 again and again straight after a list: do not hammer the server with lists.
          if (emptyGones > 1) await pause(emptyGones - 1, { reason: 'repeated 410' });
        } else {
          emptyGones = 0;
          log.debug({ resourceVersion: lastResourceVersion }, 'Watch ended; watching again');
        }
      } catch (err) {
        // Aborted by stop(): the loop ends, nothing to record.
        if (stopping()) break;
        if (watch?.progress.openedAt !== undefined) {
          // A watch answered 2xx was a success, unless it broke at once and empty.
          failures = endedAtOnce(watch.progress, clock) ? watch.failuresBefore : 0;
        }
        failures += 1;
        metrics.errors += 1;
        try {
          await pause(failures, { err, phase: needList ? 'list' : 'watch' });
        } catch (sleepErr) {
          if (stopping()) break;
          throw sleepErr;
        }
      }
    }
  };

  let sync = firstList();
  let running: { controller: AbortController; done: Promise<void> } | undefined;
  /** The end of the previous run: a new run starts only after it, so one loop owns the store. */
  let previousDone: Promise<void> = Promise.resolve();

  const stoppedError = (): LynqError =>
    transientError(reflectorCodes.stopped, 'the reflector was stopped', undefined, {
      path: options.path,
    });

  return {
    start: () => {
      if (running !== undefined) return;
      if (sync.settled()) sync = firstList();
      const controller = new AbortController();
      const currentSync = sync;
      const after = previousDone;
      const done = (async () => {
        await after;
        await run(controller.signal, currentSync);
      })().catch((err: unknown) => {
        metrics.errors += 1;
        log.error({ err }, 'Reflector loop failed');
      });
      running = { controller, done };
      previousDone = done;
    },
    stop: async () => {
      const current = running;
      if (current === undefined) return;
      running = undefined;
      const reason = stoppedError();
      current.controller.abort(reason);
      sync.reject(reason);
      await current.done;
    },
    synced: () => sync.promise,
    get: (key) => store.get(key),
    list: () => store.list(),
    resourceVersion: () => lastResourceVersion,
    metrics,
  };
};
