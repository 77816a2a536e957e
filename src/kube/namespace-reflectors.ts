// One collection watched in every namespace the operator serves, seen as one reflector (SPEC P1: namespaced mode needs only Roles).
import type { KubeObject } from './kube-object.js';
import {
  createReflector,
  type Reflector,
  type ReflectorMetrics,
  type ReflectorOptions,
} from './reflector.js';

const sumMetrics = (parts: readonly { readonly metrics: ReflectorMetrics }[]): ReflectorMetrics => {
  const total = (key: keyof ReflectorMetrics): number =>
    parts.reduce((sum, part) => sum + part.metrics[key], 0);
  return {
    lists: total('lists'),
    relists: total('relists'),
    listRestarts: total('listRestarts'),
    watches: total('watches'),
    reconnects: total('reconnects'),
    events: total('events'),
    bookmarks: total('bookmarks'),
    errors: total('errors'),
  };
};

/**
 * A reflector over `namespaces`: one per namespace, made by `make(namespace)`, or a single
 * cluster-wide one (`make(undefined)`) when `namespaces` is undefined. A cluster-wide list or
 * watch needs a ClusterRole, whereas one per namespace is allowed by a Role in each. Keys are
 * `namespace/name`, so a lookup asks the reflector of that namespace only. `resourceVersion()`
 * is meaningful for one reflector only (versions of different watches are not comparable);
 * with several it is undefined.
 */
export const namespaceReflectors = <T extends KubeObject>(
  namespaces: readonly string[] | undefined,
  make: (namespace: string | undefined) => Reflector<T>,
): Reflector<T> => {
  if (namespaces === undefined) return make(undefined);
  const byNamespace = new Map<string, Reflector<T>>(
    namespaces.map((namespace) => [namespace, make(namespace)]),
  );
  const parts = [...byNamespace.values()];
  const [single] = parts;
  if (parts.length === 1 && single !== undefined) return single;
  return {
    start: () => {
      for (const part of parts) part.start();
    },
    stop: async () => {
      await Promise.all(parts.map((part) => part.stop()));
    },
    synced: async () => {
      await Promise.all(parts.map((part) => part.synced()));
    },
    get: (key) => {
      const slash = key.indexOf('/');
      return slash < 0 ? undefined : byNamespace.get(key.slice(0, slash))?.get(key);
    },
    list: () => parts.flatMap((part) => part.list()),
    resourceVersion: () => undefined,
    get metrics() {
      return sumMetrics(parts);
    },
  };
};

/** Options of `createReflector`, with the collection path made per namespace. */
export type NamespaceReflectorOptions<T extends KubeObject> = Omit<ReflectorOptions<T>, 'path'> & {
  /** The collection in `namespace`, or across all namespaces when it is undefined. */
  readonly pathOf: (namespace: string | undefined) => string;
};

/** `createReflector` for each of `namespaces` (all namespaces when undefined), seen as one. */
export const createNamespaceReflector = <T extends KubeObject>(
  namespaces: readonly string[] | undefined,
  { pathOf, ...options }: NamespaceReflectorOptions<T>,
): Reflector<T> =>
  namespaceReflectors(namespaces, (namespace) =>
    createReflector<T>({ ...options, path: pathOf(namespace) }),
  );
