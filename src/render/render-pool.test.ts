// The worker pool: batches, per-revision cache, and one bad node never failing the others (T7).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRenderBatcher } from './render-batcher.js';
import {
  createRenderPool,
  planBatches,
  type RenderPool,
  type RenderPoolOptions,
} from './render-pool.js';
import type { RenderNodeInput } from './render.js';
import { isBudgetFailure, poolCodes, type ResourceEntry } from './render-types.js';

/** Built next to this test in dist/: dist/test/fixtures/render/pool-functions.js. */
const poolFunctions = new URL('../../test/fixtures/render/pool-functions.js', import.meta.url).href;

/**
 * A small pool on the test function library; each test says what it changes. Its workers run
 * at the test's own priority and its time limit is far beyond any healthy render, so on a
 * loaded machine no healthy node meets the clock; only the stuck-render tests set a limit.
 */
const testPool = (options: Partial<RenderPoolOptions> = {}): RenderPool =>
  createRenderPool({
    minThreads: 1,
    maxThreads: 1,
    idleTimeoutMs: 1_000,
    maxOldGenerationSizeMb: 64,
    functionsModule: poolFunctions,
    niceIncrement: 0,
    limits: { maxRenderMillisPerNode: 60_000 },
    ...options,
  });

/**
 * The limit the stuck-render tests cut `spin` with: the production default. A healthy node
 * alone gets twice that from when a worker picks it up, which a loaded machine still meets.
 */
const stuckRenderLimits = { maxRenderMillisPerNode: 2_000 };

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
    pool = testPool({ maxThreads: 2, maxNodesPerBatch: 4 });
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
    const stuck = testPool({ maxThreads: 2, maxNodesPerBatch: 2, limits: stuckRenderLimits });
    await stuck.start();
    const results = await stuck
      .render({ revisionKey: 'r3', resources, nodes: nodes(['a', 'spin', 'c', 'd']) })
      .finally(() => stuck.stop());
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, true, true],
    );
    // Alone and still over the pool's time limit: the same inputs would hang again (T5).
    assert.match(results[1]?.errors[0]?.message ?? '', /did not finish within \d+ ms/);
    assert.equal(results[1]?.errors[0]?.code, poolCodes.budgetExceeded);
    assert.ok(stuck.stats().abortedBatches >= 1);
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
    // A crash says nothing about the node's budget: it stays a failure worth retrying.
    assert.equal(results[0]?.errors[0]?.code, poolCodes.renderAborted);
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
    // A pool of its own with a generous time limit, so that on a loaded machine the heap limit,
    // not the clock, is what stops the hog.
    const roomy = testPool({ maxNodesPerBatch: 4, limits: { maxRenderMillisPerNode: 60_000 } });
    await roomy.start();
    const results = await roomy
      .render({ revisionKey: 'r5', resources, nodes: nodes(['a', 'hog']) })
      .finally(() => roomy.stop());
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false],
    );
    assert.match(results[1]?.errors[0]?.message ?? '', /worker heap \(maxOldGenerationSizeMb 64\)/);
    assert.equal(results[1]?.errors[0]?.code, poolCodes.budgetExceeded);
  });

  it('T5 N14 a node over its output budget fails alone with RenderBudgetExceeded naming the limit', async () => {
    const resources: readonly ResourceEntry[] = [
      {
        id: 'cm',
        nameTemplate: '{{ uid }}-cm',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          // `count` rounds of a megabyte (1,000 × 1 kB) each.
          data: { v: `{% for i in range(0, count * 1000) %}${'x'.repeat(1000)}{% endfor %}` },
        },
      },
    ];
    const results = await pool.render({
      revisionKey: 'r8',
      resources,
      nodes: [
        { namespace: 'tenants', variables: { uid: 'small', count: 1 } },
        { namespace: 'tenants', variables: { uid: 'huge', count: 5 } },
      ],
    });
    assert.equal(results[0]?.ok, true);
    assert.ok(results[1] !== undefined && isBudgetFailure(results[1]));
    assert.match(results[1].errors[0]?.message ?? '', /exceeds 4194304 bytes/);
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

describe('render pool: the per-worker revision cache (T7)', () => {
  const fixed = (threads: number): RenderPool =>
    testPool({
      minThreads: threads,
      maxThreads: threads,
      idleTimeoutMs: 600_000,
      maxNodesPerBatch: 2,
    });

  it('T7 compiles a revision once per worker, however many tasks render it', async () => {
    const pool = fixed(2);
    await pool.start();
    try {
      const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
      for (let round = 0; round < 3; round += 1) {
        const results = await pool.render({
          revisionKey: 'once',
          resources: form,
          nodes: nodes(values),
        });
        assert.ok(results.every((r) => r.ok));
      }
      // 30 tasks over two threads; without the cache every task would compile.
      const { compilations } = pool.stats();
      assert.ok(compilations >= 1 && compilations <= 2, `compilations: ${compilations}`);
    } finally {
      await pool.stop();
    }
  });

  it('T7 a worker that lacks a revision (it replaced a crashed one) gets the resources again', async () => {
    const pool = fixed(1);
    await pool.start();
    try {
      const first = await pool.render({
        revisionKey: 'kept',
        resources: form,
        nodes: nodes(['a']),
      });
      assert.equal(first[0]?.ok, true);
      const crashing: readonly ResourceEntry[] = [
        {
          id: 'cm',
          nameTemplate: '{{ uid }}-cm',
          spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { v: '{{ value | crash }}' } },
        },
      ];
      const crashed = await pool.render({
        revisionKey: 'boom',
        resources: crashing,
        nodes: nodes(['x']),
      });
      assert.equal(crashed[0]?.ok, false);
      // The new thread has an empty cache; the pool sends 'kept' without its resources first.
      const again = await pool.render({
        revisionKey: 'kept',
        resources: form,
        nodes: nodes(['b', 'c']),
      });
      assert.deepEqual(
        again.map((r) => r.ok && r.manifests[0]?.name),
        ['n0-cm', 'n1-cm'],
      );
      assert.equal(pool.stats().cacheMisses, 1);
      assert.equal(pool.stats().compilations, 2);
    } finally {
      await pool.stop();
    }
  });

  it('T7 one revision key with other resources is never answered from the cache', async () => {
    const pool = fixed(1);
    await pool.start();
    try {
      await pool.render({ revisionKey: 'same', resources: form, nodes: nodes(['a']) });
      const other: readonly ResourceEntry[] = [
        {
          id: 'cm',
          nameTemplate: '{{ uid }}-other',
          spec: { apiVersion: 'v1', kind: 'ConfigMap' },
        },
      ];
      const results = await pool.render({
        revisionKey: 'same',
        resources: other,
        nodes: nodes(['a']),
      });
      assert.equal(results[0]?.ok === true && results[0].manifests[0]?.name, 'n0-other');
    } finally {
      await pool.stop();
    }
  });
});

describe('render pool behind the batcher', () => {
  it('T7 N14 nodes rendered one call each share a task, and a hanging one fails alone', async () => {
    const pool = testPool({
      idleTimeoutMs: 600_000,
      maxNodesPerBatch: 2,
      limits: stuckRenderLimits,
    });
    await pool.start();
    try {
      const batcher = createRenderBatcher(pool, { windowMs: 20 });
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
      const results = await Promise.all(
        nodes(['a', 'b', 'spin', 'd']).map((node) =>
          batcher.render({ revisionKey: 'batched', resources, node }),
        ),
      );
      assert.deepEqual(
        results.map((r) => (r.ok ? r.manifests[0]?.name : r.errors[0]?.code)),
        ['n0-cm', 'n1-cm', poolCodes.budgetExceeded, 'n3-cm'],
      );
      assert.deepEqual(batcher.stats(), { batches: 1, nodes: 4 });
    } finally {
      await pool.stop();
    }
  });
});

describe('render pool start', () => {
  it('fails loudly when the workers cannot load the function library', async () => {
    const pool = testPool({
      functionsModule: new URL('../../test/fixtures/render/no-such-library.js', import.meta.url)
        .href,
    });
    await assert.rejects(pool.start(), (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, 'RenderWorkerStartFailed');
      assert.match((err as Error).message, /no-such-library\.js does not exist/);
      return true;
    });
    const results = await pool.render({ revisionKey: 'r', resources: form, nodes: nodes(['a']) });
    assert.equal(results[0]?.ok === false && results[0].errors[0]?.code, poolCodes.renderAborted);
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
