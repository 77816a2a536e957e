// Which hub a request works for and how urgent it is: the key of the fair API queue (SPEC P4, DESIGN 9).
import type { KubeRequest, KubeTransport } from './http-transport.js';

/**
 * Request priorities, most urgent first. Within one hub's queue a request of an earlier
 * priority leaves before any of a later one; across hubs the queue takes turns.
 */
export const requestPriorities = ['removal', 'repair', 'change', 'resync'] as const;

export type RequestPriority = (typeof requestPriorities)[number];

/** The rank of a priority: 0 is the most urgent. */
export const priorityRank = (priority: RequestPriority): number =>
  requestPriorities.indexOf(priority);

export interface TrafficLane {
  /** `namespace/name` of the hub the request works for; absent = the operator's own traffic. */
  readonly hub?: string;
  readonly priority: RequestPriority;
}

/** The queue of requests that name no hub: hub and form status, events, lists of the caches. */
export const operatorLane = '';

/** The hub queue a request waits in. */
export const laneKeyOf = (req: KubeRequest): string => req.lane?.hub ?? operatorLane;

/**
 * How urgent a request is: a DELETE always removes something (SPEC P4: deletions first),
 * whatever its caller said; a write of a resync is a repair; otherwise its lane's priority,
 * `change` without one.
 */
export const priorityOf = (req: KubeRequest): RequestPriority => {
  if (req.method === 'DELETE') return 'removal';
  const priority = req.lane?.priority ?? 'change';
  // A resync reads at its leisure; a write it sends repairs what it found drifted (SPEC N12).
  return priority === 'resync' && req.method !== 'GET' ? 'repair' : priority;
};

/** Wraps `inner` so every request it sends carries `lane` (a request's own lane wins). */
export const laneTransport = (inner: KubeTransport, lane: TrafficLane): KubeTransport => ({
  request: (req) => inner.request(req.lane === undefined ? { ...req, lane } : req),
  stream: (req) => inner.stream(req),
});
