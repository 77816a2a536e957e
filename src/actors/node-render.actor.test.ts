// The node render actor's outcomes: budget overruns fail the node's resources for good, aborted renders are retried (N14, T5).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock, type PromiseActorLogic } from 'xstate';
import { errorKinds, LynqError, transientError } from '../errors.js';
import {
  nodeMachine,
  type NodeApplyInput,
  type NodeApplyOutput,
  type NodeObservation,
  type NodeRenderInput,
  type NodeRenderOutput,
} from '../machines/node.machine.js';
import { resourcePathCodes, type ResourcePaths } from '../kube/resource-paths.js';
import type { NodeRenderRequest } from '../render/render-batcher.js';
import { poolCodes, type NodeRenderResult } from '../render/render-types.js';
import { applyNodePlan, type NodeApplyMemory } from './node-apply.actor.js';
import { renderNodePlan, type NodeRenderDeps, type NodePlan } from './node-render.actor.js';

const revisionObject = {
  data: {
    configMaps: [
      {
        id: 'config',
        nameTemplate: '{{ uid }}-config',
        spec: { apiVersion: 'v1', kind: 'ConfigMap' },
      },
      {
        id: 'after',
        dependIds: ['config'],
        nameTemplate: '{{ uid }}-after',
        spec: { apiVersion: 'v1', kind: 'ConfigMap' },
      },
    ],
  },
};

const failed = (code: string, message: string): NodeRenderResult => ({
  ok: false,
  errors: [{ code, resourceId: '', field: '', message }],
});

const overBudget = failed(
  poolCodes.budgetExceeded,
  'render output exceeds 4194304 bytes (limit per node)',
);

/** Render deps whose pool answers from a script; records the variables of every request. */
const fakeDeps = (answers: NodeRenderResult[]) => {
  const requests: NodeRenderRequest[] = [];
  let variables: Record<string, unknown> = { uid: 'big', rounds: 5 };
  const deps: NodeRenderDeps = {
    renderer: {
      render: (request) => {
        requests.push(request);
        return Promise.resolve(answers.shift() ?? overBudget);
      },
    },
    // Only asked for kinds beyond the built-in table; these forms use ConfigMaps.
    paths: {} as never,
    readRevision: () => Promise.resolve(revisionObject),
    variablesOf: () => variables,
  };
  return {
    deps,
    requests,
    setVariables: (v: Record<string, unknown>) => {
      variables = v;
    },
  };
};

const node = { namespace: 'tenants', name: 'big-web', uid: 'u-1' };

const observation = (generation: number): NodeObservation => ({
  generation,
  deleting: false,
  appliedResources: [],
  revision: 'web-abc',
  cleanupFinalizerIndex: 0,
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
};

/** The node's first render (generation 1). */
const renderFirst = (deps: NodeRenderDeps) =>
  renderNodePlan(deps, { node, observation: observation(1) }, new AbortController().signal);

/** A pool answer that rendered, with these errors for single resources. */
const renderedWith = (errors: NodeRenderResult['errors']): NodeRenderResult => ({
  ok: true,
  manifests: [],
  errors,
});

/** The template error of a resource whose nameTemplate names an undefined uid. */
const uidUndefinedIn = (resourceId: string): NodeRenderResult['errors'][number] => ({
  code: 'TemplateUndefinedValue',
  resourceId,
  field: 'nameTemplate',
  message: 'uid is undefined',
});

/** The node machine with this render actor and `applyNode`, started at generation 1 and settled. */
const startNode = async (
  renderDeps: NodeRenderDeps,
  applyNode: PromiseActorLogic<NodeApplyOutput, NodeApplyInput>,
) => {
  const machine = nodeMachine.provide({
    actors: {
      renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(({ input, signal }) =>
        renderNodePlan(renderDeps, input, signal),
      ),
      applyNode,
    },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input: { node, observation: observation(1) }, clock });
  actor.start();
  await settle();
  return { actor, clock };
};

describe('node render actor', () => {
  it('T5 N14 a node over its render budget fails every resource with RenderBudgetExceeded, naming the limit', async () => {
    const { deps } = fakeDeps([overBudget]);
    const out = await renderFirst(deps);
    assert.deepEqual(out.failure, {
      reason: 'RenderBudgetExceeded',
      message: 'render output exceeds 4194304 bytes (limit per node)',
      retryable: false,
    });
    const planned = (out.plan as NodePlan).levels.flat();
    assert.deepEqual(
      planned.map((r) => [r.id, r.renderReason, r.manifest]),
      [
        ['config', 'RenderBudgetExceeded', undefined],
        ['after', 'RenderBudgetExceeded', undefined],
      ],
    );
    assert.match(planned[0]?.renderError ?? '', /exceeds 4194304 bytes/);
  });

  it('T7 a render the pool could not finish for a passing reason rejects as a transient RenderAborted', async () => {
    const { deps } = fakeDeps([failed(poolCodes.renderAborted, 'render worker failed: exited')]);
    await assert.rejects(renderFirst(deps), (err: unknown) => {
      assert.equal((err as LynqError).code, poolCodes.renderAborted);
      assert.equal((err as LynqError).kind, errorKinds.transient);
      return true;
    });
  });

  it('N14 a template error stays with its resource as TemplateRenderError; the node has no failure', async () => {
    const { deps } = fakeDeps([renderedWith([uidUndefinedIn('config')])]);
    const out = await renderFirst(deps);
    assert.equal(out.failure, undefined);
    const config = (out.plan as NodePlan).levels.flat().find((r) => r.id === 'config');
    assert.equal(config?.renderReason, 'TemplateRenderError');
    assert.match(config.renderError ?? '', /uid is undefined/);
  });

  it('N14 a kind the API server does not serve fails its resource with UnknownKind, not as a template error', async () => {
    const { deps } = fakeDeps([
      renderedWith([
        {
          code: 'UnknownKind',
          resourceId: 'config',
          field: 'kind',
          message: 'cannot tell whether Widget (example.com/v1) is namespaced',
        },
        uidUndefinedIn('after'),
      ]),
    ]);
    const out = await renderFirst(deps);
    assert.equal(out.failure, undefined);
    const planned = (out.plan as NodePlan).levels.flat();
    assert.deepEqual(
      planned.map((r) => [r.id, r.renderReason]),
      [
        ['config', 'UnknownKind'],
        ['after', 'TemplateRenderError'],
      ],
    );
    assert.match(planned[0]?.renderError ?? '', /Widget/);
  });

  it('N14 a kind discovery does not know is left to the render; any other discovery failure fails the pass', async () => {
    const widgetRevision = {
      data: {
        manifests: [{ id: 'widget', spec: { apiVersion: 'example.com/v1', kind: 'Widget' } }],
      },
    };
    const withDiscovery = (isNamespaced: ResourcePaths['isNamespaced']) => {
      const { deps, requests } = fakeDeps([renderedWith([])]);
      const paths = { isNamespaced } as Partial<ResourcePaths> as ResourcePaths;
      return {
        deps: { ...deps, paths, readRevision: () => Promise.resolve(widgetRevision) },
        requests,
      };
    };

    const unknown = withDiscovery(() =>
      Promise.reject(
        new LynqError('no Widget in example.com/v1', {
          kind: errorKinds.invalidSpec,
          code: resourcePathCodes.unknownKind,
        }),
      ),
    );
    await renderFirst(unknown.deps);
    assert.deepEqual(unknown.requests[0]?.kindScopes, {});

    const unreachable = withDiscovery(() =>
      Promise.reject(transientError('KubernetesUnreachable', 'connect ECONNREFUSED')),
    );
    await assert.rejects(renderFirst(unreachable.deps), { code: 'KubernetesUnreachable' });
    assert.equal(unreachable.requests.length, 0);

    const aborted = withDiscovery(() => Promise.reject(new DOMException('aborted', 'AbortError')));
    await assert.rejects(renderFirst(aborted.deps), { name: 'AbortError' });
  });

  it('T5 N14 with the node machine: Degraded with RenderBudgetExceeded on every resource, not retried, rendered again when the inputs change', async () => {
    const { deps, requests, setVariables } = fakeDeps([overBudget, overBudget]);
    const memory: NodeApplyMemory = { hashes: new Map(), previous: [], completions: new Map() };
    const events: string[] = [];
    const { actor, clock } = await startNode(
      deps,
      fromPromise<NodeApplyOutput, NodeApplyInput>(({ input, signal }) =>
        applyNodePlan(
          // Nothing rendered, so nothing is written: the write deps are never reached.
          { write: {} as never, targets: {} as never, concurrency: 2, now: () => new Date(0) },
          input,
          memory,
          (event) => events.push(event.reason),
          signal,
        ),
      ),
    );

    let snapshot = actor.getSnapshot();
    assert.equal(snapshot.value, 'degraded');
    assert.equal(snapshot.context.trigger, 'render.failed: RenderBudgetExceeded');
    const apply = snapshot.context.lastApply;
    assert.deepEqual(apply?.outcome, {
      kind: 'failed',
      retryable: false,
      reason: 'RenderBudgetExceeded',
    });
    assert.deepEqual(apply.skippedResourceIds, []);
    assert.deepEqual(
      apply.resources.map((r) => [r.id, r.state, r.reason]),
      [
        ['config', 'Failed', 'RenderBudgetExceeded'],
        ['after', 'Failed', 'RenderBudgetExceeded'],
      ],
    );
    assert.match(apply.resources[0]?.message ?? '', /exceeds 4194304 bytes/);
    assert.deepEqual(events, ['RenderBudgetExceeded', 'RenderBudgetExceeded']);

    // Longer than the longest backoff (5 minutes): a budget overrun is not retried.
    clock.increment(3_600_000);
    await settle();
    assert.equal(requests.length, 1);
    assert.equal(actor.getSnapshot().value, 'degraded');

    // New variables (a new generation): rendered again, with them.
    setVariables({ uid: 'big', rounds: 1 });
    actor.send({ type: 'node.observed', observation: observation(2) });
    await settle();
    assert.equal(requests.length, 2);
    assert.deepEqual(requests[1]?.node.variables, { uid: 'big', rounds: 1 });
    snapshot = actor.getSnapshot();
    assert.equal(snapshot.context.renderedGeneration, 2);
    actor.stop();
  });

  it('N14 a revision whose dependency graph is broken rejects as InvalidRevision of kind InvalidSpec; the node machine leaves it Degraded, unretried, until a new generation', async () => {
    const cyclic = {
      data: {
        configMaps: [
          { id: 'a', dependIds: ['b'], spec: { apiVersion: 'v1', kind: 'ConfigMap' } },
          { id: 'b', dependIds: ['a'], spec: { apiVersion: 'v1', kind: 'ConfigMap' } },
        ],
      },
    };
    const { deps } = fakeDeps([]);
    let reads = 0;
    const broken: NodeRenderDeps = {
      ...deps,
      readRevision: () => {
        reads += 1;
        return Promise.resolve(reads === 1 ? cyclic : revisionObject);
      },
    };
    const { actor, clock } = await startNode(
      broken,
      fromPromise<NodeApplyOutput, NodeApplyInput>(() => new Promise(() => undefined)),
    );
    assert.equal(actor.getSnapshot().value, 'degraded');
    const error = actor.getSnapshot().context.lastError;
    assert.equal(error?.reason, 'InvalidRevision');
    assert.equal(error.retryable, false);
    assert.match(error.message, /cycle/i);
    clock.increment(3_600_000);
    await settle();
    assert.equal(reads, 1, 'not retried with the same inputs');
    actor.send({ type: 'node.observed', observation: observation(2) });
    await settle();
    assert.equal(reads, 2);
    assert.deepEqual(actor.getSnapshot().value, { applying: 'passing' });
    actor.stop();
  });
});
