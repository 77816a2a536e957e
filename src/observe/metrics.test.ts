// The metrics registry: the Go operator's names, sums per hub and form read from the caches at scrape time, and no series per node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOperatorMetrics, type MetricSources, type NodeView } from './metrics.js';

const node = (name: string, form: string, ready: number, degraded: boolean): NodeView => ({
  metadata: { name, namespace: 'ns', ownerReferences: [{ kind: 'LynqHub', name: 'hub' }] },
  spec: { templateRef: form },
  status: {
    desiredResources: 2,
    readyResources: ready,
    failedResources: 2 - ready,
    conditions: [{ type: 'Degraded', status: degraded ? 'True' : 'False' }],
  },
});

const sources = (nodes: NodeView[]): MetricSources => ({
  hubs: () => [
    {
      metadata: { name: 'hub', namespace: 'ns' },
      status: {
        desired: 3,
        ready: 2,
        failed: 1,
        conditions: [{ type: 'DatasourceReachable', status: 'False' }],
      },
    },
  ],
  forms: () => [
    {
      metadata: { name: 'web', namespace: 'ns' },
      spec: { hubId: 'hub' },
      status: { rollout: { phase: 'Failed' } },
    },
  ],
  nodes: () => nodes,
  reflectors: () => [{ resource: 'lynqnodes', relists: 2, reconnects: 5 }],
  renderPool: () => ({ queueSize: 4, threads: 1 }),
  apiQueue: () => ({
    inFlight: 1,
    queuedByPriority: { removal: 2, repair: 0, change: 5, resync: 0 },
    throttledRetries: 3,
  }),
  actors: () => ({ node: 3, hub: 1 }),
  leading: () => true,
  leaseName: 'lynq-leader',
});

describe('operator metrics', () => {
  it('O4 sums node resources per hub and form, exposes hub counts and conditions, and never labels a node', async () => {
    const nodes = [
      node('a-web-1', 'web', 2, false),
      node('b-web-2', 'web', 1, true),
      node('c-api-3', 'api', 0, true),
    ];
    const metrics = createOperatorMetrics(sources(nodes));
    metrics.apiRequest('patch', '200', 0.01);
    metrics.applyAttempt('apps/deployments', 'conflict');
    metrics.hubRead({ namespace: 'ns', name: 'hub' }, 0.2, { rows: 3 });
    metrics.hubRead({ namespace: 'ns', name: 'hub' }, 0.1, {
      errorReason: 'DatasourceUnreachable',
    });
    metrics.nodeConflicted({ namespace: 'ns', hub: 'hub', form: 'web' });
    const text = await metrics.registry.metrics();
    for (const line of [
      'lynqnode_resources_desired{namespace="ns",hub="hub",form="web"} 4',
      'lynqnode_resources_ready{namespace="ns",hub="hub",form="web"} 3',
      'lynqnode_resources_failed{namespace="ns",hub="hub",form="api"} 2',
      'lynq_nodes_degraded{namespace="ns",hub="hub",form="web"} 1',
      'hub_desired{namespace="ns",hub="hub"} 3',
      'hub_failed{namespace="ns",hub="hub"} 1',
      'lynq_hub_datasource_reachable{namespace="ns",hub="hub"} 0',
      'lynq_form_rollout_failed{namespace="ns",hub="hub",form="web"} 1',
      'lynq_hub_rows_read_total{namespace="ns",hub="hub"} 3',
      'lynq_datasource_errors_total{namespace="ns",hub="hub",reason="DatasourceUnreachable"} 1',
      'lynqnode_conflicts_total{namespace="ns",hub="hub",form="web"} 1',
      'apply_attempts_total{resource="apps/deployments",result="conflict"} 1',
      'lynq_api_requests_total{verb="patch",code="200"} 1',
      'lynq_watch_restarts_total{resource="lynqnodes"} 5',
      'lynq_render_pool_queue_depth 4',
      'lynq_api_requests_queued{priority="removal"} 2',
      'lynq_api_requests_queued{priority="change"} 5',
      'lynq_api_requests_throttled_total 3',
      'lynq_actors{kind="node"} 3',
      'leader_election_master_status{name="lynq-leader"} 1',
    ]) {
      assert.ok(text.includes(`\n${line}\n`), line);
    }
    for (const n of nodes) assert.ok(!text.includes(n.metadata.name ?? ''), 'no series per node');
  });

  it('O4 drops a hub’s series once the hub is gone (gauges are rebuilt at each scrape)', async () => {
    const list: NodeView[] = [node('a', 'web', 1, false)];
    const metrics = createOperatorMetrics(sources(list));
    assert.match(
      await metrics.registry.metrics(),
      /lynq_nodes\{namespace="ns",hub="hub",form="web"\} 1/,
    );
    list.length = 0;
    assert.doesNotMatch(await metrics.registry.metrics(), /^lynq_nodes\{/m);
  });
});
