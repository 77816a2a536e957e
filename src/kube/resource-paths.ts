// REST mapping from apiVersion and kind to the resource's path and scope, learnt from API discovery and cached.
import { invalidSpecError, LynqError, transientError } from '../errors.js';
import { apiError } from './api-client.js';
import { isRecord } from './kube-object.js';
import type { KubeTransport } from './http-transport.js';

export const resourcePathCodes = {
  /** The API server serves no such apiVersion/kind (a CRD not installed, a typo). */
  unknownKind: 'UnknownKind',
  /** Discovery answered with something that is not a resource list. */
  discoveryFailed: 'DiscoveryFailed',
} as const;

/** One REST resource, as discovery describes it. */
export interface ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
  /** The plural resource name in paths: `configmaps`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

/** Where an object is: enough to build its path (the shape of `AppliedResource`, too). */
export interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  /** Ignored for cluster-scoped kinds. */
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export const groupVersionPath = (apiVersion: string): string =>
  apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;

/**
 * The collection path of a resource: namespaced resources need `namespace` (else the path lists
 * across all namespaces); cluster-scoped ones ignore it.
 */
export const collectionPathOf = (info: ResourceInfo, namespace: string | undefined): string => {
  const base = groupVersionPath(info.apiVersion);
  return info.namespaced && namespace !== undefined && namespace !== ''
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`
    : `${base}/${info.plural}`;
};

export const objectPathOf = (
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): string => `${collectionPathOf(info, namespace)}/${encodeURIComponent(name)}`;

/**
 * The resources of one APIResourceList by kind, skipping subresources (`deployments/scale`,
 * `deployments/status`), which name other kinds or repeat their parent's. Throws a transient
 * `DiscoveryFailed` when `list` is not a resource list.
 */
export const parseResourceList = (
  apiVersion: string,
  list: unknown,
): ReadonlyMap<string, ResourceInfo> => {
  const resources = isRecord(list) ? list['resources'] : undefined;
  if (!Array.isArray(resources)) {
    throw transientError(
      resourcePathCodes.discoveryFailed,
      `discovery of ${apiVersion} returned no resource list`,
    );
  }
  const byKind = new Map<string, ResourceInfo>();
  for (const entry of resources as unknown[]) {
    if (!isRecord(entry)) continue;
    const { name, kind, namespaced } = entry;
    if (typeof name !== 'string' || typeof kind !== 'string' || name.includes('/')) continue;
    // The first entry for a kind is its main resource; later ones are aliases.
    if (!byKind.has(kind)) {
      byKind.set(kind, { apiVersion, kind, plural: name, namespaced: namespaced === true });
    }
  }
  return byKind;
};

export interface ResourcePaths {
  /**
   * The resource of `apiVersion`/`kind`. A miss refreshes that group version once, so a CRD
   * installed since the last look is found. Throws `UnknownKind` (invalid spec) when the server
   * does not serve it, a transient `LynqError` when discovery cannot be read.
   */
  resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceInfo>;
  /** Whether the kind is namespaced; throws like `resolve`. */
  isNamespaced(apiVersion: string, kind: string, signal?: AbortSignal): Promise<boolean>;
  /** The object's path (namespace ignored for cluster-scoped kinds); throws like `resolve`. */
  objectPath(id: ObjectIdentity, signal?: AbortSignal): Promise<string>;
  /** The scope from the cache only, without a request; `undefined` when not looked up yet. */
  knownScope(apiVersion: string, kind: string): boolean | undefined;
  /** Forgets everything (e.g. after a CRD became Established, SPEC N8). */
  invalidate(): void;
}

export interface ResourcePathsOptions {
  /** Bound of each discovery request. Default 10 s. */
  readonly timeoutMs?: number;
}

/** A discovery-backed mapping over `transport`; group versions are fetched lazily, one request each at a time. */
export const createResourcePaths = (
  transport: KubeTransport,
  options: ResourcePathsOptions = {},
): ResourcePaths => {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const cache = new Map<string, Promise<ReadonlyMap<string, ResourceInfo> | undefined>>();
  const settled = new Map<string, ReadonlyMap<string, ResourceInfo>>();

  /** `undefined` when the server does not serve the group version at all. */
  const fetchGroupVersion = (
    apiVersion: string,
    signal: AbortSignal | undefined,
  ): Promise<ReadonlyMap<string, ResourceInfo> | undefined> => {
    const path = groupVersionPath(apiVersion);
    const promise = transport
      .request({ method: 'GET', path, timeoutMs, ...(signal === undefined ? {} : { signal }) })
      .then((res) => {
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw apiError(`GET ${path}`, res);
        const byKind = parseResourceList(apiVersion, res.body);
        settled.set(apiVersion, byKind);
        return byKind;
      });
    cache.set(apiVersion, promise);
    // A failed or empty answer is not kept: the next lookup asks again.
    promise.then(
      (byKind) => {
        if (byKind === undefined && cache.get(apiVersion) === promise) cache.delete(apiVersion);
      },
      () => {
        if (cache.get(apiVersion) === promise) cache.delete(apiVersion);
      },
    );
    return promise;
  };

  const resolve = async (
    apiVersion: string,
    kind: string,
    signal?: AbortSignal,
  ): Promise<ResourceInfo> => {
    const first = cache.get(apiVersion) ?? fetchGroupVersion(apiVersion, signal);
    const hit = (await first)?.get(kind);
    if (hit !== undefined) return hit;
    // A miss: look again, unless someone already started a newer look meanwhile.
    const current = cache.get(apiVersion);
    const again =
      current !== undefined && current !== first ? current : fetchGroupVersion(apiVersion, signal);
    const found = (await again)?.get(kind);
    if (found !== undefined) return found;
    throw invalidSpecError(
      resourcePathCodes.unknownKind,
      `the API server does not serve kind ${kind} in ${apiVersion}`,
      undefined,
      { apiVersion, kind },
    );
  };

  return {
    resolve,
    isNamespaced: async (apiVersion, kind, signal) =>
      (await resolve(apiVersion, kind, signal)).namespaced,
    objectPath: async (id, signal) =>
      objectPathOf(await resolve(id.apiVersion, id.kind, signal), id.namespace, id.name),
    knownScope: (apiVersion, kind) => settled.get(apiVersion)?.get(kind)?.namespaced,
    invalidate: () => {
      cache.clear();
      settled.clear();
    },
  };
};

/** `Kind namespace/name` (`Kind name` for a cluster-scoped object), for messages. */
export const describeObject = (id: ObjectIdentity): string =>
  `${id.kind} ${id.namespace === undefined ? '' : `${id.namespace}/`}${id.name}`;

/**
 * The object's path, or `undefined` when its kind is no longer served (its CRD was removed, so
 * no object of it is left). Throws what `objectPath` throws otherwise.
 */
export const servedObjectPath = async (
  paths: ResourcePaths,
  id: ObjectIdentity,
  signal?: AbortSignal,
): Promise<string | undefined> => {
  try {
    return await paths.objectPath(id, signal);
  } catch (err) {
    if (err instanceof LynqError && err.code === resourcePathCodes.unknownKind) return undefined;
    throw err;
  }
};
