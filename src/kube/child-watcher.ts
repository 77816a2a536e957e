// The watches on the objects nodes apply (DESIGN 8): one reflector per kind (metadata-only, or the readiness view), started lazily, each change reported to the node its tracking labels name.
import type { Logger } from 'pino';
import { fieldManagers, labelKeys } from '../api/metadata-keys.js';
import { messageOf } from '../errors.js';
import type { KubeTransport } from './http-transport.js';
import type { KubeObject } from './kube-object.js';
import { groupKind } from '../render/kind-scope.js';
import { keepManagedFieldsOf } from './managed-fields.transform.js';
import { hasReadiness, readinessView } from './readiness.js';
import { createReflector, type Reflector, type ReflectorOptions } from './reflector.js';
import {
  collectionPathOf,
  type ObjectIdentity,
  type ResourceInfo,
  type ResourcePaths,
} from './resource-paths.js';
import { createStringInterner } from './string-interner.js';
import { anyTarget } from './target-policy.js';

/** What a watch saw happen to one object a node applied. */
export interface ChildChange {
  /** `changed` covers added and modified; `deleted` also an object that left the selector. */
  readonly type: 'changed' | 'deleted';
  /** The watched kind: metadata-only objects carry `PartialObjectMetadata` instead. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Metadata at least, with only Lynq's managedFields entry; kinds with readiness (N8) also `readinessView`. */
  readonly object: KubeObject;
}

export interface ChildWatcherOptions {
  readonly transport: Pick<KubeTransport, 'request' | 'stream'>;
  readonly paths: Pick<ResourcePaths, 'resolve'>;
  readonly logger: Logger;
  /** The operator's `--watch-namespaces`; `undefined` = it watches all namespaces. */
  readonly namespaces: readonly string[] | undefined;
  readonly watchTimeoutSeconds?: number;
  /**
   * The operator's allowed kinds (`Group/Kind`, `*` = all; SPEC N16). A kind outside them is
   * never watched, even when an old node status names it: the RBAC that goes with the list
   * (the chart's) grants `list` and `watch` on allowed kinds only, Secrets in particular.
   * Default: every kind.
   */
  readonly allowedKinds?: readonly string[];
  /** Called synchronously for every change, with the `namespace/name` of the node concerned. */
  readonly report: (nodeKey: string, change: ChildChange) => void;
  /** For tests: builds the reflectors. Default `createReflector`. */
  readonly createReflector?: (
    options: ReflectorOptions<KubeObject, HeldObject>,
  ) => Reflector<KubeObject, HeldObject>;
}

export interface ChildWatcher {
  /**
   * Makes sure objects like `target` are watched: its kind cluster-wide (an operator of all
   * namespaces, or a cluster-scoped kind) or in its namespace (an operator of some namespaces,
   * whose RBAC may be Roles in those namespaces only).
   * Idempotent; never throws (a kind discovery cannot resolve is logged and asked again on the
   * next call).
   */
  watch(target: ObjectIdentity): void;
  /** The running watches as `apiVersion|kind|namespace` (`*` = all namespaces). */
  watched(): string[];
  /** Stops every watch; resolves when they have ended. */
  stop(): Promise<void>;
}

/**
 * What a child watch keeps of an object between events (DESIGN 8): its identity, its version
 * and the tracking labels that name its node — the reports need nothing else from the store
 * (a change reports the new object; a move from one node to another, or a deletion, the node
 * the stored labels named). Jobs and other kinds with readiness keep their readiness view too,
 * so a deletion a relist finds still shows a completed run (N7). About 0.2 KiB per object
 * instead of its metadata with Lynq's managedFields entry (1–4 KiB).
 */
export type HeldObject = KubeObject;

/** The store's record of a metadata-only object: identity, version, tracking labels. */
export const heldRecordOf = (obj: KubeObject, intern: (value: string) => string): HeldObject => {
  const { name, namespace, resourceVersion, labels = {} } = obj.metadata;
  const node = labels[labelKeys.node];
  const nodeNamespace = labels[labelKeys.nodeNamespace];
  return {
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace: intern(namespace) }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      labels: {
        ...(node === undefined ? {} : { [labelKeys.node]: node }),
        ...(nodeNamespace === undefined
          ? {}
          : { [labelKeys.nodeNamespace]: intern(nodeNamespace) }),
      },
    },
  };
};

/**
 * Every object a node applies carries `lynq.sh/node`; an operator of some namespaces selects
 * only its own nodes' objects by their `lynq.sh/node-namespace`.
 */
export const childSelector = (namespaces: readonly string[] | undefined): string => {
  if (namespaces === undefined) return labelKeys.node;
  const [only] = namespaces;
  return namespaces.length === 1 && only !== undefined
    ? `${labelKeys.node},${labelKeys.nodeNamespace}=${only}`
    : `${labelKeys.node},${labelKeys.nodeNamespace} in (${namespaces.join(',')})`;
};

/**
 * Where a kind is watched for a target in `targetNamespace`; `undefined` = everywhere. A
 * namespaced identity always names its namespace (SPEC N3); the first watched namespace is only
 * a fallback.
 */
export const watchNamespaceOf = (
  info: Pick<ResourceInfo, 'namespaced'>,
  operatorNamespaces: readonly string[] | undefined,
  targetNamespace: string | undefined,
): string | undefined =>
  info.namespaced && operatorNamespaces !== undefined
    ? targetNamespace === undefined || targetNamespace === ''
      ? operatorNamespaces[0]
      : targetNamespace
    : undefined;

/** Whether `info` is the Job kind, whose watch carries completion (SPEC N7). */
export const isJobInfo = (info: Pick<ResourceInfo, 'apiVersion' | 'kind'>): boolean =>
  info.kind === 'Job' && info.apiVersion.startsWith('batch/');

/** The `namespace/name` of the node an object's tracking labels name, if they name one. */
export const ownerKeyOf = (obj: KubeObject): string | undefined => {
  const labels = obj.metadata.labels ?? {};
  const name = labels[labelKeys.node];
  const namespace = labels[labelKeys.nodeNamespace];
  return name === undefined || namespace === undefined ? undefined : `${namespace}/${name}`;
};

/**
 * Watches with list permission only on the kinds nodes really applied (least privilege: RBAC
 * needs `list` and `watch` on them). Metadata only for kinds that are ready once applied; the
 * readiness view (N7, N8) for the others.
 */
export const createChildWatcher = (options: ChildWatcherOptions): ChildWatcher => {
  const make = options.createReflector ?? createReflector;
  const log = options.logger.child({ component: 'child-watcher' });
  const reflectors = new Map<string, Reflector<KubeObject, HeldObject>>();
  /** `apiVersion|kind|targetNamespace` already asked for (resolved or being resolved). */
  const requested = new Set<string>();
  const keepLynqFields = keepManagedFieldsOf([fieldManagers.resources]);
  const intern = createStringInterner();
  const held = (obj: KubeObject): HeldObject => heldRecordOf(obj, intern);
  // The readiness view without managedFields: ownership is judged on the reported object.
  const heldWithReadiness = (obj: KubeObject): HeldObject => {
    const { generation } = obj.metadata;
    return {
      ...obj,
      metadata: { ...held(obj).metadata, ...(generation === undefined ? {} : { generation }) },
    };
  };
  let stopped = false;
  const allowed = options.allowedKinds;
  const isAllowed = (target: ObjectIdentity): boolean =>
    allowed === undefined ||
    allowed.includes(anyTarget) ||
    allowed.includes(groupKind(target.apiVersion, target.kind));

  const reportAll = (type: ChildChange['type'], info: ResourceInfo, objects: KubeObject[]) => {
    const owners = new Set<string>();
    for (const obj of objects) {
      const owner = ownerKeyOf(obj);
      if (owner !== undefined) owners.add(owner);
    }
    const object = objects[0];
    if (object === undefined) return;
    for (const owner of owners) {
      options.report(owner, { type, apiVersion: info.apiVersion, kind: info.kind, object });
    }
  };

  /**
   * Kinds with readiness (SPEC N8) are watched whole, but cached as the small view readiness
   * reads: Jobs must tell a node that they completed before a TTL deletes them (N7; the deleted
   * event's last state says so even when the TTL is 0), a Deployment that it became available.
   * Kinds that are ready once applied (ConfigMaps, Secrets …) stay metadata only.
   */
  const readinessTransform = (obj: KubeObject): KubeObject => readinessView(obj, keepLynqFields);

  const start = (info: ResourceInfo, targetNamespace: string | undefined): void => {
    if (stopped) return;
    const namespace = watchNamespaceOf(info, options.namespaces, targetNamespace);
    const key = `${info.apiVersion}|${info.kind}|${namespace ?? '*'}`;
    if (reflectors.has(key)) return;
    const reflector = make({
      transport: options.transport,
      logger: options.logger,
      path: collectionPathOf(info, namespace),
      labelSelector: childSelector(options.namespaces),
      ...(hasReadiness(info.apiVersion, info.kind)
        ? { metadataOnly: false, transform: readinessTransform, retain: heldWithReadiness }
        : { metadataOnly: true, transform: keepLynqFields, retain: held }),
      ...(options.watchTimeoutSeconds === undefined
        ? {}
        : { watchTimeoutSeconds: options.watchTimeoutSeconds }),
      handler: {
        added: (obj) => {
          reportAll('changed', info, [obj]);
        },
        // An object handed from one node to another concerns both.
        updated: (obj, previous) => {
          reportAll('changed', info, [obj, previous]);
        },
        // The stored labels name the holder even when the labels were what changed.
        deleted: (obj, stored) => {
          reportAll('deleted', info, [obj, stored]);
        },
      },
    });
    reflectors.set(key, reflector);
    log.info({ watch: key }, 'Watching child kind');
    reflector.start();
  };

  return {
    watch: (target) => {
      const asked = `${target.apiVersion}|${target.kind}|${target.namespace ?? ''}`;
      if (stopped || requested.has(asked)) return;
      requested.add(asked);
      if (!isAllowed(target)) {
        log.info(
          { apiVersion: target.apiVersion, kind: target.kind },
          'Child kind not watched: not an allowed kind',
        );
        return;
      }
      options.paths.resolve(target.apiVersion, target.kind).then(
        (info) => {
          start(info, target.namespace);
        },
        (err: unknown) => {
          requested.delete(asked);
          log.warn(
            { apiVersion: target.apiVersion, kind: target.kind, err: messageOf(err) },
            'Child kind not watched: discovery failed',
          );
        },
      );
    },
    watched: () => [...reflectors.keys()],
    stop: async () => {
      stopped = true;
      const all = [...reflectors.values()];
      reflectors.clear();
      await Promise.all(all.map((r) => r.stop()));
    },
  };
};
