// The render worker pool (T7): batches nodes of one revision, isolates them, never throws.

import { Piscina } from 'piscina';
import { invalidSpecError } from '../errors.js';
import { inFlightAborts, type InFlightAborts } from '../api/in-flight-aborts.js';
import { sha256Hex } from '../api/sha256-hex.js';
import type { RenderLimits } from './environment.js';
import { batchSpentCpu, batchStartedAt, createBatchClock } from './batch-clock.js';
import { renderLimits } from './limits.js';
import type { RenderNodeInput } from './render.js';
import { poolCodes, type NodeRenderResult, type ResourceEntry } from './render-types.js';
import type { RenderTask } from './render-task.js';
import { unpackResults } from './result-packing.js';
import type { RenderWorkerData, RenderWorkerProbe, RenderWorkerReply } from './render.worker.js';

export interface RenderPoolOptions {
  readonly minThreads: number;
  readonly maxThreads: number;
  /** Milliseconds an idle thread above `minThreads` lives. */
  readonly idleTimeoutMs: number;
  /** Heap limit per worker; a node that needs more kills its worker, and fails alone. */
  readonly maxOldGenerationSizeMb: number;
  /**
   * How much lower than the main thread workers run (Unix nice increment, default 5): the
   * reconciler's event loop must stay responsive while the workers are saturated.
   */
  readonly niceIncrement?: number;
  /** Target size of one batch's output; results are copied back, so this bounds each copy. */
  readonly batchTargetBytes?: number;
  readonly maxNodesPerBatch?: number;
  /** Module exporting `templateFunctions` (default: the library next to the worker). */
  readonly functionsModule?: string;
  readonly limits?: Partial<RenderLimits>;
  /** The built worker file (Node 20 cannot load a `.ts` worker). */
  readonly workerFile?: URL;
}

/** One render request: nodes of one revision. */
export interface RenderRequest {
  readonly revisionKey: string;
  readonly resources: readonly ResourceEntry[];
  readonly nodes: readonly RenderNodeInput[];
  /** `Group/Kind` → namespaced, for kinds beyond the built-in table (from discovery). */
  readonly kindScopes?: Readonly<Record<string, boolean>>;
}

export interface RenderPoolStats {
  readonly threads: number;
  readonly queueSize: number;
  /** Batches that had to be aborted (time, memory, crash) and were split. */
  readonly abortedBatches: number;
  /** Tasks that compiled their revision in a worker (each worker compiles a revision once). */
  readonly compilations: number;
  /** Tasks sent without the resources to a worker that did not have them, and sent again. */
  readonly cacheMisses: number;
}

/** The pool as the rest of the operator sees it: injectable, with start and stop. */
export interface RenderPool {
  /**
   * Starts the threads and waits for one to load (with its function library). Throws
   * `RenderWorkerStartFailed` when a worker cannot start; the pool is then not running.
   */
  start(): Promise<void>;
  /** Waits for nothing: running batches are cancelled and their nodes get `RenderAborted`. */
  stop(): Promise<void>;
  /**
   * Renders every node, one result per node in request order. Never rejects: a failure of the
   * whole batch (time, memory, crash) is retried without the culprit, which alone fails, with
   * `RenderBudgetExceeded` when it ran out of time or heap and `RenderAborted` when its worker
   * crashed otherwise; a cancelled request gives `RenderAborted` to the nodes not yet rendered.
   * A `revisionKey` names one revision; its worker caches are keyed by its content as well.
   */
  render(request: RenderRequest, signal?: AbortSignal): Promise<readonly NodeRenderResult[]>;
  stats(): RenderPoolStats;
}

const aborted = (message: string): NodeRenderResult => ({
  ok: false,
  errors: [{ code: poolCodes.renderAborted, resourceId: '', field: '', message }],
});

const overBudget = (message: string): NodeRenderResult => ({
  ok: false,
  errors: [{ code: poolCodes.budgetExceeded, resourceId: '', field: '', message }],
});

/** Node's code for a worker that hit `resourceLimits.maxOldGenerationSizeMb`. */
const isOutOfMemory = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';

/** Revisions whose resources were sent recently, and how often; bounded like a worker's cache. */
const shippedCapacity = 1_024;

/** Read through a call, so the check after an `await` is not narrowed away. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Splits nodes into batches of about `targetBytes` of estimated output each. A node's output is
 * estimated as the form's own size plus twice its variables (they are often interpolated more
 * than once); nodes of one revision are alike, so a sample of them sets the batch size, which
 * keeps planning off the main thread's critical path.
 */
export const planBatches = (
  nodes: readonly RenderNodeInput[],
  perNodeBaseBytes: number,
  targetBytes: number,
  maxNodes: number,
): RenderNodeInput[][] => {
  const sample = nodes.slice(0, 16);
  const variableBytes =
    sample.reduce((sum, node) => sum + JSON.stringify(node.variables).length, 0) /
    Math.max(1, sample.length);
  const perBatch = Math.max(
    1,
    Math.min(maxNodes, Math.floor(targetBytes / (perNodeBaseBytes + 2 * variableBytes))),
  );
  const batches: RenderNodeInput[][] = [];
  for (let i = 0; i < nodes.length; i += perBatch) batches.push(nodes.slice(i, i + perBatch));
  return batches;
};

/**
 * Creates the pool; threads start on `start()`. Every batch has a limit on its running time
 * (twice the per-node render limit plus a share per node, counted from when a worker picks it
 * up): templates check their own budget as they run, so this only catches what they cannot (a
 * function stuck without returning). A batch over its limit, or whose worker dies (heap limit,
 * crash), is split in halves and rendered again until the culprit is alone; it alone fails.
 *
 * A revision's resources go with its first `maxThreads` tasks (about one per worker); later
 * tasks leave them out, and a worker that lacks them (new, or evicted them) says so and gets the
 * task again with them: the form is structured-cloned on the main thread for every task that
 * carries it, and the reconciler's event loop should not pay that thousands of times.
 */
export const createRenderPool = (options: RenderPoolOptions): RenderPool => {
  const limits = { ...renderLimits, ...options.limits };
  const targetBytes = options.batchTargetBytes ?? 512 * 1024;
  const maxNodes = options.maxNodesPerBatch ?? 500;
  let piscina: Piscina<RenderTask | undefined, RenderWorkerReply> | undefined;
  let stopping: AbortController | undefined;
  /** Ends the renders in flight when the pool stops, without linking each call to its signal. */
  let inFlight: InFlightAborts | undefined;
  let abortedBatches = 0;
  let compilations = 0;
  let cacheMisses = 0;
  const shipped = new Map<string, number>();
  let watchdog: NodeJS.Timeout | undefined;
  /** Running batches: when each started (shared with its worker) and how to stop it. */
  const running = new Set<{
    readonly startedAt: BigInt64Array<SharedArrayBuffer>;
    readonly limitMs: number;
    readonly stop: AbortController;
  }>();
  const watch = (): void => {
    const now = Date.now();
    for (const batch of running) {
      const started = batchStartedAt(batch.startedAt);
      if (
        started > 0 &&
        now - started > batch.limitMs &&
        batchSpentCpu(batch.startedAt, batch.limitMs)
      ) {
        batch.stop.abort(new Error('timeout'));
      }
    }
  };

  const batchTimeout = (nodes: number): number =>
    2 * limits.maxRenderMillisPerNode + nodes * Math.ceil(limits.maxRenderMillisPerNode / 100);

  /** Whether a task of this revision carries its resources (counted when it does). */
  const shipResources = (key: string): boolean => {
    const sent = shipped.get(key) ?? 0;
    if (sent >= options.maxThreads) return false;
    shipped.delete(key);
    shipped.set(key, sent + 1);
    if (shipped.size > shippedCapacity) {
      const oldest = shipped.keys().next();
      if (oldest.done !== true) shipped.delete(oldest.value);
    }
    return true;
  };

  const runBatch = async (
    pool: Piscina<RenderTask | undefined, RenderWorkerReply>,
    base: Omit<RenderTask, 'nodes'> & { readonly resources: readonly ResourceEntry[] },
    nodes: readonly RenderNodeInput[],
    signal: AbortSignal,
    withResources = shipResources(base.revisionKey),
  ): Promise<readonly NodeRenderResult[]> => {
    if (signal.aborted) return nodes.map(() => aborted('render cancelled'));
    const limitMs = batchTimeout(nodes.length);
    const batch = {
      startedAt: createBatchClock(),
      limitMs,
      stop: new AbortController(),
    };
    running.add(batch);
    // The watchdog ticks only while a batch runs: an idle operator wakes for nothing.
    if (watchdog === undefined) {
      watchdog = setInterval(watch, 50);
      watchdog.unref();
    }
    let reply: RenderWorkerReply;
    try {
      const task: RenderTask = {
        revisionKey: base.revisionKey,
        kindScopes: base.kindScopes,
        ...(withResources ? { resources: base.resources } : {}),
        nodes,
        startedAt: batch.startedAt.buffer,
      };
      reply = await pool.run(task, {
        name: 'renderBatch',
        signal: AbortSignal.any([signal, batch.stop.signal]),
      });
    } catch (err: unknown) {
      if (isAborted(signal)) return nodes.map(() => aborted('render cancelled'));
      if (nodes.length === 1) {
        if (batch.stop.signal.aborted) {
          return [
            overBudget(
              `render did not finish within ${limitMs} ms (the pool's limit for one node)`,
            ),
          ];
        }
        if (isOutOfMemory(err)) {
          return [
            overBudget(
              `render exhausted the worker heap (maxOldGenerationSizeMb ${options.maxOldGenerationSizeMb})`,
            ),
          ];
        }
        return [aborted(`render worker failed: ${messageOf(err)}`)];
      }
      abortedBatches += 1;
      // Bisect: the halves run again; the culprit ends up alone and fails alone.
      const middle = Math.ceil(nodes.length / 2);
      const [left, right] = await Promise.all([
        runBatch(pool, base, nodes.slice(0, middle), signal),
        runBatch(pool, base, nodes.slice(middle), signal),
      ]);
      return [...left, ...right];
    } finally {
      running.delete(batch);
      if (running.size === 0) {
        clearInterval(watchdog);
        watchdog = undefined;
      }
    }
    if (reply.kind === 'uncached') {
      cacheMisses += 1;
      return runBatch(pool, base, nodes, signal, true);
    }
    if (reply.compiled) compilations += 1;
    return unpackResults(reply.batch);
  };

  return {
    async start() {
      if (piscina !== undefined) return;
      const workerData: RenderWorkerData = {
        ...(options.functionsModule === undefined
          ? {}
          : { functionsModule: options.functionsModule }),
        limits,
      };
      const pool = new Piscina<RenderTask | undefined, RenderWorkerReply>({
        filename: (options.workerFile ?? new URL('./render.worker.js', import.meta.url)).href,
        minThreads: options.minThreads,
        maxThreads: options.maxThreads,
        idleTimeout: options.idleTimeoutMs,
        resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb },
        niceIncrement: options.niceIncrement ?? 5,
        workerData,
      });
      // A worker that dies between tasks is replaced by piscina; without a listener the
      // 'error' event would be thrown on the main thread.
      pool.on('error', () => undefined);
      try {
        // One thread must load (worker module, function library) before anything renders:
        // a pool whose workers cannot start would fail every render as if it were transient.
        const probe = (await pool.run(undefined, {
          name: 'probe',
        })) as unknown as RenderWorkerProbe;
        if (!(probe.functions > 0)) throw new Error('the worker loaded no template functions');
      } catch (err: unknown) {
        await pool.destroy();
        throw invalidSpecError(
          'RenderWorkerStartFailed',
          `render worker could not start: ${messageOf(err)}`,
          err,
        );
      }
      piscina = pool;
      stopping = new AbortController();
      inFlight = inFlightAborts(stopping.signal);
    },
    async stop() {
      const pool = piscina;
      piscina = undefined;
      clearInterval(watchdog);
      watchdog = undefined;
      stopping?.abort();
      shipped.clear();
      if (pool !== undefined) await pool.destroy();
    },
    async render(request, signal) {
      const pool = piscina;
      const aborts = inFlight;
      if (pool === undefined || aborts === undefined) {
        return request.nodes.map(() => aborted('render pool is not running'));
      }
      const resourcesJson = JSON.stringify(request.resources);
      const base = {
        // The content in the key: a worker's cache can never answer for other resources.
        revisionKey: `${request.revisionKey}#${sha256Hex(resourcesJson)}`,
        resources: request.resources,
        kindScopes: request.kindScopes ?? {},
      };
      const batches = planBatches(request.nodes, resourcesJson.length, targetBytes, maxNodes);
      return aborts.run(signal, async (cancel) => {
        const results = await Promise.all(batches.map((b) => runBatch(pool, base, b, cancel)));
        return results.flat();
      });
    },
    stats() {
      return {
        threads: piscina?.threads.length ?? 0,
        queueSize: piscina?.queueSize ?? 0,
        abortedBatches,
        compilations,
        cacheMisses,
      };
    },
  };
};
