// `lynq operator`: the composition root of the operator process — config, logger, clients, reflectors, actors — and its orderly shutdown.
import { existsSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { conditionStatuses, formConditionTypes } from '../api/conditions.js';
import { groupVersion } from '../api/crd-builder.js';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { annotationKeys, finalizers, labelKeys } from '../api/metadata-keys.js';
import {
  controllerRevisionsPath,
  createFormRegistry,
  revisionSelector,
} from '../actors/form-registry.js';
import { hubActorFactory } from '../actors/hub-registry.js';
import { createProtectionMarker } from '../actors/protection-marker.js';
import { isMarked, isProtected } from '../api/deletion-protection.js';
import type { HubActor } from '../actors/hub.actor.js';
import { nodeActorFactory } from '../actors/node.actor.js';
import { startNodeSupervisor } from '../actors/node-supervisor.js';
import type { HubSyncPorts } from '../actors/hub-sync.actor.js';
import { HubDatasourceCache } from '../datasource/hub-datasource-cache.js';
import { caOf, connectionConfigOf, rowQueryOf } from '../actors/hub-source.js';
import { hubChangeFeedFactory } from '../actors/hub-change-feed.js';
import { invalidSpecError, LynqError } from '../errors.js';
import { apiErrorCodes, createApiClient, patchTypes, type ApiClient } from '../kube/api-client.js';
import { createChildWatcher } from '../kube/child-watcher.js';
import { createEventRecorder } from '../kube/event-recorder.js';
import {
  createFinalizerAdder,
  removeAnnotationIfUnchanged,
} from '../kube/guarded-metadata-patch.js';
import { createHttpTransport, type HttpTransport } from '../kube/http-transport.js';
import { politeTransport } from '../kube/polite-transport.js';
import { deleteNodeUnmarked, setNodeMark } from '../kube/node-protection-mark.js';
import type { KubeObject } from '../kube/kube-object.js';
import { lynqCollectionPath, lynqObjectPath, secretPath } from '../kube/lynq-paths.js';
// Per watched namespace, so that Roles in them are all it needs (SPEC P1).
import { createNamespaceReflector } from '../kube/namespace-reflectors.js';
import type { Reflector } from '../kube/reflector.js';
import { createResourcePaths } from '../kube/resource-paths.js';
import { createStatusWriter } from '../kube/status-writer.js';
import { startHealthServer, type HealthServer } from '../observe/health-server.js';
import { debugMachinesPrefix, debugMachinesHandler } from '../inspect/debug-routes.js';
import { createRootLogger } from '../observe/logger.js';
import { createNodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import { logNodeChanges, nodeChangeEvents } from '../actors/node-change-summary.js';
import { routeProcessWarnings } from '../observe/process-warnings.js';
import { createTemplateEnvironment } from '../render/environment.js';
import { loadTemplateFunctions } from '../render/function-table.js';
import { createRenderBatcher } from '../render/render-batcher.js';
import { createRenderPool } from '../render/render-pool.js';
import type { HubRef } from '../machines/hub.machine.js';
import type { RowInput } from '../reconcile/plan-node-changes.js';
import { debugSources } from './debug-sources.js';
import { checkOperatorArgs, operatorHelp } from './operator-flags.js';
import { readOperatorConfig, type OperatorConfig } from './operator-config.js';

const keyOf = (namespace: string | undefined, name: string | undefined): string =>
  `${namespace ?? ''}/${name ?? ''}`;

/** Where the in-cluster config keeps the ServiceAccount token. */
const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The kubeconfig: the given file, else the in-cluster ServiceAccount, else `~/.kube/config`.
 * Throws `NoKubeconfig` (naming every source tried) when there is none, rather than letting
 * the client fall back to an unauthenticated localhost:8080.
 */
const loadKubeConfig = (config: OperatorConfig): KubeConfig => {
  const kc = new KubeConfig();
  if (config.kubeconfig !== undefined) {
    kc.loadFromFile(config.kubeconfig);
    return kc;
  }
  const home = join(homedir(), '.kube', 'config');
  const inCluster =
    process.env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(serviceAccountToken);
  if (!inCluster && !existsSync(home)) {
    throw invalidSpecError(
      'NoKubeconfig',
      `no kubeconfig found: tried --kubeconfig (not given), KUBECONFIG (not set), the in-cluster ServiceAccount (not running in a pod) and ${home} (absent)`,
    );
  }
  kc.loadFromDefault();
  return kc;
};

/** A form counts as valid unless its `Valid` condition says otherwise (form validation sets it). */
const isFormValid = (form: LynqForm): boolean =>
  !(
    form.status?.conditions?.some(
      (c) => c.type === formConditionTypes.valid && c.status === conditionStatuses.false,
    ) ?? false
  );

const readSecretKey =
  (client: ApiClient) =>
  async (namespace: string, name: string, key: string, signal: AbortSignal): Promise<string> => {
    const secret = (await client.get(secretPath(namespace, name), signal)) as
      { data?: Record<string, string> } | undefined;
    if (secret === undefined)
      throw invalidSpecError('SecretNotFound', `Secret ${namespace}/${name} not found`);
    const value = secret.data?.[key];
    if (value === undefined)
      throw invalidSpecError('SecretKeyNotFound', `Secret ${namespace}/${name} has no key ${key}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export const runOperator = async (config: OperatorConfig): Promise<number> => {
  const logger = createRootLogger(config.logLevel);
  // From here on every line the process writes is JSON, Node's own warnings included (SPEC O5).
  const restoreWarnings = routeProcessWarnings(logger);
  // Startup is all or nothing (issue 9): what can fail without the cluster fails first — an
  // unreadable kubeconfig, a taken health port — with one line, before any watch starts or
  // anything is written.
  let httpTransport: HttpTransport;
  try {
    httpTransport = createHttpTransport(loadKubeConfig(config));
  } catch (err) {
    // A missing or malformed file (fs and YAML errors), an unsupported context (LynqError).
    if (!(err instanceof Error)) throw err;
    logger.fatal({ err, kubeconfig: config.kubeconfig }, 'Cannot use the kubeconfig; not starting');
    restoreWarnings();
    // No configuration at all is a usage error, like a missing flag.
    return err instanceof LynqError && err.code === 'NoKubeconfig' ? 2 : 1;
  }
  let health: HealthServer | undefined;
  try {
    health =
      config.healthPort >= 0 ? await startHealthServer(config.healthPort, '0.0.0.0') : undefined;
  } catch (err) {
    if (!(err instanceof LynqError)) throw err;
    logger.fatal({ err, port: config.healthPort }, 'Cannot serve the health port; not starting');
    restoreWarnings();
    return 1;
  }
  // Every request goes through one bound and waits out 429s (SPEC P4); watches pass through.
  const transport = politeTransport(httpTransport, { maxInFlight: config.maxRequestsInFlight });
  const client = createApiClient(transport);
  const statusWriter = createStatusWriter({
    client,
    logger,
    minIntervalMs: config.statusMinIntervalMs,
    gatherMs: config.statusGatherMs,
  });
  const events = createEventRecorder(client, logger);
  const nodeLog = createNodeLifecycleLog(logger);
  // Form validation compiles every template with the real function library (SPEC F1).
  const templateEnv = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
  const datasources = new HubDatasourceCache({ logger });

  const nodesByHub = new Map<string, Map<string, LynqNode>>();
  const hubActors = new Map<string, HubActor>();
  const hubKeyOfNode = (node: LynqNode): string | undefined => {
    const hub = node.metadata.ownerReferences?.find((o) => o.kind === 'LynqHub')?.name;
    return hub === undefined ? undefined : keyOf(node.metadata.namespace, hub);
  };

  const reflectorOptions = {
    transport,
    logger,
    watchTimeoutSeconds: config.watchTimeoutSeconds,
  };
  const forms: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => lynqCollectionPath('lynqforms', namespace),
    handler: {
      added: (obj) => {
        formRegistry.formObserved(obj as unknown as LynqForm);
        marker.hubChanged(obj.metadata.namespace ?? '', (obj as unknown as LynqForm).spec.hubId);
        hubActors
          .get(keyOf(obj.metadata.namespace, (obj as unknown as LynqForm).spec.hubId))
          ?.formsChanged();
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
        hubActors.get(keyOf(form.metadata.namespace, form.spec.hubId))?.formsChanged();
      },
      deleted: (obj) => {
        formRegistry.formDeleted(obj as unknown as LynqForm);
        marker.hubChanged(obj.metadata.namespace ?? '', (obj as unknown as LynqForm).spec.hubId);
        hubActors
          .get(keyOf(obj.metadata.namespace, (obj as unknown as LynqForm).spec.hubId))
          ?.formsChanged();
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

  const formRegistry = createFormRegistry({
    client,
    env: templateEnv,
    statusWriter,
    events,
    logger,
    getForm: (namespace, name) =>
      forms.get(keyOf(namespace, name)) as unknown as LynqForm | undefined,
    hubExists: (namespace, name) => hubs.get(keyOf(namespace, name)) !== undefined,
    nodesOfHub: (namespace, hub) => [...(nodesByHub.get(keyOf(namespace, hub))?.values() ?? [])],
    revisions: () => revisions.list(),
    formsChanged: (namespace, hub) => hubActors.get(keyOf(namespace, hub))?.formsChanged(),
  });

  const ports: HubSyncPorts = {
    getHub: (ref) => hubs.get(keyOf(ref.namespace, ref.name)) as LynqHub | undefined,
    formsOfHub: (ref) =>
      (forms.list() as unknown as LynqForm[])
        .filter(
          (f) =>
            f.metadata.namespace === ref.namespace &&
            f.spec.hubId === ref.name &&
            f.metadata.deletionTimestamp === undefined,
        )
        .map((f) => ({
          name: f.metadata.name ?? '',
          // Validated by its form actor at the current generation (SPEC F2); unknown = not valid.
          valid: formRegistry.isValid(ref.namespace, f.metadata.name ?? ''),
          protected: isProtected(f),
        })),
    nodesOfHub: (ref) => [...(nodesByHub.get(keyOf(ref.namespace, ref.name))?.values() ?? [])],
    readSecretKey: readSecretKey(client),
    readRows: async (hub, password, signal): Promise<readonly RowInput[]> => {
      const ca = await caOf(hub, readSecretKey(client), signal);
      const datasource = await datasources.datasourceFor(
        keyOf(hub.metadata.namespace, hub.metadata.name),
        connectionConfigOf(hub, password, ca),
      );
      return (await datasource.readRows(rowQueryOf(hub), signal)).rows;
    },
    createNode: async (node, signal) => {
      try {
        await client.create(lynqCollectionPath('lynqnodes', node.metadata.namespace), node, signal);
      } catch (err) {
        // The watch had not shown it yet: the node exists, which is all a create wants.
        if ((err as { code?: unknown }).code !== apiErrorCodes.alreadyExists) throw err;
      }
    },
    updateNodeVariables: async (namespace, name, variables, signal) => {
      // `variables` is replaced whole: a merge patch would keep keys the row no longer has.
      await client.patch(
        lynqObjectPath('lynqnodes', namespace, name),
        patchTypes.json,
        [{ op: 'replace', path: '/spec/variables', value: variables }],
        { signal },
      );
    },
    deleteNode: async (namespace, name, signal) => {
      // A deletion of the operator's own choosing: the mark goes right before it (SPEC H8).
      await deleteNodeUnmarked(
        client,
        namespace,
        name,
        nodes.get(keyOf(namespace, name)) as unknown as LynqNode | undefined,
        signal,
      );
    },
    clearAllowDeletions: async (hub, token, signal) => {
      const path = lynqObjectPath(
        'lynqhubs',
        hub.metadata.namespace ?? '',
        hub.metadata.name ?? '',
      );
      const removed = await removeAnnotationIfUnchanged(
        client,
        path,
        { uid: hub.metadata.uid, key: annotationKeys.allowDeletions, value: token },
        signal,
      );
      // A token changed (or removed) meanwhile is not ours to remove: the spent one is already
      // gone, and a new one is judged against its own set at the next sync (SPEC H9).
      if (!removed) logger.debug({ hub: path, token }, 'Allow-deletions token changed meanwhile');
    },
    report: (hub, event) => {
      const key = keyOf(hub.namespace, hub.name);
      const uid = hubs.get(key)?.metadata.uid ?? '';
      const object = {
        apiVersion: groupVersion,
        kind: 'LynqHub',
        namespace: hub.namespace,
        name: hub.name,
        uid,
      };
      // One summarising event per reason and sync on the hub (SPEC O1); a line per node (O5).
      for (const summary of nodeChangeEvents(event.changes)) {
        void events.record({ object, type: 'Normal', ...summary });
      }
      logNodeChanges(nodeLog, key, event.changes);
    },
  };

  /** Deletes every node of the hub, waits until they are gone, then drops the hub's finalizer (SPEC H8). */
  const finalize = async (ref: HubRef, signal: AbortSignal): Promise<void> => {
    const key = keyOf(ref.namespace, ref.name);
    for (;;) {
      const remaining = [...(nodesByHub.get(key)?.values() ?? [])];
      if (remaining.length === 0) break;
      // Marked nodes belong to a protected form: they wait until its protection is lifted, and
      // the hub with them (SPEC H8: no cascade reaches a protected form's nodes).
      await Promise.all(
        remaining
          .filter((n) => n.metadata.deletionTimestamp === undefined && !isMarked(n))
          .map((n) =>
            client.remove(lynqObjectPath('lynqnodes', ref.namespace, n.metadata.name ?? ''), {
              propagationPolicy: 'Background',
              signal,
            }),
          ),
      );
      // Node's timer removes its abort listener when it fires: a long finalization does not
      // pile one per round on the signal (issue 9, SPEC O5).
      await sleep(500, undefined, { signal });
    }
    const hub = ports.getHub(ref);
    const index = hub?.metadata.finalizers?.indexOf(finalizers.hubCleanup) ?? -1;
    if (hub !== undefined && index >= 0) {
      await client.patch(
        lynqObjectPath('lynqhubs', ref.namespace, ref.name),
        patchTypes.json,
        [
          { op: 'test', path: '/metadata/uid', value: hub.metadata.uid },
          { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizers.hubCleanup },
          { op: 'remove', path: `/metadata/finalizers/${index}` },
        ],
        { signal },
      );
    }
    await datasources.release(key);
  };

  const marker = createProtectionMarker({
    getHub: (namespace, name) => hubs.get(keyOf(namespace, name)) as unknown as LynqHub | undefined,
    formsOfHub: (namespace, hub) =>
      (forms.list() as unknown as LynqForm[]).filter(
        (f) => f.metadata.namespace === namespace && f.spec.hubId === hub,
      ),
    nodesOfHub: (namespace, hub) => [...(nodesByHub.get(keyOf(namespace, hub))?.values() ?? [])],
    setMark: (node, marked, signal) => setNodeMark(client, node, marked, signal),
    logger,
  });

  const startChangeFeed = hubChangeFeedFactory({ readSecretKey: readSecretKey(client), logger });
  const startHub = hubActorFactory({
    ports,
    finalize,
    statusWriter,
    events,
    logger,
    startChangeFeed,
  });

  /** Adds the hub's finalizer once, so its nodes are deleted before it goes (SPEC H8). */
  const hubFinalizer = createFinalizerAdder(client, logger, finalizers.hubCleanup);
  const ensureHubFinalizer = (hub: LynqHub): void => {
    if (hub.metadata.deletionTimestamp !== undefined) return;
    hubFinalizer.ensure(
      lynqObjectPath('lynqhubs', hub.metadata.namespace ?? '', hub.metadata.name ?? ''),
      hub.metadata,
    );
  };

  const observeHub = (obj: KubeObject): void => {
    const hub = obj as unknown as LynqHub;
    const key = keyOf(hub.metadata.namespace, hub.metadata.name);
    let actor = hubActors.get(key);
    if (actor === undefined) {
      actor = startHub({ namespace: hub.metadata.namespace ?? '', name: hub.metadata.name ?? '' });
      hubActors.set(key, actor);
    }
    ensureHubFinalizer(hub);
    actor.observe(hub);
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
        hubActors.get(key)?.stop();
        hubActors.delete(key);
        void datasources.release(key);
      },
    },
  });

  // Rendering runs in workers (T7); one core is left to the reconciler's event loop.
  const renderPool = createRenderPool({
    minThreads: 1,
    maxThreads: Math.max(1, availableParallelism() - 1),
    idleTimeoutMs: 60_000,
    maxOldGenerationSizeMb: 256,
  });
  await renderPool.start();
  // Node actors ask one node at a time; nodes of one revision rendering together share a task.
  const renderBatcher = createRenderBatcher(renderPool);
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
      supervisor.childChanged(nodeKey, change);
    },
  });
  const supervisor = startNodeSupervisor(
    nodeActorFactory({
      client,
      logger,
      write: { transport, paths: resourcePaths },
      paths: resourcePaths,
      // SPEC N16: the node's own namespace plus the configured allow-lists (default: the
      // kinds of SPEC §1 and no other namespace).
      targets: {
        allowedNamespaces: config.allowedNamespaces,
        allowedKinds: config.allowedKinds,
        allowedClusterNames: config.allowedClusterNames,
        allowClusterScopedTakeover: config.allowClusterScopedTakeover,
      },
      renderer: renderBatcher,
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
    }),
  );
  /** After a restart the node's status names its objects before any pass applies them. */
  const watchAppliedChildren = (obj: KubeObject): void => {
    for (const applied of (obj as unknown as LynqNode).status?.appliedResources ?? []) {
      childWatcher.watch(applied);
    }
  };
  const indexNode = (obj: KubeObject, present: boolean): void => {
    const node = obj as unknown as LynqNode;
    const hubKey = hubKeyOfNode(node);
    if (hubKey === undefined) return;
    let byName = nodesByHub.get(hubKey);
    if (byName === undefined) {
      byName = new Map();
      nodesByHub.set(hubKey, byName);
    }
    if (present) byName.set(node.metadata.name ?? '', node);
    else byName.delete(node.metadata.name ?? '');
    hubActors.get(hubKey)?.nodesChanged();
    const hub = node.metadata.ownerReferences?.find((o) => o.kind === 'LynqHub')?.name;
    if (present && hub !== undefined) marker.nodeChanged(node, hub);
  };
  const nodes: Reflector<KubeObject> = createNamespaceReflector(config.watchNamespaces, {
    ...reflectorOptions,
    pathOf: (namespace) => lynqCollectionPath('lynqnodes', namespace),
    labelSelector: labelKeys.hub,
    handler: {
      added: (obj) => {
        indexNode(obj, true);
        watchAppliedChildren(obj);
        formRegistry.nodeChanged(obj as unknown as LynqNode, undefined, false);
        supervisor.observe(
          keyOf(obj.metadata.namespace, obj.metadata.name),
          obj as unknown as LynqNode,
        );
      },
      updated: (obj, previous) => {
        indexNode(obj, true);
        watchAppliedChildren(obj);
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
        indexNode(obj, false);
        formRegistry.nodeChanged(obj as unknown as LynqNode, undefined, true);
        supervisor.remove(keyOf(obj.metadata.namespace, obj.metadata.name));
      },
    },
  });

  // Nodes and forms first, so a hub's first sync already sees what exists.
  nodes.start();
  forms.start();
  revisions.start();
  await revisions.synced();
  await Promise.all([nodes.synced(), forms.synced()]);
  hubs.start();
  await hubs.synced();
  // Form actors start once hubs are known, so "hub exists" is never judged on an empty cache.
  formRegistry.start(forms.list() as unknown as LynqForm[]);
  marker.start(
    hubs.list().map((h) => ({ namespace: h.metadata.namespace ?? '', name: h.metadata.name })),
  );
  logger.info({ namespaces: config.watchNamespaces ?? '(all)' }, 'Operator started');
  if (config.debugEndpoints) {
    health?.route(
      debugMachinesPrefix,
      debugMachinesHandler(debugSources(hubs, forms, nodes, hubActors, formRegistry, supervisor)),
    );
  }
  health?.markReady();

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('Stopping');
  const healthClosed = health?.close();
  await Promise.all([
    hubs.stop(),
    forms.stop(),
    nodes.stop(),
    revisions.stop(),
    childWatcher.stop(),
  ]);
  formRegistry.stop();
  marker.stop();
  for (const actor of hubActors.values()) actor.stop();
  supervisor.stop();
  await renderPool.stop();
  await Promise.race([statusWriter.flush(), new Promise((r) => setTimeout(r, 5_000))]);
  await datasources.close();
  httpTransport.close();
  await healthClosed;
  nodeLog.flush();
  logger.info('Stopped');
  restoreWarnings();
  return 0;
};

/** The `operator` subcommand; an invalid configuration exits 2 with one JSON line. */
export const operatorCommand = async (args: readonly string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(operatorHelp());
    return 0;
  }
  let config: OperatorConfig;
  try {
    checkOperatorArgs(args);
    config = readOperatorConfig(args, process.env);
  } catch (err) {
    if (!(err instanceof LynqError)) throw err;
    // The configured log level is part of what failed: the default one says so.
    createRootLogger('info').fatal({ err }, 'Invalid operator configuration; not starting');
    return 2;
  }
  return runOperator(config);
};
