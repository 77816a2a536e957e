// The hub actor's ports onto the cluster and the database: read rows, create/update/delete nodes, finalize a hub (SPEC H1–H9).
import type { Logger } from 'pino';
import { groupVersion } from '../api/crd-builder.js';
import { hasProtectionLabel, isProtected } from '../api/deletion-protection.js';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { annotationKeys, finalizers, labelKeys } from '../api/metadata-keys.js';
import type { HubDatasourceCache } from '../datasource/hub-datasource-cache.js';
import type { NodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import { invalidSpecError } from '../errors.js';
import { apiErrorCodes, patchTypes, type ApiClient } from '../kube/api-client.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import {
  removeAnnotationIfUnchanged,
  removeFinalizerPatch,
} from '../kube/guarded-metadata-patch.js';
import { lynqCollectionPath, lynqObjectPath, secretPath } from '../kube/lynq-paths.js';
import { deleteNodeWithoutProtectionLabel } from '../kube/node-protection-label.js';
import type { HubRef } from '../machines/hub.contract.js';
import type { RowInput } from '../reconcile/plan-node-changes.js';
import type { HubSyncPorts } from './hub-sync.actor.js';
import { hubKeyOf as keyOf, type NodeIndex } from './node-index.js';
import { caOf, connectionConfigOf, rowQueryOf } from './hub-source.js';
import { logNodeChanges, nodeChangeEvents } from './node-change-summary.js';

export interface HubPortsDeps {
  readonly client: ApiClient;
  /**
   * The client for one hub's node writes, so they wait in that hub's API queue (SPEC P4).
   * Default `client` for every hub.
   */
  readonly clientOfHub?: (namespace: string, hub: string) => ApiClient;
  readonly datasources: HubDatasourceCache;
  /** One line per node created, updated or deleted, rate-limited (SPEC O5). */
  readonly nodeLog: NodeLifecycleLog;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly nodes: NodeIndex;
  readonly getHub: (namespace: string, name: string) => LynqHub | undefined;
  readonly getNode: (namespace: string, name: string) => LynqNode | undefined;
  readonly forms: () => readonly LynqForm[];
  /** Validated by its form actor at the current generation (SPEC F2); unknown = not valid. */
  readonly isFormValid: (namespace: string, name: string) => boolean;
  /** Told each read of a hub's table: rows, or the error (metrics, SPEC O4). */
  readonly onRead?: (
    hub: HubRef,
    seconds: number,
    outcome: { rows: number } | { error: unknown },
  ) => void;
}

export interface HubPorts {
  readonly ports: HubSyncPorts;
  /** Deletes every node of the hub, waits until they are gone, then drops the hub's finalizer (SPEC H8). */
  readonly finalize: (ref: HubRef, signal: AbortSignal) => Promise<void>;
}

/** Reads one key of a Secret; a missing Secret or key is an invalid spec (SPEC §1). */
export const readSecretKey =
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

/** The ports of every hub actor, over shared clients and caches. */
export const createHubPorts = (deps: HubPortsDeps): HubPorts => {
  const { client, datasources, events, logger } = deps;
  const hubClient = (namespace: string, hub: string | undefined): ApiClient =>
    hub === undefined ? client : (deps.clientOfHub?.(namespace, hub) ?? client);
  const nodeClient = (namespace: string, name: string): ApiClient =>
    hubClient(namespace, deps.getNode(namespace, name)?.metadata.labels?.[labelKeys.hub]);
  const readTable = async (
    hub: LynqHub,
    password: string | undefined,
    signal: AbortSignal,
  ): Promise<readonly RowInput[]> => {
    const ca = await caOf(hub, readSecretKey(client), signal);
    const datasource = await datasources.datasourceFor(
      keyOf(hub.metadata.namespace, hub.metadata.name),
      connectionConfigOf(hub, password, ca),
    );
    return (await datasource.readRows(rowQueryOf(hub), signal)).rows;
  };

  const ports: HubSyncPorts = {
    getHub: (ref) => deps.getHub(ref.namespace, ref.name),
    formsOfHub: (ref) =>
      deps
        .forms()
        .filter(
          (f) =>
            f.metadata.namespace === ref.namespace &&
            f.spec.hubId === ref.name &&
            f.metadata.deletionTimestamp === undefined,
        )
        .map((f) => ({
          name: f.metadata.name ?? '',
          // Validated by its form actor at the current generation (SPEC F2); unknown = not valid.
          valid: deps.isFormValid(ref.namespace, f.metadata.name ?? ''),
          protected: isProtected(f),
        })),
    nodesOfHub: (ref) => deps.nodes.ofHub(keyOf(ref.namespace, ref.name)),
    readSecretKey: readSecretKey(client),
    readRows: async (hub, password, signal): Promise<readonly RowInput[]> => {
      const ref = { namespace: hub.metadata.namespace ?? '', name: hub.metadata.name ?? '' };
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1_000;
      try {
        const rows = await readTable(hub, password, signal);
        deps.onRead?.(ref, seconds(), { rows: rows.length });
        return rows;
      } catch (err) {
        deps.onRead?.(ref, seconds(), { error: err });
        throw err;
      }
    },
    createNode: async (node, signal) => {
      try {
        await hubClient(node.metadata.namespace, node.metadata.labels[labelKeys.hub]).create(
          lynqCollectionPath('lynqnodes', node.metadata.namespace),
          node,
          signal,
        );
      } catch (err) {
        // The watch had not shown it yet: the node exists, which is all a create wants.
        if ((err as { code?: unknown }).code !== apiErrorCodes.alreadyExists) throw err;
      }
    },
    updateNodeVariables: async (namespace, name, variables, signal) => {
      // `variables` is replaced whole: a merge patch would keep keys the row no longer has.
      await nodeClient(namespace, name).patch(
        lynqObjectPath('lynqnodes', namespace, name),
        patchTypes.json,
        [{ op: 'replace', path: '/spec/variables', value: variables }],
        { signal },
      );
    },
    deleteNode: async (namespace, name, signal) => {
      // A deletion of the operator's own choosing: the mark goes right before it (SPEC H8).
      await deleteNodeWithoutProtectionLabel(
        nodeClient(namespace, name),
        namespace,
        name,
        deps.getNode(namespace, name),
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
      const uid = deps.getHub(hub.namespace, hub.name)?.metadata.uid ?? '';
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
      logNodeChanges(deps.nodeLog, key, event.changes);
    },
  };

  /** Deletes every node of the hub, waits until they are gone, then drops the hub's finalizer (SPEC H8). */
  const finalize = async (ref: HubRef, signal: AbortSignal): Promise<void> => {
    const key = keyOf(ref.namespace, ref.name);
    for (;;) {
      const remaining = deps.nodes.ofHub(key);
      if (remaining.length === 0) break;
      // Marked nodes belong to a protected form: they wait until its protection is lifted, and
      // the hub with them (SPEC H8: no cascade reaches a protected form's nodes).
      await Promise.all(
        remaining
          .filter((n) => n.metadata.deletionTimestamp === undefined && !hasProtectionLabel(n))
          .map((n) =>
            hubClient(ref.namespace, ref.name).remove(
              lynqObjectPath('lynqnodes', ref.namespace, n.metadata.name ?? ''),
              {
                propagationPolicy: 'Background',
                signal,
              },
            ),
          ),
      );
      // Woken by the node watch, not a poll: the next round starts when a node changed or went.
      await deps.nodes.nextChange(key, signal);
    }
    const hub = ports.getHub(ref);
    const index = hub?.metadata.finalizers?.indexOf(finalizers.hubCleanup) ?? -1;
    if (hub !== undefined && index >= 0) {
      await client.patch(
        lynqObjectPath('lynqhubs', ref.namespace, ref.name),
        patchTypes.json,
        removeFinalizerPatch(hub.metadata.uid, finalizers.hubCleanup, index),
        { signal },
      );
    }
    await datasources.release(key);
  };

  return { ports, finalize };
};
