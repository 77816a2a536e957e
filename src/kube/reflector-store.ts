// The reflector's local store (client-go's Store): what the API server last reported per key, each difference reported to the handler.
import type { KubeObject } from './kube-object.js';

/** What a store keeps per object: at least the resourceVersion, which decides "changed". */
export interface StoredVersion {
  readonly metadata: { readonly resourceVersion?: string | undefined };
}

/**
 * Called synchronously, in the order the API server reported the changes. `T` is the object as
 * received (after the reflector's transform), `S` what the store keeps of it (`T` unless the
 * reflector has a `retain`).
 */
export interface ReflectorHandler<T extends KubeObject, S extends StoredVersion = T> {
  added(obj: T): void;
  updated(obj: T, previous: S): void;
  /**
   * The last state known: the DELETED event's object, or the stored one when a relist missed the
   * deletion. `stored` is the object as the store held it: it differs from `lastKnown` when the
   * object did not go but left the label selector (its labels changed).
   */
  deleted(lastKnown: T | S, stored: S): void;
}

export interface ReflectorStore<T extends KubeObject, S extends StoredVersion> {
  get(key: string): S | undefined;
  list(): S[];
  readonly size: number;
  /** Stores an added or modified object; reports `added`, or `updated` when its resourceVersion moved. */
  upsert(key: string, obj: T): void;
  /** Forgets `key`, reporting `deleted` with `lastKnown` when the store held it. */
  remove(key: string, lastKnown: T): void;
  /** Makes the store equal to a completed list, reporting the difference. */
  replace(next: ReadonlyMap<string, T>): void;
}

export interface ReflectorStoreOptions<T extends KubeObject, S extends StoredVersion> {
  readonly handler: ReflectorHandler<T, S>;
  /** What to keep of each object; the handler still receives the whole object. */
  readonly retain: (obj: T) => S;
  /** Runs one handler call; the reflector counts and logs a call that throws. */
  readonly notify: (event: keyof ReflectorHandler<T, S>, key: string, call: () => void) => void;
}

/** An empty store. Pure apart from the handler calls. */
export const createReflectorStore = <T extends KubeObject, S extends StoredVersion>(
  options: ReflectorStoreOptions<T, S>,
): ReflectorStore<T, S> => {
  const { handler, retain, notify } = options;
  const objects = new Map<string, S>();

  const upsert = (key: string, obj: T): void => {
    const previous = objects.get(key);
    objects.set(key, retain(obj));
    if (previous === undefined) {
      notify('added', key, () => {
        handler.added(obj);
      });
    } else if (previous.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      notify('updated', key, () => {
        handler.updated(obj, previous);
      });
    }
  };

  return {
    get: (key) => objects.get(key),
    list: () => [...objects.values()],
    get size() {
      return objects.size;
    },
    upsert,
    remove: (key, lastKnown) => {
      const stored = objects.get(key);
      if (stored === undefined) return;
      objects.delete(key);
      notify('deleted', key, () => {
        handler.deleted(lastKnown, stored);
      });
    },
    replace: (next) => {
      for (const [key, stored] of [...objects]) {
        if (next.has(key)) continue;
        objects.delete(key);
        notify('deleted', key, () => {
          handler.deleted(stored, stored);
        });
      }
      for (const [key, obj] of next) upsert(key, obj);
    },
  };
};
