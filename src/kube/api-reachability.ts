// Telling "the API server did not answer" apart from an answer about the object, so an outage is reported as itself.
import { conditionReasons } from '../api/conditions.js';
import { LynqError, messageOf, transientError } from '../errors.js';
import { apiErrorCodes } from './api-client.js';
import { transportCodes } from './http-transport.js';

/** Statuses a proxy or a starting API server answers with when nothing behind it serves. */
const unavailableStatuses: ReadonlySet<number> = new Set([502, 503, 504]);

/** Wrapped errors are looked through this deep (a sync wraps a write's error once or twice). */
const maxCauseDepth = 5;

/**
 * True when `err`, or an error it wraps, says the API server could not be reached: no
 * connection, a broken one, no answer in time (transport failures), or 502/503/504. False for
 * every answer about the request itself (404, 403, 409, 422, 500 …) and for aborts.
 */
export const isApiServerUnreachable = (err: unknown): boolean => {
  let current: unknown = err;
  for (let depth = 0; depth < maxCauseDepth && current instanceof LynqError; depth += 1) {
    if (current.code === conditionReasons.kubernetesUnreachable) return true;
    if (current.code === transportCodes.failed || current.code === transportCodes.timeout)
      return true;
    if (
      current.code === apiErrorCodes.unavailable &&
      unavailableStatuses.has(Number(current.details['status']))
    )
      return true;
    current = current.cause;
  }
  return false;
};

/**
 * The transient `KubernetesUnreachable` error for `err` (which `isApiServerUnreachable`
 * accepted), saying what could not be done: `doing` is e.g. "reading Secret ns/name".
 */
export const kubernetesUnreachableError = (doing: string, err: unknown): LynqError =>
  transientError(
    conditionReasons.kubernetesUnreachable,
    `The Kubernetes API server is unreachable (${doing}); retrying: ${messageOf(err)}`,
    err,
  );

/** `err` as `KubernetesUnreachable` when it says the API server did not answer; else `err` itself. */
export const outageOr = (err: unknown, doing: string): unknown =>
  isApiServerUnreachable(err) ? kubernetesUnreachableError(doing, err) : err;
