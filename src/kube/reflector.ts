// One collection's list+watch loop (DESIGN 8): a local store kept level with the API server, reported as added/updated/deleted.
import type { Logger } from 'pino';
import { transientError, type LynqError } from '../errors.js';
import { distinctWarning } from '../observe/distinct-warning.js';
import type { KubeTransport } from './http-transport.js';
import { asKubeObject, isRecord, objectKey, type KubeObject } from './kube-object.js';
import {
  backoffDelay,
  defaultBackoff,
  jitteredSeconds,
  systemClock,
  type BackoffPolicy,
  type ReflectorClock,
} from './reflector-clock.js';
import { asKubeStatus, createLineSplitter, parseWatchEvent } from './watch-event.js';

export const reflectorCodes = {
  listFailed: 'KubeListFailed',
  listMalformed: 'KubeListMalformed',
  /** The list's continue token expired more often in a row than `maxListRestarts`. */
  listRestartsExceeded: 'KubeListRestartsExceeded',
  watchFailed: 'KubeWatchFailed',
  /** No byte arrived for longer than the server's own timeout plus a grace period. */
  watchIdle: 'KubeWatchIdle',
  /** The server ended a watch at once, with nothing in it (a misbehaving proxy): back off. */
  watchTooShort: 'KubeWatchTooShort',
  /** `synced()` of a run that was stopped before its first list completed. */
  stopped: 'ReflectorStopped',
} as const;

/** Called synchronously, in the order the API server reported the changes. */
export interface ReflectorHandler<T extends KubeObject> {
  added(obj: T): void;
  updated(obj: T, previous: T): void;
  /**
   * The last state known: the DELETED event's object, or the stored one when a relist missed the
   * deletion. `stored` is the object as the store held it: it differs from `lastKnown` when the
   * object did not go but left the label selector (its labels changed).
   */
  deleted(lastKnown: T, stored: T): void;
}

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

export interface ReflectorOptions<T extends KubeObject> {
  readonly transport: Pick<KubeTransport, 'request' | 'stream'>;
  /** The collection, e.g. `/apis/operator.lynq.sh/v1/lynqnodes` or `/api/v1/namespaces/x/configmaps`. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly handler: ReflectorHandler<T>;
  readonly logger: Logger;
  /**
   * Applied to every object before it is stored and reported (e.g. `keepManagedFieldsOf`).
   * Must keep `metadata.name`, `namespace` and `resourceVersion`. Without it, T is the object as
   * received (T's default, `KubeObject`).
   */
  readonly transform?: (obj: KubeObject) => T;
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

export interface Reflector<T extends KubeObject> {
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
  get(key: string): T | undefined;
  list(): T[];
  /** The resourceVersion the next watch starts from. */
  resourceVersion(): string | undefined;
  /** Live counters. */
  readonly metrics: ReflectorMetrics;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  settled(): boolean;
}

const deferred = (): Deferred => {
  let done = false;
  let resolveFn: () => void = () => undefined;
  let rejectFn: (err: unknown) => void = () => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  // Nobody has to ask for synced(): a stop before the first list must not become an unhandled
  // rejection. Callers of synced() still receive the rejection.
  promise.catch(() => undefined);
  return {
    promise,
    resolve: () => {
      if (!done) resolveFn();
      done = true;
    },
    reject: (err) => {
      if (!done) rejectFn(err);
      done = true;
    },
    settled: () => done,
  };
};

const httpError = (code: string, what: string, status: number, body: unknown): LynqError => {
  const s = asKubeStatus(body);
  return transientError(
    code,
    `${what}: HTTP ${status}${s.message === undefined ? '' : `: ${s.message}`}`,
    undefined,
    {
      status,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
    },
  );
};

interface ListPage {
  readonly items: readonly KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
  /** Items that are not objects (skipped). */
  readonly malformed: number;
}

/** Narrows a list response; items get the `apiVersion` and `kind` that lists leave out. */
const parseListPage = (body: unknown): ListPage => {
  const malformedList = (): never => {
    throw transientError(reflectorCodes.listMalformed, 'the list response is not a list');
  };
  if (!isRecord(body) || !isRecord(body['metadata'])) return malformedList();
  const { resourceVersion, continue: continueToken } = body['metadata'];
  const items = body['items'] ?? [];
  if (typeof resourceVersion !== 'string' || !Array.isArray(items)) return malformedList();
  const apiVersion = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : undefined;
  const listKind = typeof body['kind'] === 'string' ? body['kind'] : '';
  const kind = listKind.endsWith('List') ? listKind.slice(0, -'List'.length) : undefined;
  const objects: KubeObject[] = [];
  let malformed = 0;
  for (const item of items as unknown[]) {
    const obj = asKubeObject(item);
    if (obj === undefined) {
      malformed += 1;
      continue;
    }
    objects.push(
      obj.kind === undefined && kind !== undefined && apiVersion !== undefined
        ? { ...obj, apiVersion, kind }
        : obj,
    );
  }
  return {
    items: objects,
    resourceVersion,
    continueToken:
      typeof continueToken === 'string' && continueToken !== '' ? continueToken : undefined,
    malformed,
  };
};

type WatchOutcome = 'ended' | 'gone';

/** How far one watch got: filled in while it runs, read when it throws. */
interface WatchProgress {
  /** When the server answered 2xx (clock time); undefined while it has not. */
  openedAt: number | undefined;
  /** Events and bookmarks applied. */
  lines: number;
}

// Falls back to full objects on servers that cannot convert (the response says which it is).
const metadataListMedia =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const metadataMedia =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/**
 * A reflector for one collection. Nothing happens until `start()`. It never throws into the
 * caller: failures are logged, counted in `metrics`, and retried with capped, jittered backoff;
 * a handler or transform that throws is logged and counted, and the loop goes on.
 */
export const createReflector = <T extends KubeObject = KubeObject>(
  options: ReflectorOptions<T>,
): Reflector<T> => {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const backoff: BackoffPolicy = { ...defaultBackoff, ...options.backoff };
  const pageSize = options.pageSize ?? 500;
  const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const watchTimeoutJitter = options.watchTimeoutJitter ?? 0.5;
  const idleGraceMs = options.idleGraceMs ?? 30_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const maxListRestarts = options.maxListRestarts ?? 5;
  /** A watch that ends empty sooner than this did not really run. */
  const minWatchMs = 1_000;
  // T defaults to KubeObject; a caller that narrows T supplies the transform that narrows it.
  const transform = options.transform ?? ((obj: KubeObject) => obj as T);
  const { handler, transport } = options;
  const log = options.logger.child({
    component: 'reflector',
    path: options.path,
    ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
    ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
  });

  const store = new Map<string, T>();
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

  const collectionPath = (params: Readonly<Record<string, string | undefined>>): string => {
    const query = new URLSearchParams();
    if (options.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) query.set(name, value);
    }
    return `${options.path}?${query.toString()}`;
  };

  const notify = (event: keyof ReflectorHandler<T>, obj: T, call: () => void): void => {
    try {
      call();
    } catch (err) {
      metrics.errors += 1;
      log.error({ err, event, key: objectKey(obj) }, 'Reflector handler failed');
    }
  };

  const stored = (raw: KubeObject): T | undefined => {
    try {
      return transform(raw);
    } catch (err) {
      metrics.errors += 1;
      log.error({ err, key: objectKey(raw) }, 'Reflector transform failed; object skipped');
      return undefined;
    }
  };

  /** Makes the store equal to `next`, reporting the difference (resourceVersion decides "changed"). */
  const replaceStore = (next: ReadonlyMap<string, T>): void => {
    for (const [key, previous] of [...store]) {
      if (next.has(key)) continue;
      store.delete(key);
      notify('deleted', previous, () => {
        handler.deleted(previous, previous);
      });
    }
    for (const [key, obj] of next) {
      const previous = store.get(key);
      store.set(key, obj);
      if (previous === undefined) {
        notify('added', obj, () => {
          handler.added(obj);
        });
      } else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        notify('updated', obj, () => {
          handler.updated(obj, previous);
        });
      }
    }
  };

  /** Lists every page into a fresh map, then replaces the store at once. */
  const listAll = async (signal: AbortSignal): Promise<void> => {
    for (let restarts = 0; ; restarts += 1) {
      const items = new Map<string, T>();
      let continueToken: string | undefined;
      let listResourceVersion = '';
      let expired = false;
      do {
        const res = await transport.request({
          method: 'GET',
          path: collectionPath({ limit: String(pageSize), continue: continueToken }),
          timeoutMs: requestTimeoutMs,
          signal,
          ...(options.metadataOnly === true ? { accept: metadataListMedia } : {}),
        });
        if (res.status === 410 && continueToken !== undefined) {
          expired = true;
          break;
        }
        if (res.status !== 200)
          throw httpError(reflectorCodes.listFailed, 'list', res.status, res.body);
        const page = parseListPage(res.body);
        if (page.malformed > 0) {
          metrics.errors += 1;
          log.warn({ malformed: page.malformed }, 'List items without metadata skipped');
        }
        for (const raw of page.items) {
          const obj = stored(raw);
          if (obj !== undefined) items.set(objectKey(raw), obj);
        }
        listResourceVersion = page.resourceVersion;
        continueToken = page.continueToken;
      } while (continueToken !== undefined);
      if (!expired) {
        replaceStore(items);
        lastResourceVersion = listResourceVersion;
        return;
      }
      metrics.listRestarts += 1;
      if (restarts >= maxListRestarts) {
        throw transientError(
          reflectorCodes.listRestartsExceeded,
          `the list's continue token expired ${restarts + 1} times in a row`,
        );
      }
      // The snapshot the token pinned is compacted away: only a list from scratch is consistent.
      log.info(
        { restarts: restarts + 1 },
        'List continue token expired; listing again from the start',
      );
    }
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
    const obj = stored(raw);
    if (obj === undefined) return 'applied';
    const key = objectKey(raw);
    const previous = store.get(key);
    if (event.type === 'DELETED') {
      if (previous === undefined) return 'applied';
      store.delete(key);
      notify('deleted', obj, () => {
        handler.deleted(obj, previous);
      });
      return 'applied';
    }
    store.set(key, obj);
    if (previous === undefined) {
      notify('added', obj, () => {
        handler.added(obj);
      });
    } else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      notify('updated', obj, () => {
        handler.updated(obj, previous);
      });
    }
    return 'applied';
  };

  /**
   * One watch from `lastResourceVersion`, until the server ends it, it breaks or goes silent.
   * `progress` says how far it got, also when it throws.
   */
  const watchOnce = async (
    signal: AbortSignal,
    progress: WatchProgress,
  ): Promise<{ outcome: WatchOutcome; lines: number }> => {
    const timeoutSeconds = jitteredSeconds(watchTimeoutSeconds, watchTimeoutJitter, random);
    // Longer than the server's timeout: only a connection that died silently trips it.
    const idleMs = timeoutSeconds * 1000 + idleGraceMs;
    metrics.watches += 1;
    const res = await transport.stream({
      path: collectionPath({
        watch: '1',
        resourceVersion: lastResourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
      }),
      signal,
      responseTimeoutMs: requestTimeoutMs,
      ...(options.metadataOnly === true ? { accept: metadataMedia } : {}),
    });
    if (!res.ok) {
      if (res.status === 410) return { outcome: 'gone', lines: 0 };
      throw httpError(reflectorCodes.watchFailed, 'watch', res.status, res.body);
    }
    const body = res.body;
    const startedAt = clock.now();
    progress.openedAt = startedAt;
    let lastActivity = startedAt;
    let lines = 0;
    let cancelIdle: () => void = () => undefined;
    const armIdle = (ms: number): void => {
      cancelIdle = clock.setTimer(() => {
        const silentMs = clock.now() - lastActivity;
        if (silentMs < idleMs) {
          armIdle(idleMs - silentMs);
          return;
        }
        body.destroy(
          transientError(reflectorCodes.watchIdle, `watch silent for ${silentMs} ms`, undefined, {
            idleMs,
          }),
        );
      }, ms);
    };
    armIdle(idleMs);
    const splitter = createLineSplitter();
    /** Applies a line; true when it says 410. Only applied events count as progress. */
    const isGone = (line: string): boolean => {
      if (applyLine(line) === 'gone') return true;
      lines += 1;
      progress.lines = lines;
      return false;
    };
    try {
      for await (const chunk of body as AsyncIterable<unknown>) {
        lastActivity = clock.now();
        const text = typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk : String(chunk);
        for (const line of splitter.push(text)) {
          if (isGone(line)) return { outcome: 'gone', lines };
        }
      }
      for (const line of splitter.end()) {
        if (isGone(line)) return { outcome: 'gone', lines };
      }
    } finally {
      cancelIdle();
      body.destroy();
    }
    if (endedAtOnce(progress)) {
      throw transientError(reflectorCodes.watchTooShort, 'the watch ended at once and empty');
    }
    return { outcome: 'ended', lines };
  };

  /** Opened, then ended or broke at once with nothing in it: the server did not really serve it. */
  const endedAtOnce = (progress: WatchProgress): boolean =>
    progress.openedAt !== undefined &&
    progress.lines === 0 &&
    clock.now() - progress.openedAt < minWatchMs;

  /**
   * The loop of one run: list, then watch and re-watch, relisting on 410, backing off on failures.
   * The backoff restarts from `initialMs` on the first request that succeeds (a completed list, a
   * watch the server answers 2xx), so the next outage starts with short retries again; a watch
   * that opens but ends or breaks at once and empty does not count (a misbehaving proxy, an
   * in-stream error), or it would keep the retries at their shortest.
   */
  const run = async (signal: AbortSignal, sync: Deferred): Promise<void> => {
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
          await listAll(signal);
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
        const { outcome, lines } = await watchOnce(signal, watch.progress);
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
          failures = endedAtOnce(watch.progress) ? watch.failuresBefore : 0;
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

  let sync = deferred();
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
      if (sync.settled()) sync = deferred();
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
    list: () => [...store.values()],
    resourceVersion: () => lastResourceVersion,
    metrics,
  };
};
