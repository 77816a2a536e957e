// The worker pool: batches, per-revision cache, and one bad node never failing the others (T7).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRenderPool, planBatches, type RenderPool } from './render-pool.js';
import type { RenderNodeInput } from './render.js';
import { poolCodes, type ResourceEntry } from './render-types.js';

/** Built next to this test in dist/: dist/test/fixtures/render/pool-functions.js. */
const poolFunctions = new URL('../../test/fixtures/render/pool-functions.js', import.meta.url).href;

const form: readonly ResourceEntry[] = [
  {
    id: 'cm',
    nameTemplate: '{{ uid }}-cm',
    spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { v: '{{ value }}' } },
  },
];

const nodes = (values: readonly string[]): RenderNodeInput[] =>
  values.map((value, i) => ({ namespace: 'tenants', variables: { uid: `n${i}`, value } }));

describe('render pool', () => {
  let pool: RenderPool;
  before(async () => {
    pool = createRenderPool({
      minThreads: 1,
      maxThreads: 2,
      idleTimeoutMs: 1_000,
      maxOldGenerationSizeMb: 64,
      maxNodesPerBatch: 4,
      functionsModule: poolFunctions,
      limits: { maxRenderMillisPerNode: 300 },
    });
    await pool.start();
  });
  after(async () => {
    await pool.stop();
  });

  it('T7 renders every node in request order, hashes included', async () => {
    const results = await pool.render({
      revisionKey: 'r1',
      resources: form,
      nodes: nodes(['a', 'b', 'c', 'd', 'e', 'f', 'g']),
    });
    assert.equal(results.length, 7);
    results.forEach((result, i) => {
      assert.ok(result.ok);
      const [manifest] = result.manifests;
      assert.ok(manifest !== undefined);
      assert.equal(manifest.name, `n${i}-cm`);
      assert.match(manifest.hash, /^[0-9a-f]{64}$/);
    });
  });

  it('T7 reports template errors per node without failing the batch', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm{{ extra }}',
        spec: { apiVersion: 'v1', kind: 'ConfigMap' },
      },
    ];
    const input = nodes(['a', 'b']);
    const results = await pool.render({
      revisionKey: 'r2',
      resources,
      nodes: [
        input[0] as RenderNodeInput,
        { ...(input[1] as RenderNodeInput), variables: { uid: 'x', extra: '-y' } },
      ],
    });
    assert.equal(results[0]?.ok === true && results[0].errors[0]?.field, 'nameTemplate');
    assert.equal(results[1]?.ok === true && results[1].manifests[0]?.name, 'x-cm-y');
  });

  it('T7 renders the rest of a batch again when one node hangs its worker', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { v: '{{ value | spin if value == "spin" else value }}' },
        },
      },
    ];
    const results = await pool.render({
      revisionKey: 'r3',
      resources,
      nodes: nodes(['a', 'spin', 'c', 'd']),
    });
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, true, true],
    );
    assert.equal(results[1]?.errors[0]?.code, poolCodes.renderAborted);
    assert.ok(pool.stats().abortedBatches >= 1);
  });

  it('T7 renders the rest of a batch again when one node crashes its worker', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { v: '{{ value | crash if value == "crash" else value }}' },
        },
      },
    ];
    const results = await pool.render({
      revisionKey: 'r4',
      resources,
      nodes: nodes(['crash', 'b', 'c']),
    });
    assert.deepEqual(
      results.map((r) => r.ok),
      [false, true, true],
    );
  });

  it('T7 survives a node that exhausts its worker heap', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { v: '{{ value | hog if value == "hog" else value }}' },
        },
      },
    ];
    const results = await pool.render({ revisionKey: 'r5', resources, nodes: nodes(['a', 'hog']) });
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false],
    );
  });

  it('T5 fails a runaway loop inside the render, not by killing the worker', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { v: '{% for i in range(0, 1000000000) %}x{% endfor %}' },
        },
      },
    ];
    const before = pool.stats().abortedBatches;
    const results = await pool.render({ revisionKey: 'r6', resources, nodes: nodes(['a']) });
    assert.equal(results[0]?.ok === true && results[0].errors[0]?.code, 'TemplateLimitExceeded');
    assert.equal(pool.stats().abortedBatches, before);
  });

  it('T7 gives cancelled nodes RenderAborted instead of throwing', async () => {
    const controller = new AbortController();
    controller.abort();
    const results = await pool.render(
      { revisionKey: 'r7', resources: form, nodes: nodes(['a', 'b']) },
      controller.signal,
    );
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.errors[0]?.code)),
      [poolCodes.renderAborted, poolCodes.renderAborted],
    );
  });

  it('T7 answers without throwing when the pool is not running', async () => {
    const idle = createRenderPool({
      minThreads: 0,
      maxThreads: 1,
      idleTimeoutMs: 100,
      maxOldGenerationSizeMb: 64,
    });
    const results = await idle.render({ revisionKey: 'r', resources: form, nodes: nodes(['a']) });
    assert.equal(results[0]?.ok, false);
  });
});

describe('batch planning', () => {
  it('T7 sizes batches by estimated output bytes', () => {
    const batches = planBatches(nodes(['a', 'b', 'c', 'd', 'e']), 1000, 2500, 100);
    assert.deepEqual(
      batches.map((b) => b.length),
      [2, 2, 1],
    );
  });

  it('T7 caps the nodes per batch', () => {
    const batches = planBatches(nodes(['a', 'b', 'c']), 1, 1_000_000, 2);
    assert.deepEqual(
      batches.map((b) => b.length),
      [2, 1],
    );
  });
});
