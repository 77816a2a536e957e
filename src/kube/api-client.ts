// One-shot API calls on the shared transport — get, create, patch, delete — with Kubernetes statuses turned into Lynq errors.
import { conflictError, invalidSpecError, transientError, type LynqError } from '../errors.js';
import type { KubeResponse, KubeTransport } from './http-transport.js';

export const apiErrorCodes = {
  notFound: 'KubeNotFound',
  conflict: 'KubeConflict',
  alreadyExists: 'KubeAlreadyExists',
  forbidden: 'KubeForbidden',
  invalid: 'KubeInvalid',
  unavailable: 'KubeUnavailable',
} as const;

export const patchTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = (typeof patchTypes)[keyof typeof patchTypes];

export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'test';
  readonly path: string;
  readonly value?: unknown;
}

const statusMessage = (res: KubeResponse): string => {
  const body = res.body;
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message: unknown = body.message;
    if (typeof message === 'string') return message;
  }
  return typeof body === 'string' ? body.slice(0, 500) : `HTTP ${res.status}`;
};

const statusReason = (res: KubeResponse): string | undefined => {
  const body = res.body;
  if (typeof body === 'object' && body !== null && 'reason' in body) {
    const reason: unknown = body.reason;
    if (typeof reason === 'string') return reason;
  }
  return undefined;
};

/** How the API server words a refused change of a field that cannot change (SPEC N15). */
const immutableWording = /immutable|may not change once set/i;

/**
 * The fields a 422 names as immutable (`details.causes[].field`); the whole message counts
 * when the server gave no causes. Empty for any other refusal.
 */
const immutableFieldsOf = (res: KubeResponse): string[] => {
  const body: unknown = res.body;
  if (res.status !== 422 || typeof body !== 'object' || body === null) return [];
  const details = (body as { details?: { causes?: unknown } }).details;
  const causes = Array.isArray(details?.causes) ? (details.causes as unknown[]) : [];
  const fields = causes.flatMap((cause) => {
    if (typeof cause !== 'object' || cause === null) return [];
    const { field, message } = cause as { field?: unknown; message?: unknown };
    return typeof message === 'string' && immutableWording.test(message)
      ? [typeof field === 'string' && field !== '' ? field : '(unnamed field)']
      : [];
  });
  if (fields.length > 0) return [...new Set(fields)];
  return causes.length === 0 && immutableWording.test(statusMessage(res))
    ? ['(unnamed field)']
    : [];
};

/** The Lynq error for a failed response, by HTTP status and the Status reason. */
export const apiError = (what: string, res: KubeResponse): LynqError => {
  const message = `${what}: ${statusMessage(res)}`;
  const immutable = immutableFieldsOf(res);
  const details = {
    status: res.status,
    reason: statusReason(res),
    ...(immutable.length === 0 ? {} : { immutableFields: immutable }),
  };
  switch (res.status) {
    case 404:
      return invalidSpecError(apiErrorCodes.notFound, message, undefined, details);
    case 409:
      return statusReason(res) === 'AlreadyExists'
        ? conflictError(apiErrorCodes.alreadyExists, message, undefined, details)
        : conflictError(apiErrorCodes.conflict, message, undefined, details);
    case 403:
      return invalidSpecError(apiErrorCodes.forbidden, message, undefined, details);
    case 400:
    case 422:
      return invalidSpecError(apiErrorCodes.invalid, message, undefined, details);
    default:
      return transientError(apiErrorCodes.unavailable, message, undefined, details);
  }
};

export interface ApiClient {
  /** The object, or `undefined` when it does not exist. Throws `LynqError` otherwise. */
  get(path: string, signal?: AbortSignal): Promise<unknown>;
  /** POSTs `body` to the collection. Throws `KubeAlreadyExists` when the name is taken. */
  create(collectionPath: string, body: unknown, signal?: AbortSignal): Promise<unknown>;
  patch(
    path: string,
    type: PatchType,
    body: unknown,
    options?: {
      readonly fieldManager?: string;
      readonly force?: boolean;
      readonly signal?: AbortSignal;
    },
  ): Promise<unknown>;
  /** Deletes; resolves `false` when it was already gone. */
  remove(
    path: string,
    options?: {
      readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
      readonly signal?: AbortSignal;
    },
  ): Promise<boolean>;
}

/** Requests through `transport`; each bounded by `timeoutMs` (default 30 s). */
export const createApiClient = (transport: KubeTransport, timeoutMs = 30_000): ApiClient => {
  const send = async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<KubeResponse> =>
    transport.request({
      method,
      path,
      timeoutMs,
      ...(body === undefined ? {} : { body }),
      ...(contentType === undefined ? {} : { contentType }),
      ...(signal === undefined ? {} : { signal }),
    });

  return {
    get: async (path, signal) => {
      const res = await send('GET', path, undefined, undefined, signal);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw apiError(`GET ${path}`, res);
      return res.body;
    },
    create: async (collectionPath, body, signal) => {
      const res = await send('POST', collectionPath, body, undefined, signal);
      if (res.status !== 201 && res.status !== 200) throw apiError(`POST ${collectionPath}`, res);
      return res.body;
    },
    patch: async (path, type, body, options = {}) => {
      const query = new URLSearchParams();
      if (options.fieldManager !== undefined) query.set('fieldManager', options.fieldManager);
      if (options.force === true) query.set('force', 'true');
      const full = query.size === 0 ? path : `${path}?${query.toString()}`;
      const res = await send('PATCH', full, body, type, options.signal);
      if (res.status !== 200 && res.status !== 201) throw apiError(`PATCH ${path}`, res);
      return res.body;
    },
    remove: async (path, options = {}) => {
      const body =
        options.propagationPolicy === undefined
          ? undefined
          : {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              propagationPolicy: options.propagationPolicy,
            };
      const res = await send('DELETE', path, body, undefined, options.signal);
      if (res.status === 404) return false;
      if (res.status !== 200 && res.status !== 202) throw apiError(`DELETE ${path}`, res);
      return true;
    },
  };
};
