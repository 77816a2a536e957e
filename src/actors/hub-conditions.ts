// The hub's own conditions from its last sync: DeletionGuarded, DatasourceReachable, RowsRead, ChangeDetection (SPEC H1b, H7, H9, O2).
import { conditionReasons, hubConditionTypes } from '../api/conditions.js';
import { annotationKeys } from '../api/metadata-keys.js';
import { isQueryFailure } from '../datasource/datasource-error.js';
import { changeFeedModes, type ChangeFeedState } from '../datasource/change-feed.js';
import type { HubDeletionGuard, HubSyncFailure } from '../machines/hub.contract.js';
import type { ConditionInput } from './published-state.js';

/** `DeletionGuarded` from the last good sync (SPEC H9): the counts and the token that releases the held set. */
export const deletionGuardCondition = (guard: HubDeletionGuard | undefined): ConditionInput =>
  guard?.held === true
    ? {
        type: hubConditionTypes.deletionGuarded,
        status: 'True',
        reason: conditionReasons.deletionGuarded,
        message: `This sync would delete ${String(guard.count)} of ${String(guard.nodes)} nodes, more than the limit of ${String(guard.limit)}; nothing was deleted. To delete exactly these nodes, annotate the hub with ${annotationKeys.allowDeletions}=${guard.token} (token ${guard.token})`,
      }
    : guard?.released === true
      ? {
          type: hubConditionTypes.deletionGuarded,
          status: 'False',
          reason: conditionReasons.deletionsAllowed,
          message: `${String(guard.count)} deletions were allowed by ${annotationKeys.allowDeletions}`,
        }
      : {
          type: hubConditionTypes.deletionGuarded,
          status: 'False',
          reason: conditionReasons.withinDeletionLimit,
          message: 'No sync has tried to delete more nodes than spec.deletionGuard.maxDeletions',
        };

/** A sync stopped by an unreachable API server before its rows: it learnt nothing of the datasource. */
const stoppedByKubernetes = (error: HubSyncFailure | undefined): boolean =>
  error?.code === conditionReasons.kubernetesUnreachable && !error.rowsRead;

/** The condition as `previous` said, or Unknown when there is none (an outage is reported as itself). */
const unchangedOrUnknown = (
  type: string,
  previous: ConditionInput | undefined,
  message: string,
): ConditionInput =>
  previous === undefined
    ? { type, status: 'Unknown', reason: conditionReasons.notReadYet, message }
    : { type, status: previous.status, reason: previous.reason, message: previous.message };

/**
 * `DatasourceReachable` from the last sync (SPEC H7): whether the server answered. False with the
 * error's code and message whenever that sync could not get an answer — the connection or login
 * failed, or what it needs (a password or CA Secret, valid identifiers) was missing; True once
 * the server answered: rows were read (also when a node write failed afterwards), or the server
 * refused the query (a missing table or column: that is `RowsRead=False`, not unreachability);
 * Unknown before any sync finished. A sync stopped by an unreachable API server learnt nothing
 * about the datasource: the condition stays as `previous` said (an outage never blames
 * the datasource).
 */
export const datasourceReachableCondition = (
  everSynced: boolean,
  error: HubSyncFailure | undefined,
  previous?: ConditionInput,
): ConditionInput => {
  const type = hubConditionTypes.datasourceReachable;
  if (stoppedByKubernetes(error))
    return unchangedOrUnknown(
      type,
      previous,
      'The datasource was not read: the Kubernetes API server is unreachable',
    );
  if (error !== undefined && !error.rowsRead && isQueryFailure(error.code))
    return {
      type,
      status: 'True',
      reason: conditionReasons.reachable,
      message: `The server answered and refused the query: ${error.message}`,
    };
  if (error !== undefined && !error.rowsRead)
    return { type, status: 'False', reason: error.code, message: error.message };
  if (!everSynced && error === undefined)
    return {
      type,
      status: 'Unknown',
      reason: conditionReasons.notReadYet,
      message: 'No sync has read the datasource yet',
    };
  return {
    type,
    status: 'True',
    reason: conditionReasons.reachable,
    message: 'The last read succeeded',
  };
};

/**
 * `RowsRead` from the last sync (SPEC H7, O2): True once a sync read its rows (also when a node
 * write failed afterwards); False with the error's code and message when it did not, whatever
 * stopped it (a missing table or column, an unreachable server, a missing Secret); Unknown
 * before any sync finished. Like `DatasourceReachable`, it stays as it was while the API server
 * is unreachable.
 */
export const rowsReadCondition = (
  everSynced: boolean,
  error: HubSyncFailure | undefined,
  previous?: ConditionInput,
): ConditionInput => {
  const type = hubConditionTypes.rowsRead;
  if (stoppedByKubernetes(error))
    return unchangedOrUnknown(
      type,
      previous,
      'The rows were not read: the Kubernetes API server is unreachable',
    );
  if (error !== undefined && !error.rowsRead)
    return { type, status: 'False', reason: error.code, message: error.message };
  if (!everSynced && error === undefined)
    return {
      type,
      status: 'Unknown',
      reason: conditionReasons.notReadYet,
      message: 'No sync has read the rows yet',
    };
  return {
    type,
    status: 'True',
    reason: conditionReasons.read,
    message: 'The last sync read its rows',
  };
};

/** The `ChangeDetection` condition of a feed's state (SPEC H1b). */
export const changeDetectionCondition = (state: ChangeFeedState): ConditionInput => ({
  type: hubConditionTypes.changeDetection,
  status: state.mode === changeFeedModes.push ? 'True' : 'False',
  reason: state.reason,
  message: state.message,
});
