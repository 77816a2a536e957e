// The API queue lane of a hub's work: which hub a node's, a form's or the hub's own requests are for (SPEC P4).
import type { LynqNode } from '../api/lynq-node.schema.js';
import { labelKeys } from '../api/metadata-keys.js';
import { createApiClient, type ApiClient } from '../kube/api-client.js';
import type { ResourceWriteDeps } from '../kube/apply-resource.js';
import type { KubeTransport } from '../kube/http-transport.js';
import { laneTransport, type RequestPriority, type TrafficLane } from '../kube/traffic-lane.js';

/** The lane key of hub `name` in `namespace` (hubs, forms and nodes of one hub share a namespace). */
export const hubLaneKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** A node's lane: its hub (from its hub label), or the operator's own lane when it names none. */
export const nodeLane = (node: LynqNode | undefined, priority: RequestPriority): TrafficLane => {
  const hub = node?.metadata.labels?.[labelKeys.hub];
  return hub === undefined
    ? { priority }
    : { hub: hubLaneKey(node?.metadata.namespace ?? '', hub), priority };
};

/** `write` with every request in `lane`. */
export const laneWrite = (write: ResourceWriteDeps, lane: TrafficLane): ResourceWriteDeps => ({
  ...write,
  transport: laneTransport(write.transport, lane),
});

/**
 * One API client per hub over `transport`, made on first use and kept while the hub is (a few
 * objects per hub); `forget` drops a deleted hub's client.
 */
export const hubClients = (
  transport: KubeTransport,
): {
  readonly of: (namespace: string, hub: string) => ApiClient;
  readonly forget: (namespace: string, hub: string) => void;
} => {
  const clients = new Map<string, ApiClient>();
  return {
    of: (namespace, hub) => {
      const key = hubLaneKey(namespace, hub);
      let client = clients.get(key);
      if (client === undefined) {
        client = createApiClient(laneTransport(transport, { hub: key, priority: 'change' }));
        clients.set(key, client);
      }
      return client;
    },
    forget: (namespace, hub) => {
      clients.delete(hubLaneKey(namespace, hub));
    },
  };
};
