// The reflector's watch (client-go's StreamWatcher): one watch request from a resourceVersion, its lines handed over as they arrive, torn down when it goes silent.
import { transientError } from '../errors.js';
import type { KubeTransport } from './http-transport.js';
import { jitteredSeconds, type ReflectorClock } from './reflector-clock.js';
import { httpError, reflectorCodes } from './reflector-pager.js';
import { createLineSplitter } from './watch-event.js';

const metadataMedia =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

/** A watch that ends empty sooner than this did not really run. */
const minWatchMs = 1_000;

export type WatchOutcome = 'ended' | 'gone';

/** How far one watch got: filled in while it runs, read when it throws. */
export interface WatchProgress {
  /** When the server answered 2xx (clock time); undefined while it has not. */
  openedAt: number | undefined;
  /** Events and bookmarks applied. */
  lines: number;
}

export interface WatchStreamOptions {
  readonly transport: Pick<KubeTransport, 'stream'>;
  /** The collection's path with the reflector's selectors and `params` as query. */
  readonly pathOf: (params: Readonly<Record<string, string | undefined>>) => string;
  readonly metadataOnly: boolean;
  /** The server-side timeout before jitter. */
  readonly timeoutSeconds: number;
  /** Stretches each watch's timeout by up to this fraction. */
  readonly timeoutJitter: number;
  /** The client gives up on a silent watch this long after the server should have ended it. */
  readonly idleGraceMs: number;
  /** Bounds the wait for the response headers. */
  readonly responseTimeoutMs: number;
  readonly clock: ReflectorClock;
  readonly random: () => number;
}

/** Opened, then ended or broke at once with nothing in it: the server did not really serve it. */
export const endedAtOnce = (progress: WatchProgress, clock: ReflectorClock): boolean =>
  progress.openedAt !== undefined &&
  progress.lines === 0 &&
  clock.now() - progress.openedAt < minWatchMs;

/**
 * One watch from `resourceVersion`, until the server ends it (`ended`), says the version is
 * too old (`gone`, an HTTP 410 or a 410 ERROR line), or it breaks or goes silent (throws).
 * `apply` receives every line in order and says `gone` for a 410 ERROR; what it throws ends the
 * watch. `progress` says how far it got, also when it throws. A watch that opens and ends at
 * once, empty, throws `KubeWatchTooShort`.
 */
export const watchOnce = async (
  options: WatchStreamOptions,
  resourceVersion: string | undefined,
  apply: (line: string) => 'applied' | 'gone',
  signal: AbortSignal,
  progress: WatchProgress,
): Promise<{ outcome: WatchOutcome; lines: number }> => {
  const { clock } = options;
  const timeoutSeconds = jitteredSeconds(
    options.timeoutSeconds,
    options.timeoutJitter,
    options.random,
  );
  // Longer than the server's timeout: only a connection that died silently trips it.
  const idleMs = timeoutSeconds * 1000 + options.idleGraceMs;
  const res = await options.transport.stream({
    path: options.pathOf({
      watch: '1',
      resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    }),
    signal,
    responseTimeoutMs: options.responseTimeoutMs,
    ...(options.metadataOnly ? { accept: metadataMedia } : {}),
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
    if (apply(line) === 'gone') return true;
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
  if (endedAtOnce(progress, clock)) {
    throw transientError(reflectorCodes.watchTooShort, 'the watch ended at once and empty');
  }
  return { outcome: 'ended', lines };
};
