// A request's error as an apply outcome: the reason shown, and whether retrying can help (SPEC N6, N16).
import { conditionReasons } from '../api/conditions.js';
import { errorKinds, LynqError, messageOf } from '../errors.js';
import { apiErrorCodes } from './api-client.js';
import { isApiServerUnreachable } from './api-reachability.js';
import { applyReasons, type ApplyOutcome } from './apply-contract.js';
import { resourcePathCodes } from './resource-paths.js';

/**
 * Refusals that depend on the cluster rather than on the form: a target namespace not created
 * yet, a CRD not installed yet, a permission not granted yet. They are retried with the node's
 * backoff (capped at minutes), so the node recovers by itself once the cluster catches up.
 */
const environmentCodes: ReadonlySet<string> = new Set([
  apiErrorCodes.notFound,
  apiErrorCodes.forbidden,
  resourcePathCodes.unknownKind,
]);

export const failedOutcome = (err: unknown): ApplyOutcome => {
  // An outage is nothing the resource did: it says so, and is retried.
  if (isApiServerUnreachable(err)) {
    return {
      state: 'failed',
      reason: conditionReasons.kubernetesUnreachable,
      message: messageOf(err),
      retryable: true,
    };
  }
  if (err instanceof LynqError) {
    const statusReason = err.details['reason'];
    const reason =
      err.code === resourcePathCodes.unknownKind
        ? applyReasons.unknownKind
        : typeof statusReason === 'string' && statusReason !== ''
          ? statusReason
          : err.code === apiErrorCodes.forbidden
            ? 'Forbidden'
            : applyReasons.applyError;
    return {
      state: 'failed',
      reason,
      message: err.message,
      retryable: err.kind !== errorKinds.invalidSpec || environmentCodes.has(err.code),
    };
  }
  return {
    state: 'failed',
    reason: applyReasons.applyError,
    message: messageOf(err),
    retryable: true,
  };
};

/**
 * A delete's or release's error as its `failed` outcome, retryable unless the error says
 * otherwise. Rethrows `err` when `signal` was aborted: the caller stopped, nothing failed.
 */
export const failedRemovalOutcome = (
  err: unknown,
  signal: AbortSignal | undefined,
): { state: 'failed'; reason: string; message: string; retryable: boolean } => {
  if (signal?.aborted === true) throw err;
  const failed = failedOutcome(err);
  return {
    state: 'failed',
    reason: failed.reason,
    message: failed.message,
    retryable: failed.retryable ?? true,
  };
};
