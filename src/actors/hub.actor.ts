// A running hub: hub.machine with its real actors, status published from its snapshots, and events on failures (SPEC H1–H11, O2).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { createActor, fromPromise, type SnapshotFrom } from 'xstate';
import {
  conditionReasons,
  conditionStatuses,
  hubConditionTypes,
  nodeConditionTypes,
} from '../api/conditions.js';
import { hubReadiness, kstatusConditions } from '../api/ready-condition.js';
import { groupVersion } from '../api/crd-builder.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import { annotationKeys } from '../api/metadata-keys.js';
import { canonicalJson } from '../api/canonical-json.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { lynqStatusPath } from '../kube/lynq-paths.js';
import type {
  HubFinalizeInput,
  HubObservation,
  HubDeletionGuard,
  HubRef,
  HubSyncFailure,
} from '../machines/hub.contract.js';
import { hubMachine, hubPhaseOf } from '../machines/hub.machine.js';
import {
  changeFeedModes,
  type ChangeFeed,
  type ChangeFeedState,
} from '../datasource/change-feed.js';
import { coalescedCall } from './coalesced-call.js';
import { leadingThrottle } from './leading-throttle.js';
import { syncHubActor, type HubSyncPorts } from './hub-sync.actor.js';
import {
  changeDetectionCondition,
  datasourceReachableCondition,
  deletionGuardCondition,
  rowsReadCondition,
} from './hub-conditions.js';
import {
  enterPhase,
  nextConditions,
  publishedStateOf,
  type PublishedState,
} from './published-state.js';

const unitMillis: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** `30s`, `5m`, `1h` → milliseconds; anything else (the CRD forbids it) → 30 s. */
export const syncIntervalMillis = (text: string): number => {
  const match = /^([0-9]+)(s|m|h)$/.exec(text);
  const unit = match?.[2];
  if (match === null || unit === undefined) return 30_000;
  return Math.max(1_000, Number(match[1]) * (unitMillis[unit] ?? 1_000));
};

/** What the machine needs to know of a hub object. */
export const observeHub = (hub: LynqHub): HubObservation => ({
  generation: hub.metadata.generation ?? 0,
  syncIntervalMillis: syncIntervalMillis(hub.spec.source.syncInterval),
  suspend: hub.spec.suspend,
  deleting: hub.metadata.deletionTimestamp !== undefined,
  reconcileAt: hub.metadata.annotations?.[annotationKeys.reconcileAt],
});

export interface HubActorDeps {
  readonly ports: HubSyncPorts;
  /** Deletes the hub's nodes, waits until they are gone, removes the hub's finalizer (SPEC H8). */
  readonly finalize: (hub: HubRef, signal: AbortSignal) => Promise<void>;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /**
   * Starts the change feed of a hub with `spec.source.changeDetection.enabled` (SPEC H1b); its
   * sink's `changed` asks for an early sync, its `state` feeds the `ChangeDetection` condition.
   * Absent = change detection is not wired (unit tests).
   */
  readonly startChangeFeed?: (
    hub: LynqHub,
    sink: { changed(): void; state(state: ChangeFeedState): void },
  ) => ChangeFeed;
  /** Least time between two syncs caused by change hints: a burst costs one or two. Default 1 s. */
  readonly changeSyncSpacingMs?: number;
  /** How long node changes gather before the hub recounts its nodes. Default 200 ms. */
  readonly recountDelayMs?: number;
  readonly now?: () => Date;
  /**
   * The actor failed unexpectedly and has stopped: its supervisor starts a new one from the
   * object's status later (DESIGN 10). Absent = only logged.
   */
  readonly failed?: (error: unknown) => void;
}

export interface HubActor {
  /** The reflector saw the hub added or changed. */
  observe(hub: LynqHub): void;
  /** A form of this hub was created, changed or deleted (SPEC H10). */
  formsChanged(): void;
  /** A node of this hub changed: its counts may have. */
  nodesChanged(): void;
  /** The machine's snapshot (for the debug export). */
  snapshot(): SnapshotFrom<typeof hubMachine>;
  stop(): void;
}

/**
 * What identifies a running change feed: the source without its poll period. The same key keeps
 * the feed; any other change (host, table, Secret reference, probe interval) restarts it.
 */
const changeFeedKey = (hub: LynqHub): string | undefined =>
  hub.spec.source.changeDetection.enabled && hub.metadata.deletionTimestamp === undefined
    ? canonicalJson({ ...hub.spec.source, syncInterval: undefined })
    : undefined;

/** Phases a person needs to see; `Syncing` is a pass that publishes nothing by itself (SPEC O2, H6). */
const publishedPhase = (phase: string): boolean => phase !== 'Syncing';

/** Starts a hub actor; it waits in `pending` until the first `observe`. */
export const startHubActor = (ref: HubRef, deps: HubActorDeps): HubActor => {
  const now = (): string => (deps.now?.() ?? new Date()).toISOString();
  const logger = deps.logger.child({ kind: 'LynqHub', namespace: ref.namespace, name: ref.name });
  const machine = hubMachine.provide({
    actors: {
      syncHub: syncHubActor(deps.ports),
      finalizeHub: fromPromise<undefined, HubFinalizeInput>(async ({ input, signal }) => {
        await deps.finalize(input.hub, signal);
        return undefined;
      }),
    },
  });
  const actor = createActor(machine, { input: { hub: ref } });
  const statusPath = lynqStatusPath('lynqhubs', ref.namespace, ref.name);

  let latest: LynqHub | undefined;
  /** The running change feed (SPEC H1b) and what it last reported. */
  let feed: { key: string; handle: ChangeFeed; state: ChangeFeedState } | undefined;
  let published: PublishedState | undefined;
  let lastContent: string | undefined;
  let lastError: HubSyncFailure | undefined;

  const involved = () => ({
    apiVersion: groupVersion,
    kind: 'LynqHub',
    namespace: ref.namespace,
    name: ref.name,
    uid: latest?.metadata.uid ?? '',
  });

  const publish = (snapshot: SnapshotFrom<typeof hubMachine>): void => {
    const hub = latest;
    if (hub === undefined) return;
    const phase = hubPhaseOf(snapshot.value);
    if (!publishedPhase(phase)) return;
    const { context } = snapshot;
    const stamp = now();
    published = enterPhase(
      published ?? publishedStateOf(hub.status),
      phase,
      context.trigger,
      stamp,
    );
    const nodes = deps.ports
      .nodesOfHub(ref)
      .filter((n) => n.metadata.deletionTimestamp === undefined);
    const countWithCondition = (type: string): number =>
      nodes.filter((n) =>
        n.status?.conditions?.some((c) => c.type === type && c.status === conditionStatuses.true),
      ).length;
    const good = context.lastGood;
    const error = context.lastError;
    const conditions = nextConditions(
      hub.status?.conditions,
      [
        // Ready only when the sync succeeded and every node it owns is Ready (SPEC O2, kstatus).
        ...kstatusConditions(
          hubReadiness({
            phase,
            error,
            nodes: {
              total: nodes.length,
              ready: countWithCondition(nodeConditionTypes.ready),
              failed: countWithCondition(nodeConditionTypes.degraded),
            },
          }),
        ),
        deletionGuardCondition(good?.deletionGuard),
        datasourceReachableCondition(
          good !== undefined,
          error,
          hub.status?.conditions?.find((c) => c.type === hubConditionTypes.datasourceReachable),
        ),
        rowsReadCondition(
          good !== undefined,
          error,
          hub.status?.conditions?.find((c) => c.type === hubConditionTypes.rowsRead),
        ),
        ...(feed === undefined ? [] : [changeDetectionCondition(feed.state)]),
      ],
      hub.metadata.generation ?? 0,
      stamp,
    );
    const content = {
      ...published,
      observedGeneration: hub.metadata.generation ?? 0,
      // A failed sync keeps the last good counts (SPEC H7).
      ...(good === undefined
        ? {}
        : {
            referencingTemplates: good.referencingTemplates,
            desired: good.desired,
            rows: good.rows,
          }),
      ready: countWithCondition(nodeConditionTypes.ready),
      failed: countWithCondition(nodeConditionTypes.degraded),
      conditions,
    };
    const text = canonicalJson(content);
    if (text === lastContent) return;
    lastContent = text;
    // lastSyncTime only travels with another change (SPEC H6).
    deps.statusWriter.publish(statusPath, { ...content, lastSyncTime: stamp });
  };

  const reportError = (error: HubSyncFailure | undefined): void => {
    if (
      error === undefined ||
      (error.code === lastError?.code && error.message === lastError.message)
    ) {
      lastError = error;
      return;
    }
    lastError = error;
    logger.warn({ code: error.code, message: error.message }, 'Hub sync failed');
    void deps.events.record({
      object: involved(),
      type: 'Warning',
      reason: error.code,
      message: error.message,
    });
  };

  let heldToken = '';
  /** One Warning event per newly held set (SPEC H9, O1). */
  const reportGuard = (guard: HubDeletionGuard | undefined): void => {
    const token = guard?.held === true ? guard.token : '';
    if (token === heldToken) return;
    heldToken = token;
    if (guard === undefined || token === '') return;
    logger.warn({ count: guard.count, limit: guard.limit, token }, 'Deletions held');
    void deps.events.record({
      object: involved(),
      type: 'Warning',
      reason: conditionReasons.deletionGuarded,
      message: deletionGuardCondition(guard).message,
    });
  };

  let reportedDuplicates = '';
  /**
   * One Warning event per distinct set of duplicated uids, not one per sync (SPEC H4, H6). A sync
   * without duplicates clears the memory, so the same set coming back is reported again.
   */
  const reportDuplicates = (uids: readonly string[] | undefined): void => {
    const set = uids?.join('\u0000') ?? reportedDuplicates;
    if (set === reportedDuplicates) return;
    reportedDuplicates = set;
    if (uids === undefined || uids.length === 0) return;
    const shown = uids.slice(0, 10).join(', ');
    logger.warn({ count: uids.length }, 'Duplicated uids');
    void deps.events.record({
      object: involved(),
      type: 'Warning',
      reason: conditionReasons.duplicateUids,
      message: `${String(uids.length)} uids appear in more than one row and change nothing: ${shown}${uids.length > 10 ? ', …' : ''}`,
    });
  };

  let syncStartedAt: number | undefined;
  const traceSync = (snapshot: SnapshotFrom<typeof hubMachine>): void => {
    const syncing = snapshot.matches('syncing');
    if (syncing && syncStartedAt === undefined) syncStartedAt = performance.now();
    if (!syncing && syncStartedAt !== undefined) {
      const good = snapshot.context.lastGood;
      logger.debug(
        {
          durationMs: Math.round(performance.now() - syncStartedAt),
          outcome: snapshot.context.lastError === undefined ? 'synced' : 'failed',
          wrote: good?.wrote,
          desired: good?.desired,
        },
        'Hub sync finished',
      );
      syncStartedAt = undefined;
    }
  };

  // The first hint syncs at once; a burst of hints costs one more sync, not one each (SPEC H1b).
  const rowsChanged = leadingThrottle(() => {
    actor.send({ type: 'rows.changed' });
  }, deps.changeSyncSpacingMs ?? 1_000);

  const stopFeed = (): void => {
    const current = feed;
    feed = undefined;
    rowsChanged.cancel();
    if (current !== undefined) void current.handle.stop();
  };

  /** Starts, keeps or stops the change feed as the hub's spec says. */
  const followChangeFeed = (hub: LynqHub): void => {
    const key = deps.startChangeFeed === undefined ? undefined : changeFeedKey(hub);
    if (key === feed?.key) return;
    stopFeed();
    if (key === undefined || deps.startChangeFeed === undefined) return;
    const entry: { key: string; handle: ChangeFeed | undefined; state: ChangeFeedState } = {
      key,
      handle: undefined,
      state: { mode: changeFeedModes.polling, reason: 'Connecting', message: 'Starting' },
    };
    const handle = deps.startChangeFeed(hub, {
      changed: () => {
        if (feed?.handle === entry.handle) rowsChanged.request();
      },
      state: (state) => {
        entry.state = state;
        if (feed?.key !== key) return;
        feed.state = state;
        logger.info({ mode: state.mode, reason: state.reason }, 'Change detection mode');
        publish(actor.getSnapshot());
      },
    });
    entry.handle = handle;
    feed = { key, handle, state: entry.state };
  };

  // Counting is a pass over every node of the hub: one per window, not one per node event.
  const recount = coalescedCall(() => {
    publish(actor.getSnapshot());
  }, deps.recountDelayMs ?? 200);

  actor.subscribe({
    next: (snapshot) => {
      traceSync(snapshot);
      reportError(snapshot.context.lastError);
      reportGuard(snapshot.context.lastGood?.deletionGuard);
      reportDuplicates(snapshot.context.lastGood?.duplicateUids);
      publish(snapshot);
    },
    error: (err: unknown) => {
      logger.error({ err }, 'Hub actor failed');
      deps.failed?.(err);
    },
  });
  actor.start();

  return {
    observe: (hub) => {
      if (latest === undefined && hub.status !== undefined) {
        // A rebuilt actor whose hub already shows this content publishes nothing (SPEC O2).
        lastContent = canonicalJson({ ...hub.status, lastSyncTime: undefined });
      }
      const allowBefore = latest?.metadata.annotations?.[annotationKeys.allowDeletions];
      const allowNow = hub.metadata.annotations?.[annotationKeys.allowDeletions];
      latest = hub;
      deps.statusWriter.observe(statusPath, hub.status);
      followChangeFeed(hub);
      actor.send({ type: 'hub.observed', observation: observeHub(hub) });
      // A new allow token is acted upon at once, not at the next poll (SPEC H9).
      if (allowNow !== undefined && allowNow !== allowBefore)
        actor.send({ type: 'sync.requested' });
    },
    formsChanged: () => {
      actor.send({ type: 'forms.changed' });
    },
    nodesChanged: () => {
      recount.request();
    },
    snapshot: () => actor.getSnapshot(),
    stop: () => {
      recount.cancel();
      stopFeed();
      actor.stop();
      deps.statusWriter.forget(statusPath);
    },
  };
};
