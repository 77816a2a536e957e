// An update the API server refuses because a field cannot change (SPEC N15): a clear failure, or a deletion so the next pass creates the object anew.
import { conditionReasons } from '../api/conditions.js';
import { LynqError } from '../errors.js';
import { apiError } from './api-client.js';
import type { KubeTransport } from './http-transport.js';

/** The fields an API error names as immutable; empty for any other error. */
export const immutableFieldsOf = (err: unknown): readonly string[] => {
  if (!(err instanceof LynqError)) return [];
  const fields = err.details['immutableFields'];
  return Array.isArray(fields) ? fields.filter((f): f is string => typeof f === 'string') : [];
};

export interface ImmutableChange {
  readonly transport: KubeTransport;
  readonly path: string;
  /** `Kind namespace/name`, for messages. */
  readonly what: string;
  readonly fields: readonly string[];
  /** The resource says `recreateOnImmutableChange: true` and the node may delete the object. */
  readonly recreate: boolean;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface ImmutableOutcome {
  readonly state: 'failed';
  readonly reason: string;
  readonly message: string;
  readonly retryable: boolean;
}

/**
 * Without `recreate`: `ImmutableFieldChanged` naming the fields, not retried (only a form change
 * can help). With it: deletes the object (background propagation) and fails retryably, so the
 * node's next pass finds it gone and creates it from the new manifest. Throws a `LynqError` when
 * the deletion is refused; rethrows an abort.
 */
export const handleImmutableChange = async (change: ImmutableChange): Promise<ImmutableOutcome> => {
  const fields = change.fields.join(', ');
  if (!change.recreate) {
    return {
      state: 'failed',
      reason: conditionReasons.immutableFieldChanged,
      message: `${change.what}: field ${fields} cannot change; change the form back, or set recreateOnImmutableChange: true to delete and re-create the object`,
      retryable: false,
    };
  }
  const res = await change.transport.request({
    method: 'DELETE',
    path: `${change.path}?propagationPolicy=Background`,
    timeoutMs: change.timeoutMs,
    ...(change.signal === undefined ? {} : { signal: change.signal }),
  });
  if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
    throw apiError(`DELETE ${change.path}`, res);
  }
  return {
    state: 'failed',
    reason: conditionReasons.immutableFieldChanged,
    message: `${change.what}: field ${fields} cannot change; deleted to be created again (recreateOnImmutableChange)`,
    retryable: true,
  };
};
