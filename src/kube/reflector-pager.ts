// The reflector's list (client-go's pager): every page of a collection into one consistent snapshot, started again when its continue token expires.
import { transientError, type LynqError } from '../errors.js';
import type { KubeTransport } from './http-transport.js';
import { asKubeObject, isRecord, objectKey, type KubeObject } from './kube-object.js';
import { asKubeStatus } from './watch-event.js';

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

/** A transient error for a non-2xx answer, with the server's own message when it sent one. */
export const httpError = (code: string, what: string, status: number, body: unknown): LynqError => {
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

// Falls back to full objects on servers that cannot convert (the response says which it is).
const metadataListMedia =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

export interface ListPagerOptions {
  readonly transport: Pick<KubeTransport, 'request'>;
  /** The collection's path with the reflector's selectors and `params` as query. */
  readonly pathOf: (params: Readonly<Record<string, string | undefined>>) => string;
  readonly pageSize: number;
  readonly requestTimeoutMs: number;
  readonly metadataOnly: boolean;
  /** Expired continue tokens tolerated in a row before the list counts as failed. */
  readonly maxListRestarts: number;
  /** A page held items without metadata (skipped). */
  readonly onMalformed: (count: number) => void;
  /**
   * The continue token expired, the `expiries`th time in a row; the list starts again from
   * scratch unless that is more than `maxListRestarts`.
   */
  readonly onExpired: (expiries: number) => void;
}

/** One consistent snapshot of the collection. */
export interface ListSnapshot<T> {
  /** By `objectKey`, in list order. */
  readonly items: Map<string, T>;
  readonly resourceVersion: string;
}

/**
 * Lists every page. Each item is converted as its page arrives (`convert` returns undefined to
 * skip it), so only the converted form of earlier pages is held. Throws a transient
 * `KubeListFailed` on a non-200 answer, `KubeListMalformed` on a body that is not a list, and
 * `KubeListRestartsExceeded` when the continue token keeps expiring.
 */
export const listAllPages = async <T>(
  options: ListPagerOptions,
  convert: (raw: KubeObject) => T | undefined,
  signal: AbortSignal,
): Promise<ListSnapshot<T>> => {
  for (let restarts = 0; ; restarts += 1) {
    const items = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    let expired = false;
    do {
      const res = await options.transport.request({
        method: 'GET',
        path: options.pathOf({ limit: String(options.pageSize), continue: continueToken }),
        timeoutMs: options.requestTimeoutMs,
        signal,
        ...(options.metadataOnly ? { accept: metadataListMedia } : {}),
      });
      if (res.status === 410 && continueToken !== undefined) {
        expired = true;
        break;
      }
      if (res.status !== 200)
        throw httpError(reflectorCodes.listFailed, 'list', res.status, res.body);
      const page = parseListPage(res.body);
      if (page.malformed > 0) options.onMalformed(page.malformed);
      for (const raw of page.items) {
        const obj = convert(raw);
        if (obj !== undefined) items.set(objectKey(raw), obj);
      }
      resourceVersion = page.resourceVersion;
      continueToken = page.continueToken;
    } while (continueToken !== undefined);
    if (!expired) return { items, resourceVersion };
    // The snapshot the token pinned is compacted away: only a list from scratch is consistent.
    options.onExpired(restarts + 1);
    if (restarts >= options.maxListRestarts) {
      throw transientError(
        reflectorCodes.listRestartsExceeded,
        `the list's continue token expired ${restarts + 1} times in a row`,
      );
    }
  }
};
