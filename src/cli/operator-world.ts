// The operator's working parts — reflectors, form/hub/node actors, render pool — wired to each other and to the cluster; started once this process may write.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { isProtected } from '../api/deletion-protection.js';
import { conditionStatuses, formConditionTypes, nodeConditionTypes } from '../api/conditions.js';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { finalizers, labelKeys } from '../api/metadata-keys.js';
import {
  controllerRevisionsPath,
  createFormRegistry,
  revisionSelector,
} from '../actors/form-registry.js';
import { hubChangeFeedFactory } from '../actors/hub-change-feed.js';
import { createHubPorts, readSecretKey } from '../actors/hub-ports.js';
import { startHubActor, type HubActor } from '../actors/hub.actor.js';
import { createNodeIndex, hubKeyOf as keyOf } from '../actors/node-index.js';
import { nodeActorFactory } from '../actors/node.actor.js';
import {
  actorFailedReason,
  startSupervisor,
  type SupervisorOptions,
} from '../actors/actor-supervisor.js';
import { createProtectionMarker } from '../actors/protection-marker.js';
import { HubDatasourceCache } from '../datasource/hub-datasource-cache.js';
import type { LynqError } from '../errors.js';
import { createApiClient } from '../kube/api-client.js';
import { hubClients } from '../actors/hub-lanes.js';
import { createChildWatcher } from '../kube/child-watcher.js';
import { createEventRecorder } from '../kube/event-recorder.js';
import { createFinalizerAdder } from '../kube/guarded-metadata-patch.js';
import type { KubeTransport } from '../kube/http-transport.js';
import type { KubeObject } from '../kube/kube-object.js';
import { lynqCollectionPath, lynqObjectPath } from '../kube/lynq-paths.js';
// Per watched namespace, so that Roles in them are all it needs (SPEC P1).
import { createNamespaceReflector } from '../kube/namespace-reflectors.js';
import { createNodeCacheTransform } from '../kube/node-cache.transform.js';
import { setNodeProtectionLabel } from '../kube/node-protection-label.js';
import { observedTransport, resourceOfPath } from '../kube/observed-transport.js';
import type { Reflector } from '../kube/reflector.js';
import { createResourcePaths } from '../kube/resource-paths.js';
import { createStatusWriter } from '../kube/status-writer.js';
import { nodeGroupOf, type MetricSources, type OperatorMetrics } from '../observe/metrics.js';
import { createNodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import { debugMachinesHandler } from '../inspect/debug-routes.js';
import { debugSources } from './debug-sources.js';
import type { TemplateEnvironment } from '../render/environment.js';
import { createRenderBatcher } from '../render/render-batcher.js';
import { createRenderPool } from '../render/render-pool.js';
import type { OperatorConfig } from './operator-config.js';

export interface OperatorWorld {
  /** Starts watches and actors; resolves once every reflector has synced once (SPEC O5). */
  start(): Promise<void>;
  /** No new work: watches stop, so no event starts anything. */
  stopWatching(): Promise<void>;
  /** Stops every actor (aborting what they still do), the render pool and the database pools. */
  stop(): Promise<void>;
  /** The read-only machine export `/debug/machines` (SPEC O3), served when `--debug-endpoints`. */
  debugMachines(req: IncomingMessage, res: ServerResponse): void;
  /** What /metrics reads at scrape time. */
  readonly sources: Omit<MetricSources, 'apiQueue' | 'leading' | 'leaseName'>;
}

/** A form counts as valid unless its `Valid` condition says otherwise (form validation sets it). */
const isFormValid = (form: LynqForm): boolean =>
  !(
    form.status?.conditions?.some(
      (c) => c.type === formConditionTypes.valid && c.status === conditionStatuses.false,
    ) ?? false
  );

const isConflicted = (node: LynqNode | undefined): boolean =>
  node?.status?.conditions?.some(
    (c) => c.type === nodeConditionTypes.conflicted && c.status === conditionStatuses.true,
  ) ?? false;

/**
 * Builds everything over `transport` (already polite, fenced and drained); nothing runs yet.
 * Rejects (never throws) when a part cannot be built.
 */
export const buildOperatorWorld = (
  config: OperatorConfig,
  logger: Logger,
  transport: KubeTransport,
  metrics: OperatorMetrics,
): Promise<OperatorWorld> =>
  Promise.resolve().then(() => assembleOperatorWorld(config, logger, transport, metrics));

const assembleOperatorWorld = (
  config: OperatorConfig,
  logger: Logger,
  transport: KubeTransport,
  metrics: OperatorMetrics,
): OperatorWorld => {
  const client = createApiClient(transport);
  // Each hub's node writes wait in that hub's API queue, so hubs take turns (SPEC P4).
  const clientsOfHubs = hubClients(transport);
  const statusWriter = createStatusWriter({
    client,
    logger,
    minIntervalMs: config.statusMinIntervalMs,
    gatherMs: config.statusGatherMs,
  });
  const events = createEventRecorder(client, logger);
  // Form validation compiles every template with the real function library (SPEC F1); both
  // are loaded with the first form, so an operator without forms does not hold them.
  let templateEnv: Promise<TemplateEnvironment> | undefined;
  const loadTemplateEnv = (): Promise<TemplateEnvironment> =>
    (templateEnv ??= (async () => {
      const [{ createTemplateEnvironment }, { loadTemplateFunctions }] = await Promise.all([
        import('../render/environment.js'),
        import('../render/function-table.js'),
      ]);
      return createTemplateEnvironment({ functions: await loadTemplateFunctions() });
    })().catch((err: unknown) => {
      // Asked again by the next validation rather than failing every form from now on.
      templateEnv = undefined;
      throw err;
    }));
  const datasources = new HubDatasourceCache({ logger });
  const nodeLog = createNodeLifecycleLog(logger);
  const nodeIndex = createNodeIndex();
  /**
   * How a hub, form or node actor that failed is restarted: the supervisor's backoff with jitter,
   * a metric, and (hubs and forms; a node tells its own) a Warning event on its object.
   */
  const supervision = (
    kind: 'hub' | 'form' | 'node',
    object: (key: string) => KubeObject | undefined,
  ): SupervisorOptions => ({
    onCrash: (key, error, failures) => {
      metrics.actorRestarted(kind);
      logger.warn(
        { kind, key, failures, err: error },
        'Actor failed; restarting it after a backoff',
      );
      const obj = object(key);
      if (kind === 'node' || obj === undefined) return;
      void events.record({
        object: {
          apiVersion: obj.apiVersion ?? '',
          kind: obj.kind ?? '',
          namespace: obj.metadata.namespace ?? '',
          name: obj.metadata.name,
          uid: obj.metadata.uid ?? '',
        },
        type: 'Warning',
        reason: actorFailedReason,
        message: `the ${kind}'s actor failed (${error instanceof Error ? error.message : String(error)}); it is started again after a backoff (failure ${String(failures)})`,
      });
    },
  });
  const hubActors = startSupervisor<LynqHub, never, HubActor>(
    (_key, hub, _finished, crashed) => {
      const slot: { actor?: HubActor } = {};
      slot.actor = startHubActor(
        { namespace: hub.metadata.namespace ?? '', name: hub.metadata.name ?? '' },
        {
          ports,
          finalize,
          statusWriter,
          events,
          logger,
          startChangeFeed,
          failed: (error) => {
            // Its feed, timers and status slot go with it; the restart starts from the status.
            slot.actor?.stop();
            crashed(error);
          },
        },
      );
      slot.actor.observe(hub);
      return slot.actor;
    },
    supervision('hub', (key) => hubs.get(key)),
  );
  const reflectorOptions = { transport, logger, watchTimeoutSeconds: config.watchTimeoutSeconds };
  const formsChanged = (namespace: string | undefined, hub: string): void => {
    hubActors.get(keyOf(namespace, hub))?.formsChanged();
  };

  const forms: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => lynqCollectionPath('lynqforms', namespace),
    handler: {
      added: (obj) => {
        const form = obj as unknown as LynqForm;
        formRegistry.formObserved(form);
        marker.hubChanged(form.metadata.namespace ?? '', form.spec.hubId);
        formsChanged(form.metadata.namespace, form.spec.hubId);
      },
      updated: (obj, previous) => {
        // Only a change a hub cares about: the spec (generation) or the form's validity.
        const form = obj as unknown as LynqForm;
        const before = previous as unknown as LynqForm;
        formRegistry.formObserved(form);
        if (isProtected(form) !== isProtected(before)) {
          marker.hubChanged(form.metadata.namespace ?? '', form.spec.hubId);
        }
        if (
          form.metadata.generation === before.metadata.generation &&
          isFormValid(form) === isFormValid(before)
        )
          return;
        formsChanged(form.metadata.namespace, form.spec.hubId);
      },
      deleted: (obj) => {
        const form = obj as unknown as LynqForm;
        formRegistry.formDeleted(form);
        marker.hubChanged(form.metadata.namespace ?? '', form.spec.hubId);
        formsChanged(form.metadata.namespace, form.spec.hubId);
      },
    },
  });

  // Form revisions by label only (DESIGN 8); the form actor alone creates and deletes them.
  const revisions: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => controllerRevisionsPath(namespace),
    labelSelector: revisionSelector,
    handler: {
      added: (obj) => {
        formRegistry.revisionChanged(obj);
      },
      updated: (obj) => {
        formRegistry.revisionChanged(obj);
      },
      deleted: (obj) => {
        formRegistry.revisionChanged(obj);
      },
    },
  });

  const getHub = (namespace: string, name: string): LynqHub | undefined =>
    hubs.get(keyOf(namespace, name)) as unknown as LynqHub | undefined;
  const formList = (): LynqForm[] => forms.list() as unknown as LynqForm[];

  const formRegistry = createFormRegistry({
    client,
    clientOfHub: clientsOfHubs.of,
    nodeLog,
    env: loadTemplateEnv,
    statusWriter,
    events,
    logger,
    getForm: (namespace, name) =>
      forms.get(keyOf(namespace, name)) as unknown as LynqForm | undefined,
    hubExists: (namespace, name) => hubs.get(keyOf(namespace, name)) !== undefined,
    nodesOfHub: (namespace, hub) => [...nodeIndex.ofHub(keyOf(namespace, hub))],
    revisions: () => revisions.list(),
    formsChanged: (namespace, hub) => {
      formsChanged(namespace, hub);
    },
    supervision: supervision('form', (key) => forms.get(key)),
  });

  const { ports, finalize } = createHubPorts({
    client,
    clientOfHub: clientsOfHubs.of,
    datasources,
    events,
    logger,
    nodeLog,
    nodes: nodeIndex,
    getHub,
    getNode: (namespace, name) =>
      nodes.get(keyOf(namespace, name)) as unknown as LynqNode | undefined,
    forms: formList,
    isFormValid: (namespace, name) => formRegistry.isValid(namespace, name),
    onRead: (hub, seconds, outcome) => {
      metrics.hubRead(
        hub,
        seconds,
        'rows' in outcome
          ? outcome
          : { errorReason: (outcome.error as Partial<LynqError>).code ?? 'Unknown' },
      );
    },
  });

  const marker = createProtectionMarker({
    getHub,
    formsOfHub: (namespace, hub) =>
      formList().filter((f) => f.metadata.namespace === namespace && f.spec.hubId === hub),
    nodesOfHub: (namespace, hub) => [...nodeIndex.ofHub(keyOf(namespace, hub))],
    setProtectionLabel: (node, marked, signal) =>
      setNodeProtectionLabel(client, node, marked, signal),
    logger,
  });

  const startChangeFeed = hubChangeFeedFactory({ readSecretKey: readSecretKey(client), logger });
  /** Adds the hub's finalizer once, so its nodes are deleted before it goes (SPEC H8). */
  const hubFinalizer = createFinalizerAdder(client, logger, finalizers.hubCleanup);
  const observeHub = (obj: KubeObject): void => {
    const hub = obj as unknown as LynqHub;
    if (hub.metadata.deletionTimestamp === undefined) {
      hubFinalizer.ensure(
        lynqObjectPath('lynqhubs', hub.metadata.namespace ?? '', hub.metadata.name ?? ''),
        hub.metadata,
      );
    }
    hubActors.observe(keyOf(hub.metadata.namespace, hub.metadata.name), hub);
  };

  const hubs: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => lynqCollectionPath('lynqhubs', namespace),
    handler: {
      added: (obj) => {
        observeHub(obj);
        formRegistry.hubChanged(obj.metadata.namespace ?? '', obj.metadata.name);
        marker.hubChanged(obj.metadata.namespace ?? '', obj.metadata.name);
      },
      updated: (obj, previous) => {
        observeHub(obj);
        if (isProtected(obj) !== isProtected(previous)) {
          marker.hubChanged(obj.metadata.namespace ?? '', obj.metadata.name);
        }
      },
      deleted: (obj) => {
        formRegistry.hubChanged(obj.metadata.namespace ?? '', obj.metadata.name);
        marker.hubChanged(obj.metadata.namespace ?? '', obj.metadata.name);
        const key = keyOf(obj.metadata.namespace, obj.metadata.name);
        hubActors.remove(key);
        clientsOfHubs.forget(obj.metadata.namespace ?? '', obj.metadata.name);
        void datasources.release(key);
      },
    },
  });

  // Rendering runs in workers (T7); one core is left to the reconciler's event loop. Workers
  // start with work and end 30 s after it: an idle operator holds no template engine.
  const renderPool = createRenderPool({
    minThreads: 0,
    maxThreads: Math.max(1, availableParallelism() - 1),
    idleTimeoutMs: 30_000,
    maxOldGenerationSizeMb: 256,
  });
  // Node actors ask one node at a time; nodes of one revision rendering together share a task.
  const renderBatcher = createRenderBatcher(renderPool);
  const renderer: typeof renderBatcher = {
    ...renderBatcher,
    render: async (...args) => {
      const started = performance.now();
      try {
        return await renderBatcher.render(...args);
      } finally {
        metrics.rendered((performance.now() - started) / 1_000);
      }
    },
  };
  const resourcePaths = createResourcePaths(transport);
  // Children by tracking label, per kind a node applied (DESIGN 8): deletions and changes behind
  // a node's back reach its actor within seconds, not at the next resync (SPEC N7, N12).
  const childWatcher = createChildWatcher({
    transport,
    paths: resourcePaths,
    logger,
    namespaces: config.watchNamespaces,
    allowedKinds: config.allowedKinds,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
    report: (nodeKey, change) => {
      // A test's stand-in for a watch that stopped delivering (SPEC N12 backstop test).
      if (config.dropChildEvents === true) return;
      supervisor.childChanged(nodeKey, change);
    },
  });
  // Every create, patch and update of a node's objects counts as an apply attempt (SPEC O4).
  const writeTransport = observedTransport(transport, (req, code) => {
    if (req.method === 'GET' || req.method === 'DELETE') return;
    const result = code.startsWith('2') ? 'success' : code === '409' ? 'conflict' : 'error';
    metrics.applyAttempt(resourceOfPath(req.path), result);
  });
  const supervisor = startSupervisor(
    nodeActorFactory({
      client,
      logger,
      write: { transport: writeTransport, paths: resourcePaths },
      paths: resourcePaths,
      // SPEC N16: the node's own namespace plus the configured allow-lists (default: the
      // kinds of SPEC §1 and no other namespace).
      targets: {
        allowedNamespaces: config.allowedNamespaces,
        allowedKinds: config.allowedKinds,
        allowedClusterNames: config.allowedClusterNames,
        allowClusterScopedTakeover: config.allowClusterScopedTakeover,
      },
      renderer,
      nodeLog,
      resyncPeriodMs: config.resyncPeriodMs,
      // The revision reflector first; a GET when the watch has not shown it yet.
      readRevision: async (namespace, name, signal) =>
        revisions.get(keyOf(namespace, name)) ??
        (await client.get(
          `${controllerRevisionsPath(namespace)}/${encodeURIComponent(name)}`,
          signal,
        )),
      statusWriter,
      events,
      watchChildren: (targets) => {
        for (const target of targets) childWatcher.watch(target);
      },
      onApplyPass: (node, seconds) => {
        metrics.nodeReconciled(nodeGroupOf(node), seconds);
      },
    }),
    supervision('node', () => undefined),
  );

  /** Indexes the node by hub, tells the hub, and counts a new conflict (SPEC O4). */
  const nodeSeen = (obj: KubeObject, previous: KubeObject | undefined, present: boolean): void => {
    const node = obj as unknown as LynqNode;
    const hubKey = nodeIndex.record(node, present);
    if (hubKey === undefined) return;
    hubActors.get(hubKey)?.nodesChanged();
    const hub = node.metadata.ownerReferences?.find((o) => o.kind === 'LynqHub')?.name;
    if (present && hub !== undefined) marker.nodeChanged(node, hub);
    if (present && isConflicted(node) && !isConflicted(previous as LynqNode | undefined)) {
      metrics.nodeConflicted(nodeGroupOf(node));
    }
    // After a restart the node's status names its objects before any pass applies them.
    if (present)
      for (const applied of node.status?.appliedResources ?? []) childWatcher.watch(applied);
  };
  const nodes: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => lynqCollectionPath('lynqnodes', namespace),
    labelSelector: labelKeys.hub,
    transform: createNodeCacheTransform(),
    handler: {
      added: (obj) => {
        nodeSeen(obj, undefined, true);
        formRegistry.nodeChanged(obj as unknown as LynqNode, undefined, false);
        supervisor.observe(
          keyOf(obj.metadata.namespace, obj.metadata.name),
          obj as unknown as LynqNode,
        );
      },
      updated: (obj, previous) => {
        nodeSeen(obj, previous, true);
        formRegistry.nodeChanged(
          obj as unknown as LynqNode,
          previous as unknown as LynqNode,
          false,
        );
        supervisor.observe(
          keyOf(obj.metadata.namespace, obj.metadata.name),
          obj as unknown as LynqNode,
        );
      },
      deleted: (obj) => {
        nodeSeen(obj, undefined, false);
        formRegistry.nodeChanged(obj as unknown as LynqNode, undefined, true);
        supervisor.remove(keyOf(obj.metadata.namespace, obj.metadata.name));
      },
    },
  });

  /** Set by stopWatching: a start still under way starts nothing more (SIGTERM during startup). */
  let halted = false;
  const isHalted = (): boolean => halted;
  return {
    start: async () => {
      await renderPool.start();
      if (isHalted()) return;
      // Nodes and forms first, so a hub's first sync already sees what exists.
      nodes.start();
      forms.start();
      revisions.start();
      await revisions.synced();
      await Promise.all([nodes.synced(), forms.synced()]);
      if (isHalted()) return;
      hubs.start();
      await hubs.synced();
      if (isHalted()) return;
      // Form actors start once hubs are known, so "hub exists" is never judged on an empty cache.
      formRegistry.start(formList());
      marker.start(
        hubs.list().map((h) => ({ namespace: h.metadata.namespace ?? '', name: h.metadata.name })),
      );
    },
    stopWatching: async () => {
      halted = true;
      await Promise.all([
        hubs.stop(),
        forms.stop(),
        nodes.stop(),
        revisions.stop(),
        childWatcher.stop(),
      ]);
    },
    stop: async () => {
      formRegistry.stop();
      marker.stop();
      hubActors.stop();
      supervisor.stop();
      await renderPool.stop();
      await datasources.close();
      nodeLog.flush();
    },
    debugMachines: debugMachinesHandler(
      debugSources(hubs, forms, nodes, hubActors, formRegistry, supervisor),
    ),
    sources: {
      hubs: () => hubs.list(),
      forms: formList,
      nodes: () => [...nodeIndex.all()],
      reflectors: () =>
        (
          [
            ['lynqhubs', hubs],
            ['lynqforms', forms],
            ['lynqnodes', nodes],
            ['controllerrevisions', revisions],
          ] as const
        ).map(([resource, r]) => ({ resource, ...r.metrics })),
      renderPool: () => renderPool.stats(),
      actors: () => ({ node: supervisor.size(), hub: hubActors.size() }),
    },
  };
};
