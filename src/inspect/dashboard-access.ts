// Whether `lynq dashboard` may list what it shows, asked once before it watches: a watch that may not list retries forever, so the page would never come.
import { invalidSpecError, messageOf } from '../errors.js';
import { createApiClient } from '../kube/api-client.js';
import type { KubeTransport } from '../kube/http-transport.js';
import { lynqCollectionPath, type LynqPlural } from '../kube/lynq-paths.js';

export const dashboardAccessCodes = {
  /** A list the dashboard needs was refused or failed. */
  cannotList: 'DashboardCannotList',
} as const;

/**
 * Lists one item of each of `plurals` in each of `namespaces` (all when undefined). Resolves when
 * every list answered; throws `DashboardCannotList` naming the first one that did not (refused,
 * an unknown resource, or no answer within `timeoutMs`), with what the user needs to run it.
 */
export const checkDashboardAccess = async (
  transport: KubeTransport,
  namespaces: readonly string[] | undefined,
  plurals: readonly LynqPlural[],
  timeoutMs = 10_000,
): Promise<void> => {
  const client = createApiClient(transport, timeoutMs);
  for (const namespace of namespaces ?? [undefined]) {
    for (const plural of plurals) {
      try {
        await client.get(`${lynqCollectionPath(plural, namespace)}?limit=1`);
      } catch (err) {
        const where = namespace === undefined ? 'all namespaces' : `namespace ${namespace}`;
        throw invalidSpecError(
          dashboardAccessCodes.cannotList,
          `cannot list ${plural} in ${where}: ${messageOf(err)}. The dashboard needs get, list and watch on lynqhubs, lynqforms and lynqnodes (the chart's dashboard.enabled grants them in a ClusterRole); --namespace narrows it to namespaces you may read`,
          err,
          { plural, ...(namespace === undefined ? {} : { namespace }) },
        );
      }
    }
  }
};
