// The operator's Prometheus metrics (SPEC O4): one registry, hooks for what happens, and gauges read from the caches at scrape time; never a series per node.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { conditionStatuses, hubConditionTypes, nodeConditionTypes } from '../api/conditions.js';
import { requestPriorities, type RequestPriority } from '../kube/traffic-lane.js';
import type { Route } from './http-routes.js';

/** What a scrape reads: the shapes below are the few status fields the gauges need. */
export interface MetricSources {
  readonly hubs: () => readonly HubView[];
  readonly forms: () => readonly FormView[];
  readonly nodes: () => readonly NodeView[];
  /** Per watched resource: counters kept by its reflectors. */
  readonly reflectors: () => readonly {
    readonly resource: string;
    readonly relists: number;
    readonly reconnects: number;
  }[];
  readonly renderPool: () => { readonly queueSize: number; readonly threads: number };
  readonly apiQueue: () => {
    readonly inFlight: number;
    /** Waiting per priority of the fair API queue (SPEC P4). */
    readonly queuedByPriority: Readonly<Record<RequestPriority, number>>;
    /** Requests answered 429 and sent again. */
    readonly throttledRetries: number;
  };
  /** Running actors per kind (`node`, `hub`, `form`). */
  readonly actors: () => Readonly<Record<string, number>>;
  /** 1 while this process leads (or runs without leader election), 0 on a standby. */
  readonly leading: () => boolean;
  readonly leaseName: string;
}

interface Condition {
  readonly type: string;
  readonly status: string;
}
interface ObjectMeta {
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
}
export interface HubView {
  readonly metadata: ObjectMeta;
  readonly status?: {
    readonly desired?: number;
    readonly ready?: number;
    readonly failed?: number;
    readonly conditions?: readonly Condition[];
  };
}
export interface FormView {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly hubId: string };
  readonly status?: { readonly rollout?: { readonly phase?: string } };
}
export interface NodeView {
  readonly metadata: ObjectMeta;
  readonly spec: { readonly templateRef: string };
  readonly status?: {
    readonly phase?: string;
    readonly desiredResources?: number;
    readonly readyResources?: number;
    readonly failedResources?: number;
    readonly conditions?: readonly Condition[];
  };
}

/** A node's aggregation key: its namespace, hub and form (never its own name). */
export interface NodeGroup {
  readonly namespace: string;
  readonly hub: string;
  readonly form: string;
}

export const nodeGroupOf = (node: NodeView): NodeGroup => ({
  namespace: node.metadata.namespace ?? '',
  hub: node.metadata.ownerReferences?.find((o) => o.kind === 'LynqHub')?.name ?? '',
  form: node.spec.templateRef,
});

const isTrue = (conditions: readonly Condition[] | undefined, type: string): boolean =>
  conditions?.some((c) => c.type === type && c.status === conditionStatuses.true) ?? false;

/** The hooks the rest of the operator calls; each is cheap and never throws. */
export interface OperatorMetrics {
  readonly registry: Registry;
  /** One API request answered (`code` is the HTTP status) or failed (`code` = `error`). */
  apiRequest(verb: string, code: string, seconds: number): void;
  /** One create/patch/update of a node's object: result `success`, `conflict` or `error`. */
  applyAttempt(resource: string, result: string): void;
  /** One apply pass of a node finished. */
  nodeReconciled(group: NodeGroup, seconds: number): void;
  /** A node's Conflicted condition became True. */
  nodeConflicted(group: NodeGroup): void;
  /** One read of a hub's table: its rows, or the error's reason. */
  hubRead(
    hub: { readonly namespace: string; readonly name: string },
    seconds: number,
    outcome: { readonly rows: number } | { readonly errorReason: string },
  ): void;
  /** One render request (a node's resources) finished. */
  rendered(seconds: number): void;
  /** A hub, form or node actor failed unexpectedly and is restarted by its supervisor. */
  actorRestarted(kind: 'hub' | 'form' | 'node'): void;
  /** The route serving the text exposition format. */
  route(): Route;
}

const durationBuckets = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Builds the registry. Gauges about hubs, forms and nodes are computed from `sources` at scrape
 * time, summed per hub and form: with 10,000 nodes a scrape stays a few hundred series (the Go
 * operator's per-node series grew without bound). Process metrics (CPU, heap, event-loop lag)
 * come from prom-client's defaults.
 */
export const createOperatorMetrics = (sources: MetricSources): OperatorMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const nodeLabels = ['namespace', 'hub', 'form'] as const;

  const reconcileDuration = new Histogram({
    name: 'lynqnode_reconcile_duration_seconds',
    help: 'Duration of one apply pass of a node (render result to objects applied), per hub and form.',
    labelNames: nodeLabels,
    buckets: durationBuckets,
    registers,
  });
  const conflicts = new Counter({
    name: 'lynqnode_conflicts_total',
    help: 'Times a node became Conflicted (an object held by another node or another manager), per hub and form.',
    labelNames: nodeLabels,
    registers,
  });
  const actorRestarts = new Counter({
    name: 'lynq_actor_restarts_total',
    help: 'Hub, form and node actors that failed unexpectedly and were restarted by their supervisor, by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const applyAttempts = new Counter({
    name: 'apply_attempts_total',
    help: "Create, patch and update requests for nodes' objects, by resource (group/plural) and result.",
    labelNames: ['resource', 'result'] as const,
    registers,
  });
  const apiRequests = new Counter({
    name: 'lynq_api_requests_total',
    help: 'Kubernetes API requests (watches not counted) by verb and HTTP code (`error`: no response).',
    labelNames: ['verb', 'code'] as const,
    registers,
  });
  const apiDuration = new Histogram({
    name: 'lynq_api_request_duration_seconds',
    help: 'Kubernetes API request latency by verb, queueing included.',
    labelNames: ['verb'] as const,
    buckets: durationBuckets,
    registers,
  });
  const hubSync = new Histogram({
    name: 'lynq_hub_sync_duration_seconds',
    help: "Duration of one read of a hub's table (connection, query, typing).",
    labelNames: ['namespace', 'hub'] as const,
    buckets: durationBuckets,
    registers,
  });
  const rowsRead = new Counter({
    name: 'lynq_hub_rows_read_total',
    help: "Rows read from hubs' tables.",
    labelNames: ['namespace', 'hub'] as const,
    registers,
  });
  const datasourceErrors = new Counter({
    name: 'lynq_datasource_errors_total',
    help: "Failed reads of a hub's table, by reason (the error code, e.g. DatasourceUnreachable).",
    labelNames: ['namespace', 'hub', 'reason'] as const,
    registers,
  });
  const renderDuration = new Histogram({
    name: 'lynq_render_duration_seconds',
    help: "Time from asking the render pool for a node's manifests to having them.",
    buckets: durationBuckets,
    registers,
  });

  new Gauge({
    name: 'lynq_render_pool_queue_depth',
    help: 'Render tasks waiting for a worker thread.',
    registers,
    collect() {
      this.set(sources.renderPool().queueSize);
    },
  });
  new Gauge({
    name: 'lynq_render_pool_threads',
    help: 'Render worker threads running.',
    registers,
    collect() {
      this.set(sources.renderPool().threads);
    },
  });
  new Gauge({
    name: 'lynq_api_requests_queued',
    help: 'API requests waiting for a slot or a token of the rate limit, per priority.',
    labelNames: ['priority'] as const,
    registers,
    collect() {
      const queued = sources.apiQueue().queuedByPriority;
      for (const priority of requestPriorities) this.set({ priority }, queued[priority]);
    },
  });
  new Counter({
    name: 'lynq_api_requests_throttled_total',
    help: 'API requests answered 429 Too Many Requests and sent again after Retry-After.',
    registers,
    collect() {
      this.reset();
      this.inc(sources.apiQueue().throttledRetries);
    },
  });
  new Gauge({
    name: 'lynq_api_requests_in_flight',
    help: 'API requests sent and not yet answered.',
    registers,
    collect() {
      this.set(sources.apiQueue().inFlight);
    },
  });
  new Counter({
    name: 'lynq_watch_relists_total',
    help: 'Lists after the first (410 Gone, restarts), per watched resource.',
    labelNames: ['resource'] as const,
    registers,
    collect() {
      this.reset();
      for (const r of sources.reflectors()) this.inc({ resource: r.resource }, r.relists);
    },
  });
  new Counter({
    name: 'lynq_watch_restarts_total',
    help: 'Watches re-opened from a kept resourceVersion (timeout, dropped or idle connection), per watched resource.',
    labelNames: ['resource'] as const,
    registers,
    collect() {
      this.reset();
      for (const r of sources.reflectors()) this.inc({ resource: r.resource }, r.reconnects);
    },
  });
  new Gauge({
    name: 'lynq_actors',
    help: 'Running actors by kind (node, hub, form).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of Object.entries(sources.actors())) this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this process holds the leader lease (or runs without leader election), else 0.',
    labelNames: ['name'] as const,
    registers,
    collect() {
      this.set({ name: sources.leaseName }, sources.leading() ? 1 : 0);
    },
  });

  // Hubs: the counts the hub publishes, and its conditions as 0/1 (the alerts use them).
  const hubGauge = (
    name: string,
    help: string,
    value: (hub: HubView) => number,
  ): Gauge<'namespace' | 'hub'> =>
    new Gauge({
      name,
      help,
      labelNames: ['namespace', 'hub'] as const,
      registers,
      collect() {
        this.reset();
        for (const hub of sources.hubs()) {
          const labels = { namespace: hub.metadata.namespace ?? '', hub: hub.metadata.name ?? '' };
          this.set(labels, value(hub));
        }
      },
    });
  hubGauge(
    'hub_desired',
    'Nodes the hub wants (valid forms × active rows).',
    (h) => h.status?.desired ?? 0,
  );
  hubGauge('hub_ready', "The hub's Ready nodes.", (h) => h.status?.ready ?? 0);
  hubGauge('hub_failed', "The hub's failed nodes.", (h) => h.status?.failed ?? 0);
  hubGauge(
    'lynq_hub_datasource_reachable',
    '1 when the last read of the hub’s table succeeded (condition DatasourceReachable), else 0.',
    (h) => (isTrue(h.status?.conditions, hubConditionTypes.datasourceReachable) ? 1 : 0),
  );
  hubGauge(
    'lynq_hub_deletion_guarded',
    '1 while the deletion guard holds back deletions (condition DeletionGuarded), else 0.',
    (h) => (isTrue(h.status?.conditions, hubConditionTypes.deletionGuarded) ? 1 : 0),
  );

  new Gauge({
    name: 'lynq_form_rollout_failed',
    help: "1 while the form's rollout phase is Failed, else 0.",
    labelNames: ['namespace', 'hub', 'form'] as const,
    registers,
    collect() {
      this.reset();
      for (const form of sources.forms()) {
        this.set(
          {
            namespace: form.metadata.namespace ?? '',
            hub: form.spec.hubId,
            form: form.metadata.name ?? '',
          },
          form.status?.rollout?.phase === 'Failed' ? 1 : 0,
        );
      }
    },
  });

  // Nodes, summed per hub and form in one pass per gauge.
  const nodeSum = (name: string, help: string, value: (node: NodeView) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: nodeLabels,
      registers,
      collect() {
        this.reset();
        const sums = new Map<string, { group: NodeGroup; sum: number }>();
        for (const node of sources.nodes()) {
          const group = nodeGroupOf(node);
          const key = `${group.namespace}\u0000${group.hub}\u0000${group.form}`;
          const entry = sums.get(key) ?? { group, sum: 0 };
          entry.sum += value(node);
          sums.set(key, entry);
        }
        for (const { group, sum } of sums.values()) this.set({ ...group }, sum);
      },
    });
  };
  nodeSum(
    'lynqnode_resources_desired',
    'Resources the nodes of a hub and form should have.',
    (n) => n.status?.desiredResources ?? 0,
  );
  nodeSum(
    'lynqnode_resources_ready',
    'Ready resources of the nodes of a hub and form.',
    (n) => n.status?.readyResources ?? 0,
  );
  nodeSum(
    'lynqnode_resources_failed',
    'Failed resources of the nodes of a hub and form.',
    (n) => n.status?.failedResources ?? 0,
  );
  nodeSum('lynq_nodes', 'Nodes of a hub and form.', () => 1);
  nodeSum('lynq_nodes_degraded', 'Nodes of a hub and form with Degraded=True.', (n) =>
    isTrue(n.status?.conditions, nodeConditionTypes.degraded) ? 1 : 0,
  );
  nodeSum('lynq_nodes_ready', 'Nodes of a hub and form with Ready=True.', (n) =>
    isTrue(n.status?.conditions, nodeConditionTypes.ready) ? 1 : 0,
  );

  const serve = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(text);
  };

  return {
    registry,
    apiRequest: (verb, code, seconds) => {
      apiRequests.inc({ verb, code });
      apiDuration.observe({ verb }, seconds);
    },
    applyAttempt: (resource, result) => {
      applyAttempts.inc({ resource, result });
    },
    nodeReconciled: (group, seconds) => {
      reconcileDuration.observe({ ...group }, seconds);
    },
    nodeConflicted: (group) => {
      conflicts.inc({ ...group });
    },
    actorRestarted: (kind) => {
      actorRestarts.inc({ kind });
    },
    hubRead: (hub, seconds, outcome) => {
      const labels = { namespace: hub.namespace, hub: hub.name };
      hubSync.observe(labels, seconds);
      if ('rows' in outcome) rowsRead.inc(labels, outcome.rows);
      else datasourceErrors.inc({ ...labels, reason: outcome.errorReason });
    },
    rendered: (seconds) => {
      renderDuration.observe(seconds);
    },
    route: () => ({ path: '/metrics', handle: serve }),
  };
};
